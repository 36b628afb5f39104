// The cookie jar against a cookie-session login server: no capture lines needed, RFC 6265 paths,
// redirects that set cookies, --no-cookies and # @no-cookie-jar, a Cookie header written in the
// file, --cookie-jar files that curl reads, per-file jars in test mode, and masking.
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const SESSION = 'sess-7f3a9c2b1e'

async function loginServer(): Promise<TestServer> {
  const loggedIn = (cookie: string | undefined) => (cookie ?? '').split(/;\s*/).includes(`sid=${SESSION}`)
  server = await startServer({
    'POST /login': (_req, res) => json(res, { ok: true }, 200, { 'Set-Cookie': `sid=${SESSION}; Path=/; HttpOnly` }),
    'POST /login-redirect': (_req, res) => {
      res.writeHead(302, { Location: '/home', 'Set-Cookie': `sid=${SESSION}; Path=/` })
      res.end()
    },
    'POST /scoped': (_req, res) => json(res, {}, 200, { 'Set-Cookie': 'scoped=1; Path=/api' }),
    'GET /home': (req, res) =>
      json(res, { home: loggedIn(req.headers.cookie) }, loggedIn(req.headers.cookie) ? 200 : 403),
    'GET /me': (req, res) =>
      json(res, { cookie: req.headers.cookie ?? null }, loggedIn(req.headers.cookie) ? 200 : 403),
    'GET /api/x': (req, res) => json(res, { cookie: req.headers.cookie ?? null }),
    'GET /other': (req, res) => json(res, { cookie: req.headers.cookie ?? null }),
  })
  return server
}

function dirWith(files: Record<string, string>): string {
  const dir = tempDir('cookies')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const login = `### login
POST {{base}}/login

### me
# @assert status == 200
GET {{base}}/me

### me again
# @assert status == 200
GET {{base}}/me
`

describe('the cookie jar', () => {
  it('logs into a cookie-session API with no capture lines', async () => {
    const s = await loginServer()
    const dir = dirWith({ 'login.http': login })
    const result = await runCli(['test', 'login.http', '--var', `base=${s.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(s.calls.map((c) => c.headers.cookie)).toEqual([undefined, `sid=${SESSION}`, `sid=${SESSION}`])
  })

  it('keeps a cookie set by a redirect, and sends it to where the redirect leads', async () => {
    const s = await loginServer()
    const dir = dirWith({ 'r.http': '# @assert status == 200\nPOST {{base}}/login-redirect\n' })
    expect((await runCli(['test', 'r.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(0)
  })

  it('sends a cookie only to its path, and merges it with a Cookie header written in the file', async () => {
    const s = await loginServer()
    const dir = dirWith({
      'r.http': 'POST {{base}}/scoped\n\n###\nGET {{base}}/other\n\n###\nGET {{base}}/api/x\nCookie: theme=dark\n',
    })
    expect((await runCli(['run', 'r.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(0)
    expect(s.calls.slice(1).map((c) => c.headers.cookie)).toEqual([undefined, 'theme=dark; scoped=1'])
  })

  it('is off with --no-cookies, and for one request with # @no-cookie-jar', async () => {
    const s = await loginServer()
    const dir = dirWith({
      'login.http': login,
      'no-jar.http': login.replace('POST {{base}}/login', '# @no-cookie-jar\nPOST {{base}}/login'),
    })
    expect(
      (await runCli(['test', 'login.http', '--no-cookies', '--var', `base=${s.url}`], { cwd: dir })).exitCode,
    ).toBe(4)
    expect((await runCli(['test', 'no-jar.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(4)
  })

  it('gives each file its own jar in test mode, and shares one across files in run', async () => {
    const s = await loginServer()
    const dir = dirWith({ 'a.http': 'POST {{base}}/login\n', 'b.http': '# @assert status == 200\nGET {{base}}/me\n' })
    expect((await runCli(['test', 'a.http', 'b.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(4)
    expect((await runCli(['run', 'a.http', 'b.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(0)
  })

  it('reads and writes --cookie-jar in the Netscape format, which curl reads', async () => {
    const s = await loginServer()
    const dir = dirWith({
      'login.http': 'POST {{base}}/login\n',
      'me.http': '# @assert status == 200\nGET {{base}}/me\n',
    })
    expect(
      (await runCli(['run', 'login.http', '--cookie-jar', 'jar.txt', '--var', `base=${s.url}`], { cwd: dir })).exitCode,
    ).toBe(0)
    const jar = readFileSync(join(dir, 'jar.txt'), 'utf8')
    expect(jar).toMatch(/^# Netscape HTTP Cookie File/)
    expect(jar).toContain(`#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t${SESSION}`)
    expect(
      (await runCli(['test', 'me.http', '--cookie-jar', 'jar.txt', '--var', `base=${s.url}`], { cwd: dir })).exitCode,
    ).toBe(0)
    expect((await runCli(['test', 'me.http', '--var', `base=${s.url}`], { cwd: dir })).exitCode).toBe(4)
    const { stdout } = await promisify(execFile)('curl', ['-s', '-b', join(dir, 'jar.txt'), `${s.url}/me`])
    expect(JSON.parse(stdout).cookie).toBe(`sid=${SESSION}`)
  })

  it('masks cookie values in every output', async () => {
    const s = await loginServer()
    const dir = dirWith({ 'login.http': login })
    const result = await runCli(
      ['test', 'login.http', '-v', '--curl', '--report', 'json=r.json', '--var', `base=${s.url}`],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(0)
    expect(result.stderr).not.toContain(SESSION)
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).not.toContain(SESSION)
  })
})
