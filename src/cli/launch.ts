// The executable, kept tiny: it answers --version (-V) by itself and loads the bundled CLI through a
// V8 code cache, so a run skips compiling reqchain and its dependencies (about 70 ms a start).
// Node 20 has no module compile cache of its own; vm.Script with cachedData is the same mechanism.
//
// Libraries that only some runs use (Handlebars, jsonpath-plus, yargs' help, ajv, dotenv) are
// bundled apart, each with its own cache, and loaded when the CLI first imports them: a run that
// needs none of them reads and deserialises about a third less.
//
// Every cache is keyed on the exact Node that may read it: its version, its architecture and V8's
// cache version tag (which covers the V8 flags in force), as Node's own compile cache is. V8's tag
// alone is not enough: Node releases that patch V8 without changing its version (20.19.0 to
// 20.20.1, for one) share a tag, and V8 then accepts a cache it misreads (a segfault). The caches in
// dist/ are for the Node that built them, run without V8 flags; any other Node, or other flags,
// keeps caches of its own in the user's cache folder under its key
// ($XDG_CACHE_HOME/reqchain/<version>-<arch>-<tag>/, else ~/.cache, ~/Library/Caches or
// %LOCALAPPDATA%): dist/ is never rewritten for them (and may be read-only, as a global install
// often is). A cache under another key is never read. The npm package ships no caches (they differ
// from build to build; the package is reproducible): the build's Node writes them into dist/ on its
// first run when it can, else into its folder in the user's cache.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { Script } from 'node:vm'
import { SANDBOX_ARG } from '../script/sandbox-arg.js'

declare const REQCHAIN_VERSION: string
/** The cache key (`<version>-<arch>-<V8 tag>`) of the Node that built dist/ and made its caches, without flags. */
declare const REQCHAIN_BUILD_KEY: string
/** File names in dist/ of the CLI bundle and of each library bundled apart. */
declare const REQCHAIN_SCRIPTS: {
  readonly cli: string
  /** The script sandbox's thread (src/script/worker.ts). */
  readonly sandbox: string
  readonly libraries: Readonly<Record<string, string>>
}

type ScriptFunction = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
  loadLibrary: (name: string) => unknown,
) => void

const libraries = new Map<string, unknown>()

/** Caches to write: at exit on the main thread; in the sandbox's thread, when it says (it is ended, not exited). */
const unsaved: (() => void)[] = []

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${REQCHAIN_VERSION}\n`)
} else if (
  args.at(-1) === SANDBOX_ARG &&
  !(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread
) {
  ;(globalThis as { reqchainSaveCaches?: () => void }).reqchainSaveCaches = saveCaches
  runScript(REQCHAIN_SCRIPTS.sandbox)
} else {
  process.once('exit', saveCaches)
  runScript(REQCHAIN_SCRIPTS.cli)
}

function saveCaches(): void {
  for (const save of unsaved.splice(0)) save()
}

/** The exports of a library bundled apart; the CLI bundle calls this where it imports one. */
function loadLibrary(name: string): unknown {
  if (!libraries.has(name)) {
    const file = REQCHAIN_SCRIPTS.libraries[name]
    if (file === undefined) throw new Error(`reqchain: no library named ${name} in this build`)
    libraries.set(name, runScript(file))
  }
  return libraries.get(name)
}

function runScript(name: string): unknown {
  const file = join(__dirname, name)
  // The cache sits beside its script; both names carry the script's content hash, so a cache is
  // never applied to other source (V8 itself only checks the source's length).
  const builtCache = file.replace(/\.js$/, '.cache')
  // Each script is one function expression in ASCII, the shape of Node's CommonJS wrapper.
  const source = readFileSync(file, 'latin1')
  const compile = (cachedData: Buffer | undefined) =>
    new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) })
  const key = (loadKey ??= cacheKey())
  const own = join(userCacheDir(key), basename(builtCache))
  // The build's Node reads dist/; a damaged cache there (dist/ may be read-only) is replaced by one of its own.
  const candidates = key === REQCHAIN_BUILD_KEY ? [builtCache, own] : [own]
  let script: Script | undefined
  for (const cacheFile of candidates) {
    const data = readIfThere(cacheFile) // missing on a package's first run: the package ships none
    const last = cacheFile === candidates[candidates.length - 1]
    if (!data && !last) continue
    script = compile(data)
    if (data && !script.cachedDataRejected) break
    if (last) {
      // Written at exit (or when the sandbox's thread says) so it holds every function the run compiled.
      const compiled = script
      unsaved.push(() => saveCache(compiled, candidates, key))
    }
  }
  const module = { exports: {} }
  const run = script!.runInThisContext() as ScriptFunction
  run.call(module.exports, module.exports, createRequire(file), module, file, __dirname, loadLibrary)
  return module.exports
}

let loadKey: string | undefined

/**
 * This process's cache key. Without V8 flags (none on the command line or in NODE_OPTIONS) the
 * build's Node has the build's key, and V8 is not asked (loading node:v8 costs ~2.5 ms a start).
 */
function cacheKey(): string {
  const node = `${process.version}-${process.arch}-`
  if (REQCHAIN_BUILD_KEY.startsWith(node) && process.execArgv.length === 0 && !process.env['NODE_OPTIONS'])
    return REQCHAIN_BUILD_KEY
  return node + String(v8Tag())
}

function v8Tag(): number {
  return (require('node:v8') as typeof import('node:v8')).cachedDataVersionTag()
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}

/** Where the caches of a Node other than the build's go: one folder per key. */
function userCacheDir(key: string): string {
  const env = process.env
  const home = (require('node:os') as typeof import('node:os')).homedir()
  const base =
    env['XDG_CACHE_HOME'] ||
    (process.platform === 'darwin'
      ? join(home, 'Library', 'Caches')
      : process.platform === 'win32'
        ? env['LOCALAPPDATA'] || join(home, 'AppData', 'Local')
        : join(home, '.cache'))
  return join(base, 'reqchain', key)
}

/** The first of the candidate places that can be written, unless the V8 flags at exit differ from those at load. */
function saveCache(script: Script, candidates: readonly string[], keyAtLoad: string): void {
  // A cache made while other flags are in force would be rejected, or misread, by the next start.
  if (`${process.version}-${process.arch}-${v8Tag()}` !== keyAtLoad) return
  for (const cacheFile of candidates) if (write(script, cacheFile)) return
}

function write(script: Script, cacheFile: string): boolean {
  const partial = `${cacheFile}.${process.pid}.tmp`
  try {
    mkdirSync(join(cacheFile, '..'), { recursive: true })
    writeFileSync(partial, script.createCachedData())
    renameSync(partial, cacheFile) // whole or not at all: concurrent runs never read half a cache
    return true
  } catch {
    return false // no writable place: every start compiles, which is correct, only slower
  }
}
