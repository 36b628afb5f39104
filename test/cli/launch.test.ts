// The built executable: dist/reqchain.js loads the CLI bundle, and the libraries bundled apart,
// through V8 code caches. A cache that is missing, damaged or made under other V8 flags must never
// change what a run does; it is replaced, whole, by the next run. Each test works on its own copy
// of dist/.
import { execFile, execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { BUNDLES } from '../helpers/bundles.js'
import { otherNode } from '../helpers/other-node.js'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
const dist = join(import.meta.dirname, '../../dist')
let server: TestServer

beforeAll(async () => {
  server = await startServer({
    'GET /ping': (_req, res) => json(res, { pong: 'ok' }, 200, { 'Set-Cookie': 'seen=1; Path=/' }),
    'GET /page': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end('<!DOCTYPE html><title>ok</title><ul><li>one<li>two</ul>')
    },
  }) // a cookie loads tough-cookie
})
afterAll(() => server.close())

function copyOfDist(): { bin: string; cache: string; caches: string[]; dir: string } {
  const dir = tempDir('dist')
  cpSync(dist, join(dir, 'dist'), { recursive: true })
  const caches = readdirSync(join(dir, 'dist'))
    .filter((f) => f.endsWith('.cache'))
    .map((f) => join(dir, 'dist', f))
  const cache = caches.find((f) => /[\\/]cli-[0-9a-f]+\.cache$/.test(f))
  expect(cache, 'the build writes a code cache for the CLI').toBeDefined()
  writeFileSync(join(dir, 'ping.http'), `GET ${server.url}/ping\n`)
  return { bin: join(dir, 'dist', 'reqchain.js'), cache: cache!, caches, dir }
}

async function ping(
  bin: string,
  dir: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
  node = process.execPath,
): Promise<string> {
  const { stdout } = await run(node, [...nodeArgs, bin, 'run', 'ping.http', '-e', '$.pong', '-r'], {
    cwd: dir,
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'user-cache'), ...env },
  })
  return stdout
}

/** The user cache folder's keys (one folder each) and the cache files in each. */
function userCaches(dir: string): Record<string, string[]> {
  const base = join(dir, 'user-cache', 'reqchain')
  if (!existsSync(base)) return {}
  return Object.fromEntries(
    readdirSync(base).map((key) => [key, readdirSync(join(base, key)).map((f) => join(base, key, f))]),
  )
}

const nodeKey = (node: string) =>
  execFileSync(node, ['-p', "`${process.version}-${process.arch}-${require('node:v8').cachedDataVersionTag()}`"], {
    encoding: 'utf8',
  }).trim()

const stamp = (file: string) => {
  const s = statSync(file)
  return `${s.ino}:${s.mtimeMs}:${s.size}`
}

describe('the executable and its code cache', () => {
  it('answers --version without loading the CLI', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string
    }
    for (const flag of ['--version', '-V']) {
      const { stdout } = await run(process.execPath, [join(dist, 'reqchain.js'), flag])
      expect(stdout).toBe(`${version}\n`)
    }
  })

  it('uses the cache the build made, and leaves it as it is', async () => {
    const { bin, cache, dir } = copyOfDist()
    const before = stamp(cache)
    expect(await ping(bin, dir)).toBe('ok\n')
    expect(stamp(cache)).toBe(before)
  })

  it('has a cache from the build for every library bundled apart, and each one fits', async () => {
    const { bin, caches, dir } = copyOfDist()
    const scripts = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.js') && f !== 'reqchain.js')
    expect(scripts.map((f) => f.replace(/-[0-9a-f]+\.js$/, '')).sort()).toEqual([...BUNDLES])
    expect(caches.map((f) => f.replace(/-[0-9a-f]+\.cache$/, '.js')).sort()).toEqual(
      scripts.map((f) => join(dir, 'dist', f.replace(/-[0-9a-f]+\.js$/, '.js'))).sort(),
    )
    const before = caches.map(stamp)
    // Every library in one run: a .env (dotenv), a helper (Handlebars), a cookie (tough-cookie), a capture (jsonpath-plus)
    // and a schema (ajv); then help, and combined short flags, which only yargs parses.
    writeFileSync(join(dir, '.env'), 'who=world\n')
    writeFileSync(join(dir, 'rows.csv'), 'row\n1\n') // a CSV dataset loads csv-parse, CSV results csv-stringify
    writeFileSync(join(dir, 'ping.schema.json'), JSON.stringify({ type: 'object', required: ['pong'] }))
    // A response handler loads the script sandbox.
    writeFileSync(
      join(dir, 'all.http'),
      `# @capture pong = $.pong\n# @assert $ matchesSchema ./ping.schema.json\nGET ${server.url}/ping?who={{urlencode who}}\n\n> {% client.global.set("seen", response.status) %}\n`,
    )
    const useAll = async () => {
      const { stdout } = await run(
        process.execPath,
        [bin, 'run', 'all.http', '-e', '$.pong', '-r', '--dataset', 'rows.csv', '--results', 'results.csv'],
        { cwd: dir },
      )
      expect(stdout).toBe('ok\n')
      const help = await run(process.execPath, [bin, 'run', '--help'], { cwd: dir })
      expect(help.stdout).toContain('--connect-timeout')
      const combined = await run(process.execPath, [bin, 'run', 'all.http', '-qv', '--dry-run'], { cwd: dir }) // yargs
      expect(combined.stdout).toContain('/ping')
      const imported = await run(process.execPath, [bin, 'import', 'curl', 'curl http://x.test/'], { cwd: dir }) // shell-quote
      expect(imported.stdout).toContain('GET http://x.test/')
      // An xpath query on HTML: htmlparser2, xmldom and xpath.
      writeFileSync(join(dir, 'page.http'), `GET ${server.url}/page\n`)
      const page = await run(process.execPath, [bin, 'run', 'page.http', '-e', 'xpath "count(//li)"'], { cwd: dir })
      expect(page.stdout).toBe('2\n')
    }
    await useAll()
    expect(caches.map(stamp)).toEqual(before)
    // Those runs did load every library: without their caches, they write each one anew.
    const libraryCaches = caches.filter((f) => !/[\\/]cli-[0-9a-f]+\.cache$/.test(f))
    for (const file of libraryCaches) rmSync(file)
    await useAll()
    for (const file of libraryCaches) expect(existsSync(file), file).toBe(true)
  })

  it('runs the same without a cache or with a damaged one, and writes a good one for the next run', async () => {
    const { bin, cache, dir } = copyOfDist()
    writeFileSync(cache, Buffer.from('not a code cache, just bytes'))
    expect(await ping(bin, dir)).toBe('ok\n')
    // Rewritten at exit: the V8 flags changed for the first request were restored, or no cache
    // would be written at all.
    expect(statSync(cache).size).toBeGreaterThan(10_000)
    const rewritten = stamp(cache)
    expect(await ping(bin, dir)).toBe('ok\n')
    expect(stamp(cache)).toBe(rewritten)
  })

  it('keeps the caches of other V8 flags in the user cache folder under their own key, never in dist/', async () => {
    const { bin, cache, dir } = copyOfDist()
    const before = stamp(cache)
    const other = ['--no-opt'] // changes V8's cache tag on every Node the package supports
    expect(await ping(bin, dir, other)).toBe('ok\n')
    expect(stamp(cache)).toBe(before)
    const keys = Object.keys(userCaches(dir))
    expect(keys).toEqual([
      nodeKey(process.execPath).replace(/-\d+$/, '') +
        '-' +
        execFileSync(process.execPath, [...other, '-p', "require('node:v8').cachedDataVersionTag()"], {
          encoding: 'utf8',
        }).trim(),
    ])
    const own = userCaches(dir)[keys[0]!]!
    expect(own.some((f) => /[\\/]cli-[0-9a-f]+\.cache$/.test(f))).toBe(true)
    const settled = own.map(stamp)
    // The next start under those flags uses that cache (a rejected one would be written anew);
    // the build's Node without flags still uses dist/'s.
    expect(await ping(bin, dir, other)).toBe('ok\n')
    expect(userCaches(dir)[keys[0]!]!.map(stamp)).toEqual(settled)
    expect(await ping(bin, dir)).toBe('ok\n')
    expect(stamp(cache)).toBe(before)
    expect(Object.keys(userCaches(dir))).toEqual(keys)
  })

  it('runs under NODE_OPTIONS that set a V8 flag, with caches of its own', async () => {
    const { bin, cache, dir } = copyOfDist()
    const before = stamp(cache)
    expect(await ping(bin, dir, [], { NODE_OPTIONS: '--disallow-code-generation-from-strings' })).toBe('ok\n')
    expect(stamp(cache)).toBe(before)
    expect(Object.keys(userCaches(dir))).toEqual([
      execFileSync(
        process.execPath,
        ['-p', "`${process.version}-${process.arch}-${require('node:v8').cachedDataVersionTag()}`"],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--disallow-code-generation-from-strings' } },
      ).trim(),
    ])
  })

  it.skipIf(!otherNode)(
    'never reads the caches of another Node, even one with the same V8 cache tag (REQCHAIN_TEST_OTHER_NODE unset: no other Node to run)',
    async () => {
      const { bin, caches, dir } = copyOfDist()
      const before = caches.map(stamp)
      // Node 20.19.0 to 20.20.2 share V8's cache tag; reading each other's caches crashed (exit 139).
      expect(await ping(bin, dir, [], {}, otherNode)).toBe('ok\n')
      expect(await ping(bin, dir, [], {}, otherNode)).toBe('ok\n')
      expect(caches.map(stamp)).toEqual(before)
      expect(Object.keys(userCaches(dir))).toEqual([nodeKey(otherNode!)])
      expect(nodeKey(otherNode!)).not.toBe(nodeKey(process.execPath))
    },
  )

  it('builds and runs from a folder whose path has a space in it', async () => {
    const root = join(import.meta.dirname, '../..')
    const dir = join(tempDir('build'), 'my projects', 'req chain')
    mkdirSync(dir, { recursive: true })
    for (const entry of ['src', 'scripts', 'package.json', 'tsconfig.json'])
      cpSync(join(root, entry), join(dir, entry), { recursive: true })
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
    await run(process.execPath, [join(dir, 'scripts', 'build.mjs')], { cwd: dir })
    writeFileSync(join(dir, 'ping.http'), `GET ${server.url}/ping\n`)
    expect(await ping(join(dir, 'dist', 'reqchain.js'), dir)).toBe('ok\n')
    expect(readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.cache')).length).toBeGreaterThan(1)
  }, 60_000)
})
