// JetBrains scripts end to end against a real loopback server: a chain whose tokens pass only
// through client.global.set, client.test results as assertions in the summary, the exit code and
// JUnit, pre-request scripts, the API real files use, and `FILE#name` seeing through handlers.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function chainServer(): Promise<TestServer> {
  return startServer({
    'POST /login': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"token":"tok-1","user":{"id":7}}')
    },
    'GET /users/7': (req, res) => {
      if (req.headers.authorization !== 'Bearer tok-1') {
        res.writeHead(401)
        res.end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Session': 's-2' })
      res.end('{"name":"Ada","session":"s-2"}')
    },
    'GET /orders': (req, res) => {
      if (req.headers['x-session'] !== 's-2') {
        res.writeHead(403)
        res.end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"orders":[1,2,3]}')
    },
  })
}

const CHAIN = (url: string) => `### login
POST ${url}/login
Content-Type: application/json

{"user": "ada"}

> {%
  client.test("logged in", function () {
    client.assert(response.status === 200, "status is 200")
  });
  client.global.set("token", response.body.token);
  client.global.set("userId", response.body.user.id);
%}

### me
GET ${url}/users/{{userId}}
Authorization: Bearer {{token}}

> {%
  client.global.set("session", response.headers.valueOf("x-session"));
  client.test("is Ada", function () { client.assert(response.body.name === "Ada", "name is " + response.body.name) });
%}

### orders
GET ${url}/orders
X-Session: {{session}}

> {%
  client.test("three orders", function () { client.assert(response.body.orders.length === 3) });
  client.log("orders:", response.body.orders);
%}
`

describe('JetBrains scripts', () => {
  it('chains three requests through client.global.set in run and test, with client.test in JUnit', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(join(dir, 'chain.http'), CHAIN(server.url))
    const ran = await runCli(['run', 'chain.http'], { cwd: dir })
    expect(ran.exitCode, ran.stderr).toBe(0)
    expect(ran.stdout).toContain('"orders"')
    expect(ran.stderr).toContain('[log] orders: [1,2,3]')
    const tested = await runCli(['test', 'chain.http', '--report', 'junit=report.xml'], { cwd: dir })
    expect(tested.exitCode, tested.stderr).toBe(0)
    expect(tested.stderr).toMatch(/3 passed, 0 failed/)
    const junit = readFileSync(join(dir, 'report.xml'), 'utf8')
    expect(junit).toContain('tests="3"')
    const perAssertion = await runCli(
      ['test', 'chain.http', '--report', 'junit=cases.xml', '--junit-cases', 'assertion'],
      { cwd: dir },
    )
    expect(perAssertion.exitCode, perAssertion.stderr).toBe(0)
    const cases = readFileSync(join(dir, 'cases.xml'), 'utf8')
    expect(cases).toContain('client.test &quot;logged in&quot; passes')
    expect(cases).toContain('client.test &quot;three orders&quot; passes')
    expect(server.calls.map((c) => c.path)).toEqual([
      '/login',
      '/users/7',
      '/orders',
      '/login',
      '/users/7',
      '/orders',
      '/login',
      '/users/7',
      '/orders',
    ])
  })

  it('fails the run with exit 4 on a failed client.test, located at the call', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'fail.http'),
      `GET ${server.url}/orders\r\n\r\n> {%\r\n  client.test("has orders", function () {\r\n    client.assert(response.status === 200, "expected 200, got " + response.status);\r\n  });\r\n%}\r\n`,
    )
    const result = await runCli(['test', 'fail.http'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(4)
    expect(result.stderr).toContain('client.test "has orders" failed: expected 200, got 403')
    expect(result.stderr).toContain('--> fail.http:4:3')
  })

  it('a failed client.assert outside a test is a failed assertion that ends the script', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'assert.http'),
      `GET ${server.url}/orders\n\n> {% client.assert(response.status === 200, "want 200"); client.global.set("after", 1) %}\n\n###\nGET ${server.url}/orders?after={{default after "none"}}\n`,
    )
    const result = await runCli(['test', 'assert.http'], { cwd: dir })
    expect(result.exitCode).toBe(4)
    expect(server.calls.map((c) => c.path)).toEqual(['/orders', '/orders?after=none'])
    expect(result.stderr).toContain('client.assert failed: want 200')
    expect(result.stderr).toContain('--> assert.http:3:6')
  })

  it('pre-request scripts set request variables and globals, and read the environment', async () => {
    server = await startServer({
      'POST /sign': (_req, res, body) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(body)
      },
    })
    const dir = tempDir('script')
    writeFileSync(join(dir, 'http-client.env.json'), JSON.stringify({ dev: { secret: 'k3y', base: server.url } }))
    writeFileSync(
      join(dir, 'sign.http'),
      `< {%
  const body = request.body.tryGetSubstituted();
  const signature = crypto.hmac.sha256().withTextSecret(request.environment.get("secret")).updateWithText(body).digest().toHex();
  request.variables.set("signature", signature);
  request.variables.set("firstname", "John");
  client.global.set("sent", $random.uuid.length);
%}
POST {{base}}/sign
Content-Type: application/json
X-Signature: {{signature}}

{"name": "{{firstname}}", "sha": "${'{{'}sent}}"}

###
POST {{base}}/sign
Content-Type: application/json

{"again": "{{sent}}", "had": "{{firstname}}"}
`,
    )
    const result = await runCli(['run', 'sign.http', '--env', 'dev'], { cwd: dir })
    // `firstname` was for the first request only: the second one cannot use it.
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('firstname')
    const first = server.calls[0]!
    const { createHmac } = await import('node:crypto')
    expect(first.headers['x-signature']).toBe(
      createHmac('sha256', 'k3y').update('{"name": "{{firstname}}", "sha": "{{sent}}"}').digest('hex'),
    )
    expect(JSON.parse(first.body.toString())).toEqual({ name: 'John', sha: '36' })
    expect(server.calls).toHaveLength(1)
  })

  it('runs `> ./handler.js` files, and `FILE#name` runs the request whose handler sets what it needs', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'login.js'),
      'client.global.set("token", response.body.token)\nclient.global.set("userId", response.body.user.id)\n',
    )
    writeFileSync(
      join(dir, 'api.http'),
      `### login\nPOST ${server.url}/login\n\n> ./login.js\n\n### me\n# @name me\nGET ${server.url}/users/{{userId}}\nAuthorization: Bearer {{token}}\n`,
    )
    const result = await runCli(['run', 'api.http#me'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ name: 'Ada', session: 's-2' })
  })

  it('client.global.clear makes a variable unset again, and isEmpty tells', async () => {
    server = await startServer({
      'GET /echo': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ url: req.url }))
      },
    })
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'clear.http'),
      `@mode = file
GET ${server.url}/echo

> {%
client.test("empty at first", function () { client.assert(client.global.isEmpty()) })
client.global.set("mode", "global")
client.test("then set", function () { client.assert(!client.global.isEmpty() && client.global.get("mode") === "global") })
%}

###
GET ${server.url}/echo?mode={{mode}}

> {% client.global.clear("mode") %}

###
GET ${server.url}/echo?mode={{mode}}
`,
    )
    const result = await runCli(['test', 'clear.http'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls.map((c) => c.path)).toEqual(['/echo', '/echo?mode=global', '/echo?mode=file'])
  })

  it('names the failed script when a variable it was to set is missing', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'missed.http'),
      `### login\nPOST ${server.url}/login\n\n> {% client.global.set("token", response.body.nothing.token) %}\n\n###\nGET ${server.url}/users/7\nAuthorization: Bearer {{token}}\n`,
    )
    const result = await runCli(['test', 'missed.http'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('`token` was to be set by the script of `login` at missed.http:2, which failed')
  })

  it("keeps each --dataset row's globals to its own chain", async () => {
    server = await startServer({
      'GET /echo': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ q: new URL(req.url!, 'http://x').searchParams.get('q') }))
      },
    })
    const dir = tempDir('script')
    writeFileSync(join(dir, 'rows.csv'), 'q\none\ntwo\n')
    writeFileSync(
      join(dir, 'rows.http'),
      `GET ${server.url}/echo?q={{q}}&before={{default seen "none"}}\n\n> {% client.global.set("seen", response.body.q) %}\n`,
    )
    const result = await runCli(['test', 'rows.http', '--dataset', 'rows.csv'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls.map((c) => c.path)).toEqual(['/echo?q=one&before=none', '/echo?q=two&before=none'])
  })

  it('masks a value a script sets under a secret name wherever it is shown', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'mask.http'),
      `### login\nPOST ${server.url}/login\n\n> {% client.global.set("token", response.body.token); client.log("got", client.global.get("token")) %}\n\n### me\nGET ${server.url}/users/7\nAuthorization: Bearer {{token}}\n`,
    )
    const result = await runCli(['run', 'mask.http', '-v', '--report', 'json=r.json'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain('[log] got ********')
    expect(result.stderr).toContain('Authorization: Bearer ********')
    expect(result.stderr + readFileSync(join(dir, 'r.json'), 'utf8')).not.toContain('tok-1')
  })

  it('runs an httpyac script region without a request before every request of the file', async () => {
    server = await startServer({
      'GET /echo': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ url: req.url }))
      },
    })
    const dir = tempDir('script')
    writeFileSync(
      join(dir, 'global.http'),
      `{{\n  exports.base = "${server.url}";\n  exports.calls = (typeof calls === "undefined" ? 0 : 1);\n}}\n\n###\nGET {{base}}/echo?n=1\n\n###\nGET {{base}}/echo?n=2\n`,
    )
    const result = await runCli(['test', 'global.http'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls.map((c) => c.path)).toEqual(['/echo?n=1', '/echo?n=2'])
  })

  it('locates an error in a handler file at its own line, with its code frame, from any working directory', async () => {
    server = await chainServer()
    const dir = tempDir('script')
    mkdirSync(join(dir, 'api', 'handlers'), { recursive: true })
    writeFileSync(
      join(dir, 'api', 'handlers', 'login.js'),
      '// keeps the token\nclient.global.set("token", response.body.missing.token)\n',
    )
    writeFileSync(join(dir, 'api', 'login.http'), `POST ${server.url}/login\n\n> ./handlers/login.js\n`)
    const result = await runCli(['run', 'api/login.http'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/--> api\/handlers\/login\.js:2:\d+/)
    expect(result.stderr).toContain('2 | client.global.set("token", response.body.missing.token)')
  })
})
