// The curl export is checked with the real curl: reqchain sends each request to a recording
// server, the exported command is run through sh, and both recordings must match.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type RecordedCall, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'])
    return true
  } catch {
    return false
  }
})()

const requests = `### json
POST {{baseUrl}}/chat?q=a%20b
Content-Type: application/json
Authorization: Bearer {{apiKey}}

{"model": "m", "messages": [{"role": "user", "content": "It's \\"quoted\\",\\nmulti-line, unicode é 🎉, $HOME and \`ticks\`"}]}

### form
POST {{baseUrl}}/form
Content-Type: application/x-www-form-urlencoded

name=ada
&note=it's%20fine

### plain text without content type
PUT {{baseUrl}}/text

@starts with an at sign, 'quotes' and \\backslashes\\

### binary
POST {{baseUrl}}/upload
Content-Type: application/octet-stream

< ./blob.bin

### delete
DELETE {{baseUrl}}/items/7
X-Trace: one
X-Trace: two

### head
HEAD {{baseUrl}}/items
`

const names = ['json', 'form', 'plain text without content type', 'binary', 'delete', 'head']

function comparable(call: RecordedCall) {
  const skip = new Set(['user-agent', 'accept', 'host', 'content-length', 'connection'])
  const headers = Object.entries(call.headers)
    .filter(([k]) => !skip.has(k))
    .sort()
  return { method: call.method, path: call.path, headers, body: call.body.toString('base64') }
}

describe.skipIf(!hasCurl)('curl export', () => {
  it('reproduces each request exactly when run with the real curl, secrets as shell variables', async () => {
    server = await startServer({
      '* /chat': ok,
      '* /form': ok,
      '* /text': ok,
      '* /upload': ok,
      '* /items/7': ok,
      '* /items': ok,
    })
    const dir = tempDir('curl')
    writeFileSync(join(dir, 'r.http'), requests)
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 39, 92, 10, 255, 0]))
    writeFileSync(join(dir, '.env'), 'apiKey=sk-curl-secret-42\n')
    for (const name of names) {
      server.calls.length = 0
      const sent = await runCli(['run', `r.http#${name}`, '--var', `baseUrl=${server.url}`], { cwd: dir })
      expect(sent.exitCode).toBe(0)
      const exported = await runCli(['curl', `r.http#${name}`, '--var', `baseUrl=${server.url}`], { cwd: dir })
      expect(exported.exitCode).toBe(0)
      expect(exported.stdout).not.toContain('sk-curl-secret-42')
      const command = exported.stdout.replace(/^# .*\n/, '')
      await promisify(execFile)('sh', ['-c', command], {
        cwd: dir,
        env: { ...process.env, apiKey: 'sk-curl-secret-42' },
        timeout: 5000,
      })
      expect(server.calls).toHaveLength(2)
      expect(comparable(server.calls[1]!), name).toEqual(comparable(server.calls[0]!))
    }
  })

  it('leaves -L out when curl would carry a credential header to another host, and says why', async () => {
    const other = await startServer({ '* /landing': ok })
    try {
      server = await startServer({
        'GET /moved': (_req, res) => {
          res.writeHead(302, { Location: `${other.url}/landing` })
          res.end()
        },
      })
      const dir = tempDir('curl')
      writeFileSync(join(dir, '.env'), 'apiKey=sk-curl-secret-42\n')
      writeFileSync(
        join(dir, 'r.http'),
        `GET ${server.url}/moved\nX-Api-Key: {{apiKey}}\n\n###\nGET ${server.url}/moved\nAuthorization: Bearer {{apiKey}}\n`,
      )
      const exported = await runCli(['curl', 'r.http'], { cwd: dir })
      const [keyed, bearer] = exported.stdout.split('\n\n')
      expect(keyed).toContain('# Without -L: curl would send X-Api-Key on to another host if a redirect led there')
      expect(keyed).not.toContain(' -L ')
      expect(bearer).toContain('  -L \\\n') // curl itself drops Authorization on another host
      await promisify(execFile)('sh', ['-c', keyed!], {
        cwd: dir,
        env: { ...process.env, apiKey: 'sk-curl-secret-42' },
        timeout: 5000,
      })
      await promisify(execFile)('sh', ['-c', bearer!], {
        cwd: dir,
        env: { ...process.env, apiKey: 'sk-curl-secret-42' },
        timeout: 5000,
      })
      // The followed redirect reached the other host without the credential.
      expect(other.calls.map((c) => [c.path, c.headers['x-api-key'] ?? null, c.headers.authorization ?? null])).toEqual(
        [['/landing', null, null]],
      )
    } finally {
      await other.close()
    }
  })

  it('sends credentials in the URL as Basic auth, as curl does, and exports variable ones as -u', async () => {
    server = await startServer({
      '* /who': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ auth: req.headers.authorization ?? null, url: req.url }))
      },
    })
    const dir = tempDir('curl')
    writeFileSync(join(dir, '.env'), 'pass=s3cr&t:42\n')
    const url = server.url.replace('http://', 'http://ada:{{urlencode pass}}@')
    writeFileSync(
      join(dir, 'r.http'),
      `GET ${url}/who?q=1\n\n###\nGET ${server.url}/who\nAuthorization: Basic ada {{pass}}\n`,
    )
    const sent = await runCli(['test', 'r.http', '--report', 'json=r.json'], { cwd: dir })
    expect(sent.exitCode, sent.stderr).toBe(0)
    const basic = `Basic ${Buffer.from('ada:s3cr&t:42').toString('base64')}`
    expect(server.calls.map((c) => [c.path, c.headers.authorization])).toEqual([
      ['/who?q=1', basic],
      ['/who', basic],
    ])
    expect(sent.stderr).not.toContain('s3cr')
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).not.toContain('s3cr')
    const exported = await runCli(['curl', 'r.http'], { cwd: dir })
    expect(exported.stdout).toContain(`-u 'ada:'"$pass"`)
    expect(exported.stdout).not.toContain('s3cr')
    await promisify(execFile)('sh', ['-c', exported.stdout], {
      cwd: dir,
      env: { ...process.env, pass: 's3cr&t:42' },
      timeout: 5000,
    })
    expect(server.calls.slice(2).map((c) => [c.path, c.headers.authorization])).toEqual([
      ['/who?q=1', basic],
      ['/who', basic],
    ])
  })

  it('prints commands as they are sent with run --curl, captured values filled in', async () => {
    server = await startServer({
      'POST /login': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end('{"token":"t-1"}')
      },
      'GET /me': ok,
    })
    const dir = tempDir('curl')
    writeFileSync(
      join(dir, 'r.http'),
      '# @capture token = $.token\nPOST {{baseUrl}}/login\n\n###\nGET {{baseUrl}}/me\nX-Token: {{token}}\n',
    )
    const result = await runCli(['run', 'r.http', '--curl', '-q', '--var', `baseUrl=${server.url}`], { cwd: dir })
    expect(result.stderr).toContain("-H 'X-Token: t-1'")
    // Without a run, the captured value is a shell variable the export says how to set.
    const exported = await runCli(['curl', 'r.http', '--var', `baseUrl=${server.url}`], { cwd: dir })
    expect(exported.exitCode).toBe(0)
    expect(exported.stdout).toContain(`-H 'X-Token: '"$token"`)
  })
})

function ok(_req: unknown, res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end('ok')
}
