// Builds dist/: the CLI bundled into one file (start-up reads one file instead of hundreds in
// node_modules), a tiny launcher that answers --version alone and loads the bundle through a V8
// code cache, and that cache, made by running the CLI once on a loopback server.
import { build } from 'esbuild'
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:http'
import { constants as http2Constants } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url)) // a path, spaces and all (pathname would keep %20)
const dist = join(root, 'dist')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/**
 * Start-up work that no run needs, deferred to first use:
 * - yargs imports cliui and string-width, whose module bodies build an Intl.Segmenter and
 *   Unicode-property regular expressions (about 16 ms). yargs only calls them to lay out help.
 * - yargs guesses a version at every start by walking up from the working directory to the
 *   nearest package.json (a failed search also builds an assertion message): about 5 ms. Its
 *   platform shim is given dist/ as the app's directory, where dist/package.json is found at once.
 * - undici's HTTP/2 client loads node:http2 (and with it node:tls), about 10 ms, only to read
 *   header-name constants. reqchain never offers HTTP/2, so the real module is loaded only if
 *   a session is ever opened; the constants are copied from this Node's node:http2.
 * - undici and yargs call node:assert only to check invariants. Loading it costs 1–2 ms at start,
 *   and its `ok` is slow enough to show in a profile of a 10,000-chunk stream (undici asserts on
 *   every body chunk). They get the same checks, with node:assert loaded only to report a failure.
 */
const deferStartupWork = {
  name: 'defer-startup-work',
  setup(build) {
    build.onResolve({ filter: /^(cliui|string-width)$/ }, (args) =>
      args.namespace === 'file' && /[\\/]yargs[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'deferred', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
      // esbuild turns this require() of an ES module into an initialise-on-first-call wrapper.
      contents: `export default function deferred(...args) { return require(${JSON.stringify(args.path)}).default(...args) }`,
      resolveDir: args.pluginData.resolveDir,
    }))
    build.onResolve({ filter: /platform-shims[\\/]esm\.mjs$/ }, (args) =>
      args.namespace === 'file' && /[\\/]yargs[\\/]index\.mjs$/.test(args.importer)
        ? { path: args.path, namespace: 'yargs-shim', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'yargs-shim' }, (args) => ({
      contents: `import shim from ${JSON.stringify(args.path)}; export default { ...shim, mainFilename: __dirname }`,
      resolveDir: args.pluginData.resolveDir,
    }))
    checkAssertUses(
      ['node_modules/undici/lib', 'node_modules/yargs/build/lib', 'node_modules/yargs/lib'],
      ASSERT_SHIM_METHODS,
    )
    build.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      /[\\/](undici|yargs)[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'assert-on-failure' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'assert-on-failure' }, () => ({
      contents: `const failed = () => require('node:assert')
        function assert(value, message) { if (!value) failed().ok(value, message) }
        assert.ok = assert
        assert.strictEqual = (actual, expected, message) => { if (!Object.is(actual, expected)) failed().strictEqual(actual, expected, message) }
        assert.notStrictEqual = (actual, expected, message) => { if (Object.is(actual, expected)) failed().notStrictEqual(actual, expected, message) }
        module.exports = assert`,
      loader: 'js',
    }))
    build.onResolve({ filter: /^node:http2$/ }, (args) =>
      /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/.test(args.importer)
        ? { path: 'http2', namespace: 'http2-on-demand' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'http2-on-demand' }, () => ({
      contents: `module.exports = {
        constants: ${JSON.stringify(Object.fromEntries(Object.entries(http2Constants).filter(([name]) => name.startsWith('HTTP2_HEADER_'))))},
        connect: (...args) => require('node:http2').connect(...args),
      }`,
      loader: 'js',
    }))
  },
}

const ASSERT_SHIM_METHODS = ['ok', 'strictEqual', 'notStrictEqual']

/** The assert stand-in covers what the dependencies call; a new call elsewhere stops the build. */
function checkAssertUses(dirs, covered) {
  for (const dir of dirs) {
    for (const file of readdirSync(join(root, dir), { recursive: true })) {
      if (!/\.m?js$/.test(file)) continue
      const source = readFileSync(join(root, dir, file), 'utf8')
      if (!/require\(['"](node:)?assert['"]\)|from ['"](node:)?assert['"]/.test(source)) continue
      for (const [, method] of source.matchAll(/\bassert\.(\w+)\b/g)) {
        if (!covered.includes(method))
          throw new Error(`build: ${dir}/${file} calls assert.${method}; add it to the assert stand-in`)
      }
      for (const [, names] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?assert['"]/g)) {
        for (const name of names
          .split(',')
          .map((n) => n.trim().split(/\s+as\s+/)[0])
          .filter(Boolean)) {
          if (!covered.includes(name))
            throw new Error(`build: ${dir}/${file} imports ${name} from assert; add it to the assert stand-in`)
        }
      }
    }
  }
}

/**
 * Packages whose published build embeds others: jsonpath-plus's dist holds jsep and the two jsep
 * plugins it uses; tldts's holds tldts-core. Their code reaches dist/ without being an input of
 * ours, so their licences are added by name.
 */
const EMBEDDED = {
  'jsonpath-plus': ['jsep', '@jsep-plugin/assignment', '@jsep-plugin/regex'],
  tldts: ['tldts-core'],
}

/**
 * Libraries that only some runs use are bundled apart, each in its own file with its own code
 * cache, and loaded when the CLI first imports them. `exports` names what reqchain imports.
 */
const LIBRARIES = {
  handlebars: { entry: "import Handlebars from 'handlebars'; export default Handlebars", exports: ['default'] },
  'jsonpath-plus': { entry: "export { JSONPath } from 'jsonpath-plus'", exports: ['JSONPath'] },
  'jsonpath-rfc9535': { entry: "export { query } from 'jsonpath-rfc9535'", exports: ['query'] },
  // The `xpath "…"` query: the evaluator, and the XML and HTML parser it runs on.
  xpath: { entry: "import * as xpath from 'xpath'; export default xpath", exports: ['default'] },
  '@xmldom/xmldom': { entry: "export { DOMParser } from '@xmldom/xmldom'", exports: ['DOMParser'] },
  htmlparser2: { entry: "export { Parser } from 'htmlparser2'", exports: ['Parser'] },
  yargs: { entry: "export { default } from 'yargs'", exports: ['default'] },
  // The draft-2019-09 and 2020-12 validators share ajv's core: one file for all three.
  ajv: {
    entry:
      "import Ajv from 'ajv'; import Ajv2019 from 'ajv/dist/2019.js'; import Ajv2020 from 'ajv/dist/2020.js'; export default Ajv; export { Ajv2019, Ajv2020 }",
    exports: ['default', 'Ajv2019', 'Ajv2020'],
  },
  dotenv: { entry: "export { parse } from 'dotenv'", exports: ['parse'] },
  'tough-cookie': { entry: "export { Cookie, CookieJar } from 'tough-cookie'", exports: ['Cookie', 'CookieJar'] },
  'csv-parse/sync': { entry: "export { parse } from 'csv-parse/sync'", exports: ['parse'] },
  'csv-stringify/sync': { entry: "export { stringify } from 'csv-stringify/sync'", exports: ['stringify'] },
  'shell-quote': { entry: "export { parse } from 'shell-quote'", exports: ['parse'] },
  // The script sandbox: QuickJS's wrapper, and the engine's variant with where its WebAssembly is
  // (dist/quickjs.wasm), which script/engine.ts hands to newVariant with the memory it caps.
  'quickjs-emscripten-core': {
    entry: `import variant from '@jitl/quickjs-wasmfile-release-sync'
      import { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core'
      export { newQuickJSWASMModuleFromVariant, newVariant }
      export const bundledVariant = { ...variant, reqchainWasmLocation: require('node:path').join(__dirname, 'quickjs.wasm') }`,
    exports: ['newQuickJSWASMModuleFromVariant', 'newVariant', 'bundledVariant'],
  },
}

/** Module paths the CLI imports that are one export of a library bundled apart. */
const LIBRARY_MODULES = {
  'ajv/dist/2019.js': ['ajv', 'Ajv2019'],
  'ajv/dist/2020.js': ['ajv', 'Ajv2020'],
  '@jitl/quickjs-wasmfile-release-sync': ['quickjs-emscripten-core', 'bundledVariant'],
}

/** In the CLI bundle, an import of one of those libraries becomes a call to the launcher. */
const librariesApart = {
  name: 'libraries-apart',
  setup(build) {
    const names = [...Object.keys(LIBRARIES), ...Object.keys(LIBRARY_MODULES)]
      .map((n) => n.replace(/[-/.]/g, '\\$&'))
      .join('|')
    build.onResolve({ filter: new RegExp(`^(${names})$`) }, (args) => ({ path: args.path, namespace: 'library-apart' }))
    build.onLoad({ filter: /.*/, namespace: 'library-apart' }, (args) => {
      const [library, member] = LIBRARY_MODULES[args.path] ?? [args.path]
      return {
        contents:
          `const library = __reqchainLibrary(${JSON.stringify(library)})\n` +
          (member
            ? `export default library.${member}`
            : LIBRARIES[library].exports
                .map((name) =>
                  name === 'default' ? 'export default library.default' : `export const ${name} = library.${name}`,
                )
                .join('\n')),
        loader: 'js',
      }
    })
  },
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  charset: 'ascii',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
}

/** The scripts the launcher runs: the CLI bundle and each library bundled apart. */
const script = {
  ...common,
  write: false,
  metafile: true,
  minifyWhitespace: true,
  // Each script is one function expression, the shape of Node's CommonJS wrapper, so the launcher
  // compiles it as read. ES-module dependencies (yargs) read import.meta.url: the script's own.
  define: { REQCHAIN_VERSION: JSON.stringify(version), 'import.meta.url': '__reqchainModuleUrl.href' },
  banner: {
    js: "(function (exports, require, module, __filename, __dirname, __reqchainLibrary) { 'use strict'; var __reqchainModuleUrl = { get href() { return require('node:url').pathToFileURL(__filename).href } };",
  },
  footer: { js: '\n})' },
}

/** Writes a script under a name that carries its content hash; returns the name. */
function writeHashed(stem, result) {
  for (const input of Object.keys(result.metafile.inputs)) bundledInputs.add(input)
  const text = result.outputFiles[0].text
  const name = `${stem}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.js`
  writeFileSync(join(dist, name), text)
  return name
}

rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)
/** Every source file that went into a bundle: the packages among them are what the notices list. */
const bundledInputs = new Set()

/**
 * QuickJS's loader is imported with import(), which would pick its ES-module build; that one
 * loads node:module with import(), which a vm.Script cannot do. The CommonJS build is the same code.
 */
const quickjsCommonJs = {
  name: 'quickjs-commonjs',
  setup(build) {
    build.onResolve({ filter: /^@jitl\/quickjs-wasmfile-release-sync\/emscripten-module$/ }, (args) => ({
      path: createRequire(join(args.resolveDir, 'x.js')).resolve(args.path),
    }))
  },
}

const libraries = {}
for (const [name, { entry }] of Object.entries(LIBRARIES)) {
  libraries[name] = writeHashed(
    name.replace(/^@/, '').replace(/\//g, '-'),
    await build({
      ...script,
      stdin: { contents: entry, resolveDir: root, sourcefile: `${name}.js`, loader: 'js' },
      outfile: `dist/${name}.js`,
      plugins: [deferStartupWork, quickjsCommonJs],
    }),
  )
}
const sandbox = writeHashed(
  'sandbox',
  await build({
    ...script,
    entryPoints: ['src/script/worker.ts'],
    outfile: 'dist/sandbox.js',
    plugins: [librariesApart, deferStartupWork],
  }),
)
const cli = writeHashed(
  'cli',
  await build({
    ...script,
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli.js',
    plugins: [librariesApart, deferStartupWork],
  }),
)

await build({
  ...common,
  banner: { js: '#!/usr/bin/env node' },
  entryPoints: ['src/cli/launch.ts'],
  outfile: 'dist/reqchain.js',
  // The caches the build makes fit this Node without V8 flags: any other keeps its own in the user's cache folder.
  define: {
    REQCHAIN_VERSION: JSON.stringify(version),
    REQCHAIN_SCRIPTS: JSON.stringify({ cli, sandbox, libraries }),
    REQCHAIN_BUILD_KEY: JSON.stringify(buildKey()),
  },
})
copyFileSync(
  createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
  join(dist, 'quickjs.wasm'),
)
// The package is "type": "module"; the files in dist/ are CommonJS (vm.Script runs scripts).
writeFileSync(join(dist, 'package.json'), '{ "type": "commonjs" }\n')
writeFileSync(join(dist, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices())

/**
 * The environment the caches are made in: this Node with no V8 flags, whatever NODE_OPTIONS the
 * build itself was started with.
 */
function withoutFlags() {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

/** The cache key (version, architecture, V8's cache tag) of this Node without V8 flags; launch.ts makes the same. */
function buildKey() {
  return execFileSync(
    process.execPath,
    ['-p', "`${process.version}-${process.arch}-${require('node:v8').cachedDataVersionTag()}`"],
    { env: withoutFlags(), encoding: 'utf8' },
  ).trim()
}

/** Where `name` is installed for the package in `dir`: beside it, or in its own node_modules. */
function embeddedDir(dir, name) {
  const nested = join(dir, 'node_modules', name)
  if (existsSync(join(root, nested, 'package.json'))) return nested
  return join(dir.replace(/[\\/](@[^\\/]+[\\/])?[^\\/]+$/, ''), name)
}

/**
 * The bundles carry code from these packages, so the package carries their licences: each one's
 * name, version, licence and its licence file's text (copyright lines included), as the licences ask.
 */
function thirdPartyNotices() {
  const packages = new Map()
  const add = (dir) => {
    if (!packages.has(dir)) packages.set(dir, JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')))
  }
  for (const input of bundledInputs) {
    const match = input.match(/^(.*node_modules[\\/](@[^\\/]+[\\/])?[^\\/]+)[\\/]/)
    if (!match) continue
    add(match[1])
    // Packages whose published files already hold other packages' code, which is bundled with them.
    for (const inner of EMBEDDED[packages.get(match[1]).name] ?? []) add(embeddedDir(match[1], inner))
  }
  const seen = new Set()
  const unique = [...packages].filter(
    ([, pkg]) => !seen.has(`${pkg.name}@${pkg.version}`) && seen.add(`${pkg.name}@${pkg.version}`),
  )
  const sections = unique
    .sort(([, a], [, b]) => (a.name < b.name ? -1 : 1))
    .map(([dir, pkg]) => {
      const licenceFile = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|-|$)/i.test(f))
      const text = licenceFile
        ? readFileSync(join(root, dir, licenceFile), 'utf8').trim()
        : `${pkg.license} (the package ships no licence file)`
      return `${pkg.name} ${pkg.version} — ${pkg.license ?? 'see below'}\n\n${text}`
    })
  if (sections.length === 0) throw new Error('build: no bundled packages found for the notices')
  return `reqchain bundles code from the packages below into dist/. Their licences follow.\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`
}

try {
  await trainCodeCache()
} catch (error) {
  // Not fatal: without a cache the first run compiles everything and writes one at its exit.
  console.warn(`build: no code cache made (${error.message.split('\n')[0]}); the first run will make it`)
}

/**
 * Runs of the common paths write the caches: load (with a .env), render (plain variables and a
 * helper, which loads Handlebars), send (a cookie, which loads tough-cookie), stream, capture,
 * assert (with a schema), a response handler (the script sandbox), print, for the one row of a CSV dataset (csv-parse) with CSV results (csv-stringify); a curl import (shell-quote); then the help
 * text, and a command line only yargs parses (`-qv`), which is where yargs loads.
 */
async function trainCodeCache() {
  const server = createServer((request, response) => {
    request.resume().on('end', () => {
      if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        for (const word of ['Paris', ' is', ' the', ' capital.']) {
          response.write(
            `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word } }] })}\n\n`,
          )
        }
        response.end('data: [DONE]\n\n')
      } else if (request.url === '/xml') {
        response.writeHead(200, { 'content-type': 'application/xml' })
        response.end('<catalog><book id="1">Paris</book></catalog>')
      } else if (request.url === '/html') {
        response.writeHead(200, { 'content-type': 'text/html' })
        response.end('<!DOCTYPE html><title>Paris</title><ul><li>one<li>two</ul>')
      } else {
        response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=train; Path=/; HttpOnly' })
        response.end(
          JSON.stringify({
            id: 'x',
            choices: [{ index: 0, message: { role: 'assistant', content: 'Paris "quoted"\n' } }],
          }),
        )
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const work = join(tmpdir(), `reqchain-build-${process.pid}`)
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, '.env'), 'question=capital of France?\n')
  writeFileSync(join(work, 'rows.csv'), 'row\n1\n')
  writeFileSync(join(work, 'reply.schema.json'), JSON.stringify({ type: 'object', required: ['choices'] }))
  writeFileSync(
    join(work, 'train.http'),
    `@base = http://127.0.0.1:${server.address().port}
### ask
# @name ask
# @capture answer = $.choices[0].message.content
# @assert status == 200
# @assert $ matchesSchema ./reply.schema.json
POST {{base}}/json
Content-Type: application/json

{"messages": [{"role": "user", "content": "{{question}}"}], "temperature": {{default temperature 0.7}}}

> {% client.test("trained", function () { client.global.set("id", response.body.id) }) %}

### follow up, streamed
# @assert body contains "Paris"
POST {{base}}/stream
Content-Type: application/json

{"stream": true, "messages": [{"role": "assistant", "content": "{{answer}}"}]}

### a catalogue, in XML
# @assert xpath "count(//book)" == 1
# @assert xpath "string(//book/@id)" | toInt == 1
GET {{base}}/xml

### a page, in HTML
# @assert xpath "count(//li)" == 2
GET {{base}}/html
`,
  )
  const reqchain = (...args) =>
    promisify(execFile)(process.execPath, [join(dist, 'reqchain.js'), ...args], { cwd: work, env: withoutFlags() })
  try {
    await reqchain('run', 'train.http', '--dataset', 'rows.csv', '--results', 'results.csv')
    await reqchain('run', '--help')
    await reqchain('run', 'train.http', '-qv', '--dry-run') // combined short flags: yargs parses them
    await reqchain(
      'import',
      'curl',
      "curl -s -X POST 'http://127.0.0.1:9/v1' -H 'Authorization: Bearer $KEY' -d '{\"a\": 1}'",
    )
  } finally {
    server.close()
    rmSync(work, { recursive: true, force: true })
  }
  const scripts = readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'reqchain.js')
  const untrained = scripts.filter((f) => !existsSync(join(dist, f.replace(/\.js$/, '.cache'))))
  if (untrained.length > 0) throw new Error(`build: no code cache was written for ${untrained.join(', ')}`)
}
