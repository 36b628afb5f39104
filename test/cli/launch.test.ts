// The built executable: dist/reqchain.js loads the bundle through a V8 code cache. A cache that
// is missing, damaged or made under other V8 flags must never change what a run does; it is
// replaced, whole, by the next run. Each test works on its own copy of dist/.
import { execFile } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
const dist = join(import.meta.dirname, '../../dist')
let server: TestServer

beforeAll(async () => {
  server = await startServer({ 'GET /ping': (_req, res) => json(res, { pong: 'ok' }) })
})
afterAll(() => server.close())

function copyOfDist(): { bin: string; cache: string; dir: string } {
  const dir = tempDir('dist')
  cpSync(dist, join(dir, 'dist'), { recursive: true })
  const cacheName = readdirSync(join(dir, 'dist')).find((f) => f.endsWith('.cache'))
  expect(cacheName, 'the build writes a code cache').toBeDefined()
  writeFileSync(join(dir, 'ping.http'), `GET ${server.url}/ping\n`)
  return { bin: join(dir, 'dist', 'reqchain.js'), cache: join(dir, 'dist', cacheName!), dir }
}

async function ping(bin: string, dir: string, nodeArgs: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, [...nodeArgs, bin, 'run', 'ping.http', '-e', '$.pong', '-r'], { cwd: dir })
  return stdout
}

const stamp = (file: string) => { const s = statSync(file); return `${s.ino}:${s.mtimeMs}:${s.size}` }

describe('the executable and its code cache', () => {
  it('answers --version without loading the CLI', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }
    const { stdout } = await run(process.execPath, [join(dist, 'reqchain.js'), '--version'])
    expect(stdout).toBe(`${version}\n`)
  })

  it('uses the cache the build made, and leaves it as it is', async () => {
    const { bin, cache, dir } = copyOfDist()
    const before = stamp(cache)
    expect(await ping(bin, dir)).toBe('ok\n')
    expect(stamp(cache)).toBe(before)
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

  it('runs the same when Node starts with other V8 flags (the cache does not fit them)', async () => {
    const { bin, cache, dir } = copyOfDist()
    expect(await ping(bin, dir, ['--max-semi-space-size=4'])).toBe('ok\n')
    expect(await ping(bin, dir)).toBe('ok\n')
    const settled = stamp(cache)
    expect(await ping(bin, dir)).toBe('ok\n')
    expect(stamp(cache)).toBe(settled)
  })
})
