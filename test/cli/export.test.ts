// Rendering without sending: `reqchain curl` exports a whole chain, values known only at run time
// as shell variables with where each comes from (a script real curl runs once they are set), and
// `run --dry-run` prints every request as it would be sent.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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

const chain = `### login
# @name login
# @capture token = $.token
POST {{base}}/login
Content-Type: application/json

{"user": "ada"}

### me
GET {{base}}/me
Authorization: Bearer {{token}}

### echo
POST {{base}}/echo
Content-Type: application/json

{"token": "{{token}}", "id": {{login.response.body.$.id}}}
`

describe('a chain rendered without a server', () => {
  it('exports every request as curl, captured values as shell variables, and the script runs', async () => {
    server = await startServer({
      '* /login': (_req, res) => json(res, { token: 't', id: 1 }),
      '* /me': (_req, res) => json(res, {}),
      '* /echo': (_req, res) => json(res, {}),
    })
    const dir = tempDir('export')
    writeFileSync(join(dir, 'chain.http'), chain)
    const result = await runCli(['curl', 'chain.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('#   $token: captured by `login` at chain.http:4 from $.token')
    expect(result.stdout).toContain(`-H 'Authorization: Bearer '"$token"`)
    expect(result.stdout).toContain(`--json '{"token": "'"$token"'", "id": '"$login_id"'}'`)
    await promisify(execFile)('sh', ['-c', result.stdout], {
      env: { ...process.env, token: 'tok "x" 42', login_id: '7' },
    })
    expect(server.calls.map((c) => [c.path, c.headers.authorization ?? null, c.body.toString()])).toEqual([
      ['/login', null, '{"user": "ada"}'],
      ['/me', 'Bearer tok "x" 42', ''],
      ['/echo', null, '{"token": "tok "x" 42", "id": 7}'],
    ])
  })

  it('exports {{json x}} of a captured value as the JSON the variable holds, and the server gets valid JSON', async () => {
    server = await startServer({
      '* /ask': (_req, res) => json(res, { choices: [{ message: { role: 'assistant', content: 'hi' } }] }),
      '* /next': (_req, res, body) => {
        JSON.parse(body.toString()) // a body that is not JSON fails the request, as a real server answers 500
        json(res, {})
      },
    })
    const dir = tempDir('export')
    writeFileSync(
      join(dir, 'turns.http'),
      '# @capture reply = $.choices[0].message\nPOST {{base}}/ask\n\n###\nPOST {{base}}/next\nContent-Type: application/json\n\n{"messages": [{"role": "user", "content": "hi"}, {{json reply}}]}\n',
    )
    const result = await runCli(['curl', 'turns.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.stdout).toContain(`{"role": "user", "content": "hi"}, '"$reply"']}'`)
    await promisify(execFile)('sh', ['-c', `set -e; ${result.stdout.replace(/\ncurl/g, '\ncurl -f')}`], {
      env: { ...process.env, reply: '{"role": "assistant", "content": "hi"}' },
    })
    expect(server.calls.at(-1)!.body.toString()).toBe(
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hi"}]}',
    )
  })

  it('prints every request as it would be sent with run --dry-run, and sends nothing', async () => {
    server = await startServer({})
    const dir = tempDir('export')
    writeFileSync(join(dir, 'chain.http'), chain)
    const result = await runCli(['run', 'chain.http', '--dry-run', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls).toHaveLength(0)
    expect(result.stdout).toContain('Authorization: Bearer <captured: token>')
    expect(result.stdout).toContain('{"token": "<captured: token>", "id": <response: login.response.body.$.id>}')
    expect(result.stdout).toContain('### login (chain.http:4)')
  })

  it('exports a chain carried by scripts, with what they set as shell variables, and runs none of them', async () => {
    server = await startServer({
      '* /login': (_req, res) => json(res, { token: 't' }),
      '* /me': (_req, res) => json(res, {}),
    })
    const dir = tempDir('export')
    writeFileSync(
      join(dir, 'scripted.http'),
      `### login\nPOST {{base}}/login\n\n> {% client.global.set("token", response.body.token) %}\n\n### me\n< {% request.variables.set("stamp", String(Date.now())) %}\nGET {{base}}/me?at={{stamp}}\nAuthorization: Bearer {{token}}\n`,
    )
    const result = await runCli(['curl', 'scripted.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('#   $token: set by the script of `login` at scripted.http:2')
    expect(result.stdout).toContain('#   $stamp: set by the script of `me` at scripted.http:8 (request.variables.set)')
    await promisify(execFile)('sh', ['-c', result.stdout], { env: { ...process.env, token: 'tok-1', stamp: '99' } })
    expect(server.calls.map((c) => [c.path, c.headers.authorization ?? null])).toEqual([
      ['/login', null],
      ['/me?at=99', 'Bearer tok-1'],
    ])
    const dry = await runCli(['run', 'scripted.http', '--dry-run', '--var', `base=${server.url}`], { cwd: dir })
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('Authorization: Bearer <set by script: token>')
    expect(dry.stdout).toContain(`GET ${server.url}/me?at=<set by script: stamp>`)
    expect(server.calls).toHaveLength(2)
  })
})
