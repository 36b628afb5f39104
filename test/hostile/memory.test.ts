// Memory stays bounded whatever the server sends, measured on the real executable: the peak
// resident memory of a spawned reqchain (test/helpers/peak-rss.cjs), printed, against a bound.
//   - a 4 MB gzip bomb (4 GB inflated) stops at the inflate ratio: well under 150 MiB;
//   - a 200 MB body piped to stdout streams through: under 120 MiB (`npm run bench` does 1 GB).
//   - a 200 MB event-stream line that never ends stops at the event limit (64 MiB), exit 3, with
//     the events before it kept.
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const root = join(import.meta.dirname, '..', '..')

/** Runs dist/reqchain.js; stdout is counted and dropped. Resolves with the exit code, stdout's size and the peak RSS in MiB. */
async function measure(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdoutBytes: number; stderr: string; peakMiB: number }> {
  const rssFile = join(cwd, 'peak-rss')
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'test/helpers/peak-rss.cjs'), join(root, 'dist/reqchain.js'), ...args],
    { cwd, env: { ...process.env, REQCHAIN_PEAK_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdoutBytes = 0
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024
  return { code, stdoutBytes, stderr, peakMiB }
}

describe('peak memory of the real executable', () => {
  it('stops a 4 MB gzip bomb (4 GB inflated) within 150 MiB', async () => {
    // gzip members concatenated are one valid gzip stream: 64 members of 64 MiB of zeros each.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024))
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member))
    server = await startServer({
      'GET /bomb': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
        res.end(bomb)
      },
    })
    const dir = tempDir('memory')
    writeFileSync(join(dir, 'r.http'), `GET ${server.url}/bomb\n`)
    const result = await measure(['run', 'r.http'], dir)
    process.stdout.write(
      `gzip bomb of ${(bomb.length / 1024 / 1024).toFixed(1)} MB: peak RSS ${result.peakMiB.toFixed(0)} MiB\n`,
    )
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('inflates more than 100×')
    expect(result.peakMiB).toBeLessThan(150)
  }, 30_000)

  it('streams a 200 MB body piped to stdout within 100 MiB of the same run with a 1 MB body (held whole, it would add 200)', async () => {
    const size = 200 * 1024 * 1024
    const block = Buffer.alloc(1024 * 1024, 'x')
    server = await startServer({
      'GET /small': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(block.length) })
        res.end(block)
      },
      'GET /big': async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) })
        for (let sent = 0; sent < size; sent += block.length) {
          if (!res.write(block)) await new Promise((r) => res.once('drain', r))
        }
        res.end()
      },
    })
    const dir = tempDir('memory')
    // Against the same run with a small body: each Node version starts at its own size (Node 24's
    // baseline is tens of MiB above Node 20's); what is measured is what the body adds.
    writeFileSync(join(dir, 'small.http'), `GET ${server.url}/small\n`)
    const baseline = await measure(['run', 'small.http'], dir)
    writeFileSync(join(dir, 'r.http'), `GET ${server.url}/big\n`)
    const result = await measure(['run', 'r.http'], dir)
    process.stdout.write(
      `200 MB piped to stdout: peak RSS ${result.peakMiB.toFixed(0)} MiB (1 MB: ${baseline.peakMiB.toFixed(0)} MiB)\n`,
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdoutBytes).toBe(size)
    expect(result.peakMiB - baseline.peakMiB).toBeLessThan(100)
  }, 60_000)

  it('stops a 200 MB event-stream line at the 64 MiB event limit, exit 3, the events before it kept', async () => {
    const block = Buffer.alloc(1024 * 1024, 'a')
    server = await startServer({
      'POST /v1/chat/completions': async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'kept' } }] })}\n\n`)
        res.write('data: ')
        for (let sent = 0; sent < 200 && !res.destroyed; sent++) {
          if (!res.write(block)) await new Promise((r) => res.once('drain', r).once('close', r))
        }
        res.end('\n\ndata: [DONE]\n\n')
      },
    })
    const dir = tempDir('memory')
    writeFileSync(
      join(dir, 'r.http'),
      `POST ${server.url}/v1/chat/completions\nContent-Type: application/json\n\n{"stream": true}\n`,
    )
    const result = await measure(['run', 'r.http', '--report', 'json=report.json'], dir)
    process.stdout.write(`200 MB event-stream line: peak RSS ${result.peakMiB.toFixed(0)} MiB\n`)
    expect(result.code, result.stderr).toBe(3)
    expect(result.stderr).toContain('an event passed 64 MiB')
    expect(result.stderr).toContain('after 1 chunk')
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      steps: { response?: { assembled?: unknown; stream?: { ending?: string } } }[]
    }
    expect(JSON.stringify(report.steps[0]?.response?.assembled)).toContain('kept')
    expect(report.steps[0]?.response?.stream?.ending).toBe('error')
    // 64 MiB of line text and 64 MB of body held; the 200 MB line whole would pass 400.
    expect(result.peakMiB).toBeLessThan(300)
  }, 60_000)

  it('holds a script filling memory to its 256 MiB limit: the whole process within the limit and 100 MiB', async () => {
    const dir = tempDir('memory')
    for (const [name, fill] of [
      ['arrays', 'new Array(100000).fill(1.5)'],
      ['strings', "'x'.repeat(1000000) + a.length"],
    ] as const) {
      writeFileSync(
        join(dir, `${name}.http`),
        `< {%\n  var a = []\n  while (true) a.push(${fill})\n%}\nGET http://127.0.0.1:9/\n`,
      )
      const result = await measure(['run', `${name}.http`], dir)
      process.stdout.write(`a script filling ${name}: peak RSS ${result.peakMiB.toFixed(0)} MiB\n`)
      expect(result.code).toBe(3)
      expect(result.stderr).toContain('memory limit')
      expect(result.peakMiB).toBeLessThan(256 + 100)
    }
  }, 60_000)
})
