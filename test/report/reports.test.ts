// Reports from a real mixed run (a pass, a failed assertion, a runtime error, a streamed reply),
// compared with goldens that have real extensions so reviewers see highlighted diffs.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ReportWriter } from '../../src/report/write.js'
import { emptyTally } from '../../src/outcome.js'
import { Secrets } from '../../src/secrets.js'
import { normalize } from '../helpers/normalize.js'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { replay } from '../helpers/fixtures.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const golden = join(import.meta.dirname, '__golden__')

const mixed = `### list items
# @name list
# @note Lists every item.
# @assert status == 200
# @assert $.items count 2
GET {{baseUrl}}/items
Authorization: Bearer {{apiKey}}

### wrong expectation
# @assert $.items[0].name == "pen"
# @assert header content-type contains "json"
GET {{baseUrl}}/items

### streamed chat
# @assert $.choices[0].finish_reason == "length"
POST {{baseUrl}}/v1/chat/completions
Content-Type: application/json

{"model": "local", "stream": true, "messages": [{"role": "user", "content": "What is the capital of France?"}]}

### nobody listens here
GET http://127.0.0.1:9/refused
`

function scrub(text: string): string {
  return normalize(text)
    .replace(/time="[\d.]+"/g, 'time="<s>"')
    .replace(/"(ttfbMs|totalMs|firstTokenMs|lastTokenMs|durationMs|bodySize)": [\d.]+/g, '"$1": <n>')
    .replace(/"startedAt": "[^"]+"/g, '"startedAt": "<date>"')
    .replace(/"duration": \d+/g, '"duration": <n>')
}

describe('reports', () => {
  it('writes JUnit, JSON and Markdown for a mixed run, and the summary line', async () => {
    server = await startServer({
      'GET /items': (_req, res) =>
        json(res, {
          items: [
            { id: 1, name: 'notebook' },
            { id: 2, name: 'ink' },
          ],
        }),
      'POST /v1/chat/completions': (_req, res) => replay(res, 'chat-stream'),
    })
    const dir = tempDir('reports')
    writeFileSync(join(dir, 'mixed.http'), mixed)
    writeFileSync(join(dir, '.env'), 'apiKey=sk-golden-secret-123\n')
    const result = await runCli(
      [
        'test',
        'mixed.http',
        '--var',
        `baseUrl=${server.url}`,
        '--report',
        'junit=out/report.xml',
        '--report',
        'json=out/report.json',
        '--report',
        'markdown=out/report.md',
      ],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(3)
    expect(result.stderr.trimEnd().split('\n').pop()).toBe('2 passed, 2 failed')
    await expect(scrub(readFileSync(join(dir, 'out/report.xml'), 'utf8'))).toMatchFileSnapshot(
      join(golden, 'mixed-run.junit.xml'),
    )
    await expect(scrub(readFileSync(join(dir, 'out/report.md'), 'utf8'))).toMatchFileSnapshot(
      join(golden, 'mixed-run.md'),
    )
    const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'))
    expect(report.summary).toEqual({ passed: 2, failed: 2, skipped: 0, interrupted: false })
    expect(report.steps.map((s: { status: string }) => s.status)).toEqual(['passed', 'failed', 'passed', 'error'])
    expect(report.steps[2].response.stream.events.length).toBeGreaterThan(10)
    expect(report.steps[2].response.assembled.object).toBe('chat.completion')
    expect(report.steps[3].error).toMatchObject({ code: 'SEND_CONNECT', file: 'mixed.http', line: 22, column: 1 })
    const stripped = {
      ...report,
      steps: report.steps.map((s: { response: { stream?: unknown } | null }) => ({
        ...s,
        response: s.response && {
          ...s.response,
          ...(s.response.stream ? { stream: '<events>', body: '<sse>', assembled: '<assembled>' } : {}),
        },
      })),
    }
    await expect(scrub(JSON.stringify(stripped, null, 2))).toMatchFileSnapshot(join(golden, 'mixed-run.json'))
    for (const file of readdirSync(join(dir, 'out')))
      expect(readFileSync(join(dir, 'out', file), 'utf8')).not.toContain('sk-golden-secret-123')
  })

  it('stops at the first failure with --bail and counts the rest as skipped', async () => {
    server = await startServer({ 'GET /items': (_req, res) => json(res, { items: [] }) })
    const dir = tempDir('bail')
    writeFileSync(
      join(dir, 'a.http'),
      '# @assert $.items count 1\nGET {{baseUrl}}/items\n\n###\nGET {{baseUrl}}/items\n\n###\nGET {{baseUrl}}/items\n',
    )
    const result = await runCli(
      ['test', 'a.http', '--bail', '--var', `baseUrl=${server.url}`, '--report', 'junit=r.xml'],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(4)
    expect(result.stderr.trimEnd().split('\n').pop()).toBe('0 passed, 1 failed, 2 skipped')
    expect(server.calls).toHaveLength(1)
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain('skipped="2"')
  })

  it('runs files in parallel with --parallel, each file in order, output grouped by file', async () => {
    const order: string[] = []
    server = await startServer({
      'GET /slow': (req, res) =>
        new Promise((resolve) =>
          setTimeout(() => {
            order.push(req.url!)
            json(res, {})
            resolve()
          }, 150),
        ),
    })
    const dir = tempDir('parallel')
    for (const name of ['a', 'b', 'c'])
      writeFileSync(
        join(dir, `${name}.http`),
        `GET {{baseUrl}}/slow?${name}=1\n\n###\nGET {{baseUrl}}/slow?${name}=2\n`,
      )
    const started = Date.now()
    const result = await runCli(['test', '.', '--parallel', '3', '--var', `baseUrl=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(0)
    expect(Date.now() - started).toBeLessThan(800) // 6 requests of 150 ms, three files at once
    for (const name of ['a', 'b', 'c'])
      expect(order.indexOf(`/slow?${name}=1`)).toBeLessThan(order.indexOf(`/slow?${name}=2`))
    const lines = result.stderr
      .trim()
      .split('\n')
      .slice(0, 6)
      .map((l) => l.match(/\?(\w)=/)![1])
    expect(lines).toEqual(['a', 'a', 'b', 'b', 'c', 'c'])
  })

  it('writes a report whole or not at all, and leaves no spool or temporary file', () => {
    const dir = tempDir('atomic')
    writeFileSync(join(dir, 'file'), 'x')
    const writer = new ReportWriter(
      [
        { format: 'json', path: 'deep/r.json' },
        { format: 'junit', path: 'file/r.xml' },
      ],
      { cwd: dir, secrets: new Secrets(), sources: () => undefined },
    )
    const failures = writer.finish({ steps: [], tally: emptyTally(), interrupted: false, durationMs: 1 })
    expect(failures.map((f) => f.message)).toEqual([expect.stringContaining('Cannot write the report')])
    expect(JSON.parse(readFileSync(join(dir, 'deep/r.json'), 'utf8'))).toMatchObject({
      summary: { passed: 0, failed: 0 },
      steps: [],
    })
    expect(readdirSync(dir).filter((f) => /\.(tmp|spool)$/.test(f))).toEqual([])
    expect(readdirSync(join(dir, 'deep'))).toEqual(['r.json'])
    expect(existsSync(join(dir, 'file/r.xml'))).toBe(false)
  })
})
