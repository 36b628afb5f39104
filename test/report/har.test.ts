// The HAR report: valid HAR 1.2 by the HAR schema (checked with a validator, not by eye), with
// timings and secrets masked; imported back with `reqchain import har`, it sends the same requests.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import AjvModule from 'ajv'
import formatsModule from 'ajv-formats'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, json, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function harValidator() {
  const require = createRequire(import.meta.url)
  const schemas = require('har-schema') as Record<string, object>
  const Ajv = AjvModule.default
  const ajv = new Ajv({ strict: false, allErrors: true })
  // The schema's formats (date-time, uri, ipv4, ipv6) are checked too, not ignored with a warning.
  formatsModule.default(ajv)
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object)
  for (const schema of Object.values(schemas)) ajv.addSchema(schema)
  return ajv.getSchema('har.json#')!
}

describe('--report har', () => {
  it('writes HAR 1.2 that the HAR schema accepts, with timings, and secrets masked', async () => {
    server = await startServer({
      'POST /login': (_req, res) => json(res, { token: 'tok-secret-42' }, 200, { 'Set-Cookie': 'sid=abc123; Path=/' }),
      'GET /items': (_req, res) => json(res, { items: [1, 2] }),
      'GET /stream': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n')
      },
    })
    const dir = tempDir('har')
    writeFileSync(join(dir, '.env'), 'API_KEY=sk-live-abcdef123456\n')
    writeFileSync(
      join(dir, 'api.http'),
      `### login\n# @capture token = $.token\nPOST ${server.url}/login\nContent-Type: application/json\nX-Api-Key: {{API_KEY}}\n\n{"user": "ada"}\n\n### items\nGET ${server.url}/items?page=2&key={{API_KEY}}\nAuthorization: Bearer {{token}}\n\n### stream\nGET ${server.url}/stream\n\n### refused\nGET http://127.0.0.1:1/nothing\n`,
    )
    const result = await runCli(['test', 'api.http', '--report', 'har=run.har'], { cwd: dir })
    expect(result.exitCode).toBe(3) // the refused request
    const text = readFileSync(join(dir, 'run.har'), 'utf8')
    const har = JSON.parse(text) as {
      log: {
        entries: {
          request: { url: string; queryString: unknown[] }
          response: { status: number; content: { text?: string } }
          timings: { wait: number; receive: number }
          comment: string
        }[]
      }
    }
    const validate = harValidator()
    expect(
      validate({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [{ time: 1 }] } }),
      'the validator rejects an entry without a request',
    ).toBe(false)
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true)
    expect(har.log.entries).toHaveLength(4)
    expect(har.log.entries[1]!.request.queryString).toEqual([
      { name: 'page', value: '2' },
      { name: 'key', value: '********' },
    ])
    expect(har.log.entries[0]!.timings.wait).toBeGreaterThan(0)
    expect(har.log.entries[2]!.response.content.text).toContain('data: [DONE]')
    expect(har.log.entries[3]!.response.status).toBe(0)
    expect(har.log.entries[3]!.comment).toContain('Connection refused')
    for (const secret of ['sk-live-abcdef123456', 'tok-secret-42', 'abc123']) expect(text).not.toContain(secret)
  })

  it('imports back into .http that sends the same requests', async () => {
    server = await startServer({
      '* /echo': (req, res, body) => json(res, { method: req.method, body: body.toString() }),
    })
    const dir = tempDir('har')
    writeFileSync(
      join(dir, 'a.http'),
      `POST ${server.url}/echo?x=1\nContent-Type: application/json\nX-Trace: t-1\n\n{"q": "hello", "n": [1, 2]}\n\n###\nGET ${server.url}/echo/again\nAccept: application/json\n\n###\nDELETE ${server.url}/echo/3\n`,
    )
    expect((await runCli(['test', 'a.http', '--report', 'har=a.har'], { cwd: dir })).exitCode).toBe(0)
    const imported = await runCli(['import', 'har', 'a.har'], { cwd: dir })
    expect(imported.exitCode, imported.stderr).toBe(0)
    writeFileSync(join(dir, 'b.http'), imported.stdout)
    expect((await runCli(['test', 'b.http'], { cwd: dir })).exitCode).toBe(0)
    const sent = server.calls.map((c) => [
      c.method,
      c.path,
      c.headers['x-trace'] ?? null,
      c.body.length > 0 ? JSON.parse(c.body.toString()) : null,
    ])
    expect(sent.slice(3)).toEqual(sent.slice(0, 3))
  })
})
