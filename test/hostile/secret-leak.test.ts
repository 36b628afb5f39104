// A run that uses secrets in every position — a header, a URL with a space and non-ASCII, a JSON
// body with quotes and backslashes, Basic auth, a cookie, a token captured from a login (named so,
// no --secret), a Set-Cookie the server sets, a database URL's password — against a server that
// echoes each request back, with -v, --curl and every report. Every output is scanned for every
// secret in raw, JSON-escaped (once and twice), URL-encoded and base64 form: zero hits.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
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

const API_KEY = 'sk-"quoted"\\back slash-ü-0123456789'
const PASSWORD = 'pa"ss\\wörd-42'
const TOKEN = 'tok-captured-8d1f0a9b7c6e'
const SET_COOKIE = 'srvcookie-77aa66bb55cc'
const DB_PASSWORD = 'dbpass-4242-zz'

const forms = (secret: string): Record<string, string> => {
  const json = JSON.stringify(secret).slice(1, -1)
  return {
    raw: secret,
    json,
    'json twice': JSON.stringify(json).slice(1, -1),
    'url-encoded': encodeURIComponent(secret),
    base64: Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  }
}

describe('a secret-leak scan of every output', () => {
  it('finds no secret in any form in stderr, -v, --curl, error frames or the reports', async () => {
    const echo = (
      req: Parameters<Parameters<typeof startServer>[0][string]>[0],
      res: Parameters<Parameters<typeof startServer>[0][string]>[1],
      body: Buffer,
    ) => json(res, { method: req.method, url: req.url, headers: req.headers, body: body.toString() })
    server = await startServer({
      'POST /login': (_req, res) =>
        json(res, { access_token: TOKEN }, 200, { 'Set-Cookie': `srv=${SET_COOKIE}; Path=/; HttpOnly` }),
      'POST /echo': echo,
      'GET /echo': echo,
      'GET /binary': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
        res.end(Buffer.concat([Buffer.from([0xff, 0xfe, 0]), Buffer.from(TOKEN), Buffer.from([0xff])]))
      },
    })
    const dir = tempDir('leak')
    writeFileSync(
      join(dir, '.env'),
      `apiKey='${API_KEY}'\npassword='${PASSWORD}'\nDATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal/app\n`,
    )
    writeFileSync(
      join(dir, 's.http'),
      `### login
# @name login
# @capture token = $.access_token
# @capture serverCookie = header Set-Cookie
POST {{base}}/login
Content-Type: application/json

{"user": "ada", "password": "{{password}}", "db": "{{DATABASE_URL}}"}

### everything echoed back
# @assert $.body contains "nothing like this"
POST {{base}}/echo?key={{apiKey}}&pw={{password}}
Content-Type: application/json
X-Api-Key: {{apiKey}}
Authorization: Bearer {{token}}
Cookie: sid={{token}}; srv={{serverCookie}}
X-Note: db={{DATABASE_URL}}

{"key": "{{apiKey}}", "password": "{{password}}", "token": "{{token}}", "cookie": "{{serverCookie}}"}

### basic auth
GET {{base}}/echo
Authorization: Basic ada {{password}}

### binary body holding a secret
GET {{base}}/binary

### refused, with secrets in its URL
GET http://127.0.0.1:9/{{apiKey}}/{{token}}
`,
    )
    const result = await runCli(
      [
        'test',
        's.http',
        '-v',
        '--curl',
        '--var',
        `base=${server.url}`,
        '--report',
        'json=r.json',
        '--report',
        'junit=r.xml',
        '--report',
        'markdown=r.md',
      ],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(3)
    // The secrets really were sent…
    const echoed = server.calls[1]!
    expect(echoed.headers['x-api-key']).toContain('sk-"quoted"')
    expect(echoed.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(JSON.parse(echoed.body.toString())).toMatchObject({ key: API_KEY, password: PASSWORD, token: TOKEN })
    expect(decodeURIComponent(echoed.path)).toContain(API_KEY)
    // …and appear in no output, in no form.
    const outputs: Record<string, string> = { stdout: result.stdout, stderr: result.stderr }
    for (const file of readdirSync(dir).filter((f) => f.startsWith('r.')))
      outputs[file] = readFileSync(join(dir, file), 'utf8')
    expect(Object.keys(outputs)).toHaveLength(5)
    const hits: string[] = []
    for (const secret of [API_KEY, PASSWORD, TOKEN, SET_COOKIE, DB_PASSWORD]) {
      for (const [form, text] of Object.entries(forms(secret))) {
        for (const [name, output] of Object.entries(outputs))
          if (output.includes(text)) hits.push(`${secret} (${form}) in ${name}`)
      }
    }
    expect(hits).toEqual([])
    expect(result.stderr).toContain('********')
    expect(outputs['r.json']).toContain('bodyBase64')
  })

  it('masks in the reports a secret learned after the step that showed it', async () => {
    server = await startServer({
      'GET /echo': (_req, res) => json(res, { note: `the session is ${TOKEN}` }),
      'GET /login': (_req, res) => json(res, { access_token: TOKEN }),
    })
    const dir = tempDir('leak-late')
    writeFileSync(
      join(dir, 'l.http'),
      `GET ${server.url}/echo\n\n###\n# @capture token = $.access_token\nGET ${server.url}/login\n`,
    )
    const result = await runCli(
      ['test', 'l.http', '--report', 'json=r.json', '--report', 'junit=r.xml', '--report', 'markdown=r.md'],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(0)
    for (const file of ['r.json', 'r.xml', 'r.md'])
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toContain(TOKEN)
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toContain('the session is ********')
  })

  it('masks the top-level errors of reqchain curl like run does', async () => {
    const dir = tempDir('leak-curl')
    writeFileSync(join(dir, '.env'), `apiKey=${TOKEN}\n`)
    writeFileSync(join(dir, 'c.http'), 'GET http://[{{apiKey}}/x\n')
    const result = await runCli(['curl', 'c.http'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Invalid URL')
    expect(result.stderr).not.toContain(TOKEN)
  })
})
