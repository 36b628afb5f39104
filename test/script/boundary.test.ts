// The sandbox is a boundary: no script outlives its limits, even one that replaces what the host's
// own code inside the sandbox calls; the host never renders text a script made; nothing a failed
// script queued runs later; Ctrl-C and SIGTERM end a script at once, whatever it does.
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /x': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"ok":true}')
    },
  })
})
afterAll(() => server.close())

describe('the script boundary', () => {
  it('ends a script that makes reading its results loop (JSON.stringify, toJSON) within its time limit', async () => {
    const dir = tempDir('boundary')
    for (const trap of [
      'Object.prototype.toJSON = function () { while (true) {} }',
      'JSON.stringify = function () { while (true) {} }',
    ]) {
      writeFileSync(join(dir, 'trap.http'), `< {%\n  ${trap}\n  client.global.set('x', 1)\n%}\nGET ${server.url}/x\n`)
      const started = Date.now()
      const result = await runCli(['run', 'trap.http', '--script-timeout', '1'], { cwd: dir })
      expect(result.exitCode, trap).toBe(3)
      expect(result.stderr).toMatch(/time limit|interrupted/)
      expect(Date.now() - started).toBeLessThan(5000)
    }
  })

  it('never renders text a script made: a replaced Array.prototype.map cannot make the host run {{$processEnv}}', async () => {
    const dir = tempDir('boundary')
    writeFileSync(
      join(dir, 'leak.http'),
      `< {%
  Array.prototype.map = function (f) { return [f(['X-Leak', '{{$processEnv REQCHAIN_TEST_SECRET}}'])] }
  client.global.set('leak', request.headers.all()[0].tryGetSubstitutedValue())
%}
GET ${server.url}/x?leak={{urlencode leak}}
X-Real: {{$processEnv REQCHAIN_TEST_OTHER}}
`,
    )
    const before = server.calls.length
    const result = await runCli(['run', 'leak.http'], {
      cwd: dir,
      env: { REQCHAIN_TEST_SECRET: 'the-secret-value', REQCHAIN_TEST_OTHER: 'shown' },
    })
    expect(result.exitCode, result.stderr).toBe(0)
    const call = server.calls[before]!
    expect(call.headers['x-real']).toBe('shown') // the file's own template renders
    expect(decodeURIComponent(call.path)).toContain('leak={{$processEnv REQCHAIN_TEST_SECRET}}')
    expect(call.path).not.toContain('the-secret-value')
  })

  it('never runs what a failed script queued inside the next script', async () => {
    const dir = tempDir('boundary')
    writeFileSync(
      join(dir, 'a.http'),
      `< {%\n  Promise.resolve().then(function () { client.log('LATE JOB RAN') })\n  throw new Error('boom')\n%}\nGET ${server.url}/x\n`,
    )
    writeFileSync(
      join(dir, 'b.http'),
      `GET ${server.url}/x\n\n> {% client.test('ok', function () { client.assert(response.status === 200) }) %}\n`,
    )
    const result = await runCli(['test', 'a.http', 'b.http'], { cwd: dir })
    expect(result.stderr).toContain('boom')
    expect(result.stderr).not.toContain('LATE JOB RAN')
    expect(result.stderr).toMatch(/1 passed, 1 failed/)
  })

  it('ends a script without a time limit at Ctrl-C (exit 130) or SIGTERM (143), reports written', async () => {
    const dir = tempDir('boundary')
    writeFileSync(
      join(dir, 'loop.http'),
      `GET ${server.url}/x\n\n> {%\n  client.log('looping')\n  while (true) {}\n%}\n`,
    )
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'reqchain.js')
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const child = spawn(
        process.execPath,
        [cli, 'run', 'loop.http', '--script-timeout', '0', '--report', `json=${signal}.json`],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (stderr.includes('[log] looping')) child.kill(signal) // the script is in its loop
      })
      const started = Date.now()
      // Past 5 s the signal was not heard: the child is killed, so a failing run leaves nothing looping.
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve))
      clearTimeout(kill)
      expect(exit, stderr).toBe(code)
      expect(Date.now() - started).toBeLessThan(3000)
      expect(stderr).toContain('Interrupted while a script ran')
      expect(stderr).toMatch(/--> loop\.http:4:3/) // the script, from its start
      const report = JSON.parse(readFileSync(join(dir, `${signal}.json`), 'utf8')) as { summary: unknown }
      expect(report.summary).toMatchObject({ interrupted: true, failed: 1 })
    }
  }, 30_000)

  it('ends a script at an abort in-process too, and the next run gets a working sandbox', async () => {
    const dir = tempDir('boundary')
    writeFileSync(join(dir, 'loop.http'), `< {%\n  while (true) {}\n%}\nGET ${server.url}/x\n`)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const interrupted = await runCli(['run', 'loop.http', '--script-timeout', '0'], {
      cwd: dir,
      signal: controller.signal,
    })
    expect(interrupted.exitCode, interrupted.stderr).toBe(130)
    writeFileSync(join(dir, 'ok.http'), `< {%\n  client.global.set('a', 1 + 1)\n%}\nGET ${server.url}/x?a={{a}}\n`)
    const after = await runCli(['run', 'ok.http', '-v'], { cwd: dir })
    expect(after.exitCode, after.stderr).toBe(0)
    expect(after.stderr).toContain('/x?a=2')
  })
})
