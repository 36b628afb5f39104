// Retries as curl makes them (--retry) and polling as Hurl's retry (# @retry), against a real
// server that fails on purpose: transient statuses, Retry-After, the idempotency rule, a port that
// opens late, the time budget, and a job polled until it is done.
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function failing(times: number, status = 503, headers: Record<string, string> = {}) {
  let calls = 0
  return (_req: unknown, res: Parameters<typeof json>[0]) =>
    ++calls <= times ? json(res, { error: 'busy' }, status, headers) : json(res, { ok: true, calls })
}

function dirWith(request: string): string {
  const dir = tempDir('retry')
  writeFileSync(join(dir, 'r.http'), request)
  return dir
}

describe('--retry', () => {
  it('retries 503 until it passes, and says so', async () => {
    server = await startServer({ 'GET /x': failing(2) })
    const dir = dirWith('# @assert status == 200\nGET {{base}}/x\n')
    const result = await runCli(
      ['test', 'r.http', '--retry', '3', '--retry-delay', '0.01', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls).toHaveLength(3)
    expect(result.stderr).toMatch(/retry 1\/3 in \d+ ms: 503 Service Unavailable\nretry 2\/3 in \d+ ms: 503/)
  })

  it('waits what Retry-After asks', async () => {
    server = await startServer({ 'GET /x': failing(1, 429, { 'Retry-After': '1' }) })
    const dir = dirWith('GET {{base}}/x\n')
    const started = Date.now()
    const result = await runCli(
      ['run', 'r.http', '--retry', '2', '--retry-delay', '0.01', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(result.stderr).toContain('retry 1/2 in 1.00 s: 429 Too Many Requests')
  })

  it('does not retry a POST the server answered unless --retry-all', async () => {
    server = await startServer({ 'POST /x': failing(1) })
    const dir = dirWith('POST {{base}}/x\n\n{}\n')
    expect(
      (
        await runCli(['run', 'r.http', '--retry', '3', '--retry-delay', '0.01', '--var', `base=${server.url}`], {
          cwd: dir,
        })
      ).stdout,
    ).toContain('busy')
    expect(server.calls).toHaveLength(1)
    const all = await runCli(
      ['run', 'r.http', '--retry', '3', '--retry-all', '--retry-delay', '0.01', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(all.stdout).toContain('"ok":true')
  })

  it('retries a POST whose connection was refused: it never reached the server', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const late = createServer((_req, res) => res.end('{"late":true}'))
    setTimeout(() => late.listen(port, '127.0.0.1'), 150)
    try {
      const dir = dirWith(`POST http://127.0.0.1:${port}/x\n\n{}\n`)
      const result = await runCli(['run', 'r.http', '--retry', '5', '--retry-delay', '0.1'], { cwd: dir })
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toBe('{"late":true}')
      expect(result.stderr).toContain('Connection refused')
    } finally {
      late.close()
    }
  })

  it('gives the last response when the retries run out, and stops at --retry-max-time', async () => {
    server = await startServer({ 'GET /x': failing(100) })
    const dir = dirWith('GET {{base}}/x\n')
    const out = await runCli(
      ['run', 'r.http', '--retry', '2', '--retry-delay', '0.01', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(out.exitCode).toBe(0)
    expect(out.stdout).toContain('busy')
    expect(server.calls).toHaveLength(3)
    const bounded = await runCli(
      [
        'run',
        'r.http',
        '--retry',
        '50',
        '--retry-delay',
        '0.2',
        '--retry-max-time',
        '0.5',
        '--var',
        `base=${server.url}`,
      ],
      { cwd: dir },
    )
    expect(bounded.exitCode).toBe(0)
    expect(server.calls.length).toBeLessThan(3 + 5)
  })
})

describe('# @retry polling', () => {
  it('sends again until the assertions hold, and the reports say after how many attempts', async () => {
    let calls = 0
    server = await startServer({ 'GET /job': (_req, res) => json(res, { state: ++calls < 3 ? 'running' : 'done' }) })
    const dir = dirWith('# @retry 5\n# @retry-interval 10\n# @assert $.state == "done"\nGET {{base}}/job\n')
    const result = await runCli(['test', 'r.http', '--report', 'json=r.json', '--var', `base=${server.url}`], {
      cwd: dir,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(calls).toBe(3)
    expect(result.stderr).toContain('passed after 3 attempts')
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).steps[0]).toMatchObject({
      status: 'passed',
      attempts: 3,
    })
  })

  it('fails when the assertions never hold', async () => {
    server = await startServer({ 'GET /job': (_req, res) => json(res, { state: 'running' }) })
    const dir = dirWith('# @retry 2\n# @retry-interval 5\n# @assert $.state == "done"\nGET {{base}}/job\n')
    const result = await runCli(['test', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(4)
    expect(server.calls).toHaveLength(3)
    expect(result.stderr).toContain('failed after 3 attempts')
  })
})
