// Secrets from .env, a private environment file and --secret appear in no output of a run:
// verbose heads, summary lines, error frames, curl commands and all three reports.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'
import { json, type TestServer, startServer } from './helpers/server.js'
import { tempDir } from './helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const DOTENV_SECRET = 'sk-dotenv-0123456789'
const PRIVATE_SECRET = 'private-token-abcdef'
const CAPTURED_SECRET = 'session-captured-9876'

describe('secrets', () => {
  it('are masked in every output of a run that uses them', async () => {
    server = await startServer({
      'POST /login': (_req, res) =>
        json(res, { session: CAPTURED_SECRET }, 200, { 'Set-Cookie': `sid=${CAPTURED_SECRET}` }),
      'GET /data': (_req, res) => json(res, { ok: true }),
    })
    const dir = tempDir('secrets')
    writeFileSync(join(dir, '.env'), `apiKey=${DOTENV_SECRET}\n`)
    writeFileSync(join(dir, 'http-client.env.json'), JSON.stringify({ dev: { user: 'ada' } }))
    writeFileSync(join(dir, 'http-client.private.env.json'), JSON.stringify({ dev: { password: PRIVATE_SECRET } }))
    writeFileSync(
      join(dir, 's.http'),
      `### login
# @capture session = $.session
# @assert $.session == "nope"
POST {{baseUrl}}/login?key={{apiKey}}
Authorization: Bearer {{apiKey}}
Content-Type: application/json

{"user": "{{user}}", "password": "{{password}}"}

### data
GET {{baseUrl}}/data
Cookie: sid={{session}}
X-Session: {{session}}

### fails, naming the secret in its URL
GET http://127.0.0.1:9/{{password}}
`,
    )
    const result = await runCli(
      [
        'test',
        's.http',
        '--env',
        'dev',
        '--secret',
        'session',
        '-v',
        '--curl',
        '--var',
        `baseUrl=${server.url}`,
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
    // The secrets really were used…
    expect(server.calls[0]!.headers.authorization).toBe(`Bearer ${DOTENV_SECRET}`)
    expect(server.calls[0]!.body.toString()).toContain(PRIVATE_SECRET)
    expect(server.calls[1]!.headers['x-session']).toBe(CAPTURED_SECRET)
    // …and appear in no output.
    const outputs = {
      stdout: result.stdout,
      stderr: result.stderr,
      ...Object.fromEntries(
        readdirSync(dir)
          .filter((f) => f.startsWith('r.'))
          .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
      ),
    }
    expect(Object.keys(outputs)).toHaveLength(5)
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of [DOTENV_SECRET, PRIVATE_SECRET, CAPTURED_SECRET])
        expect(text, `${secret} leaked into ${name}`).not.toContain(secret)
    }
    expect(result.stderr).toContain('"$apiKey"') // the curl export still works with the variable exported
    expect(result.stderr).toContain('********')
  })
})
