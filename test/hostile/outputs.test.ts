// Outputs never destroy anything: a target that is not a regular file (a device, a FIFO) is
// written in place, as curl does, never replaced by a regular file; a regular file is replaced
// whole and keeps its mode; a new cookie jar (it holds secrets) is created 0600. The devices are
// made in a scratch folder, never taken from the machine's /dev.
import { spawn, execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRawServer } from '../helpers/raw-server.js'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /ok': (_req, res) => json(res, { ok: true }, 200, { 'Set-Cookie': 'sid=s3cr3t-cookie; Path=/' }),
    'GET /cut': (_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000000' })
      res.write(Buffer.alloc(100_000, 97))
      setTimeout(() => res.destroy(), 20)
    },
  })
})
afterAll(() => server.close())

function scratch(): string {
  const dir = tempDir('outputs')
  writeFileSync(join(dir, 'ok.http'), `GET ${server.url}/ok\n`)
  writeFileSync(join(dir, 'cut.http'), `GET ${server.url}/cut\n`)
  return dir
}

const isRoot = process.getuid?.() === 0

describe('outputs', () => {
  it.skipIf(!isRoot)(
    'writes a report, -o and a cookie jar into a character device in place, leaving it a device (mknod needs root)',
    async () => {
      const dir = scratch()
      const devices = ['report', 'body', 'jar'].map((name) => join(dir, name))
      for (const device of devices) execFileSync('mknod', [device, 'c', '1', '3']) // the null device's numbers
      const result = await runCli(
        ['run', 'ok.http', '--report', `json=${devices[0]}`, '-o', devices[1]!, '--cookie-jar', devices[2]!],
        { cwd: dir },
      )
      expect(result.stderr).toContain('200')
      expect(result.exitCode).toBe(0)
      for (const device of devices) expect(lstatSync(device).isCharacterDevice(), device).toBe(true)
      expect(readdirSync(dir).sort()).toEqual(['body', 'cut.http', 'jar', 'ok.http', 'report'])
    },
  )

  it.skipIf(!isRoot)(
    'closes a -o target that failed (a full device) once: a second close would close a descriptor reused since (mknod needs root)',
    async () => {
      // Closing twice once closed the test runner's own channel: the worker died two runs later.
      const dir = scratch()
      execFileSync('mknod', [join(dir, 'full'), 'c', '1', '7']) // the full device's numbers: every write is ENOSPC
      for (let i = 0; i < 60; i++) {
        const full = await runCli(['run', 'ok.http', '-o', 'full'], { cwd: dir })
        expect(full.exitCode).toBe(3)
        expect(full.stderr).toContain('ENOSPC')
        expect((await runCli(['run', 'ok.http', '-o', 'missing-folder/x'], { cwd: dir })).exitCode).toBe(1)
      }
    },
  )

  it.skipIf(!isRoot)('says a full disk under --results and exits 3, never 70 (mknod needs root)', async () => {
    const dir = scratch()
    execFileSync('mknod', [join(dir, 'full'), 'c', '1', '7'])
    writeFileSync(join(dir, 'rows.jsonl'), '{"q": 1}\n{"q": 2}\n')
    for (const results of ['full']) {
      const result = await runCli(['test', 'ok.http', '--dataset', 'rows.jsonl', '--results', results], { cwd: dir })
      expect(result.stderr).not.toContain('crashed')
      expect(result.stderr).toContain('Cannot write the results file')
      expect(result.stderr).toContain('ENOSPC')
      expect(result.exitCode).toBe(3)
    }
  })

  it('writes a report into a FIFO in place: the reader gets it whole and the FIFO stays a FIFO', async () => {
    const dir = scratch()
    const fifo = join(dir, 'report.fifo')
    execFileSync('mkfifo', [fifo])
    const reader = spawn('cat', [fifo])
    const chunks: Buffer[] = []
    reader.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    const closed = new Promise((resolve) => reader.on('close', resolve))
    const result = await runCli(['run', 'ok.http', '--report', `json=${fifo}`], { cwd: dir })
    await closed
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).summary).toBeDefined()
    expect(lstatSync(fifo).isFIFO()).toBe(true)
  })

  it('replaces a regular report whole and keeps its mode; through a symbolic link it replaces the file and keeps the link', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'report.json'), 'old')
    chmodSync(join(dir, 'report.json'), 0o640)
    writeFileSync(join(dir, 'target.json'), 'old')
    symlinkSync('target.json', join(dir, 'link.json'))
    const result = await runCli(['run', 'ok.http', '--report', 'json=report.json', '--report', 'html=link.json'], {
      cwd: dir,
    })
    expect(result.exitCode).toBe(0)
    expect(statSync(join(dir, 'report.json')).mode & 0o777).toBe(0o640)
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).summary).toBeDefined()
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(join(dir, 'link.json'))).toBe('target.json')
    expect(readFileSync(join(dir, 'target.json'), 'utf8')).toContain('<html')
    expect(readdirSync(dir).filter((f) => /\.(tmp|spool)$/.test(f))).toEqual([])
  })

  it("creates a new cookie jar 0600 and keeps an existing jar's mode", async () => {
    const dir = scratch()
    expect((await runCli(['run', 'ok.http', '--cookie-jar', 'new.jar'], { cwd: dir })).exitCode).toBe(0)
    expect(readFileSync(join(dir, 'new.jar'), 'utf8')).toContain('s3cr3t-cookie')
    expect(statSync(join(dir, 'new.jar')).mode & 0o777).toBe(0o600)
    chmodSync(join(dir, 'new.jar'), 0o640)
    expect((await runCli(['run', 'ok.http', '--cookie-jar', 'new.jar'], { cwd: dir })).exitCode).toBe(0)
    expect(statSync(join(dir, 'new.jar')).mode & 0o777).toBe(0o640)
  })

  it('leaves -o as it was when the download breaks off: whole or not at all', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'body.bin'), 'the previous download')
    const result = await runCli(['run', 'cut.http', '-o', 'body.bin'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(readFileSync(join(dir, 'body.bin'), 'utf8')).toBe('the previous download')
    const fresh = await runCli(['run', 'cut.http', '-o', 'fresh.bin'], { cwd: dir })
    expect(fresh.exitCode).toBe(3)
    expect(existsSync(join(dir, 'fresh.bin'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('keeps a Content-Length body whole when the server closes right after it and the writer is behind', async () => {
    // The writer is slow (a FIFO read 64 KiB at a time with pauses), so the body stream is full
    // when the last bytes arrive; the server closes the connection at once. This lost the run
    // ("server closed the connection") and up to 64 KiB of the file, where curl got it whole.
    const size = 2 * 1024 * 1024
    const raw = await startRawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`)
      socket.end(Buffer.alloc(size, 120))
    })
    try {
      const dir = scratch()
      writeFileSync(join(dir, 'big.http'), `GET ${raw.url}/big\n`)
      for (let i = 0; i < 5; i++) {
        const fifo = join(dir, `body-${i}.fifo`)
        execFileSync('mkfifo', [fifo])
        const reader = spawn(process.execPath, [
          '-e',
          `
          const fd = require('fs').openSync(${JSON.stringify(fifo)}, 'r'); const buffer = Buffer.alloc(65536); let total = 0, read
          while ((read = require('fs').readSync(fd, buffer)) > 0) { total += read; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2) }
          console.log(total)`,
        ])
        let count = ''
        reader.stdout.on('data', (chunk: Buffer) => {
          count += chunk.toString()
        })
        const closed = new Promise((resolve) => reader.on('close', resolve))
        const result = await runCli(['run', 'big.http', '-o', fifo, '-q'], { cwd: dir })
        await closed
        expect(result.stderr).toBe('')
        expect(result.exitCode).toBe(0)
        expect(Number(count)).toBe(size)
      }
    } finally {
      await raw.close()
    }
  }, 60_000)
})
