import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { gzipSync, brotliCompressSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function dirWith(files: Record<string, string | Buffer>): string {
  const dir = tempDir('run')
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const binary = Buffer.from([0, 1, 2, 255, 254, 0x80, 0x0d, 0x0a, 0xc3])

async function serve() {
  server = await startServer({
    'GET /json': (_req, res) => json(res, { a: { b: [1, 2] }, s: 'text' }),
    'GET /bin': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      res.end(binary)
    },
    'GET /gzip': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
      res.end(gzipSync('{"packed":"gzip"}'))
    },
    'GET /br': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })
      res.end(brotliCompressSync('{"packed":"br"}'))
    },
    'GET /ua': (req, res) => json(res, { ua: req.headers['user-agent'] }),
    'GET /missing': (_req, res) => json(res, { error: 'nope' }, 404),
    'GET /redirect': (_req, res) => {
      res.writeHead(302, { Location: '/json' })
      res.end()
    },
    'POST /echo': (req, res, body) =>
      json(res, { body: body.toString('base64'), type: req.headers['content-type'] ?? null }),
  })
  return server.url
}

const run = (dir: string, args: string[], tty = false) =>
  runCli(['run', ...args, '--var', `baseUrl=${server!.url}`], { cwd: dir, tty })

describe('reqchain run', () => {
  it('writes the last body byte for byte when piped, and pretty JSON on a terminal', async () => {
    await serve()
    const dir = dirWith({
      'a.http': 'GET {{baseUrl}}/json\n\n###\nGET {{baseUrl}}/bin\n',
      'b.http': 'GET {{baseUrl}}/json\n',
    })
    const piped = await run(dir, ['a.http'])
    expect(piped.exitCode).toBe(0)
    expect(piped.stdoutBytes.equals(binary)).toBe(true)
    const pretty = await run(dir, ['b.http'], true)
    expect(pretty.stdout).toBe('{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  },\n  "s": "text"\n}\n')
    const binaryOnTerminal = await run(dir, ['a.http'], true)
    expect(binaryOnTerminal.stdout).toBe('')
    expect(binaryOnTerminal.stderr).toContain('binary body, 9 B: not shown on a terminal')
  })

  it('prints every body with --all, none with --quiet, and keeps stderr summaries apart', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/json\n\n###\nGET {{baseUrl}}/ua\n' })
    const all = await run(dir, ['a.http', '--all'])
    expect(all.stdout).toBe('{"a":{"b":[1,2]},"s":"text"}{"ua":"reqchain/0.1.0"}')
    expect(all.stderr.trim().split('\n')).toHaveLength(2)
    const quiet = await run(dir, ['a.http', '-q'])
    expect(quiet).toMatchObject({ stdout: '', stderr: '', exitCode: 0 })
  })

  it('takes options before the paths as well as after them', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/json?x={{x}}\n' })
    for (const args of [
      ['run', '--var', 'x=1', '--var', `baseUrl=${server!.url}`, 'a.http'],
      ['run', '-e', '$.s', '--var', `baseUrl=${server!.url}`, 'a.http', '--var', 'x=2', '-r'],
    ]) {
      const result = await runCli(args, { cwd: dir })
      expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(0)
    }
    expect(server!.calls.map((c) => c.path)).toEqual(['/json?x=1', '/json?x=2'])
  })

  it('colours follow --color, --no-color, FORCE_COLOR (0 is off) and NO_COLOR', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/json\n' })
    const colored = async (args: string[], env: Record<string, string | undefined>, tty: boolean) =>
      (
        await runCli(['run', 'a.http', '--var', `baseUrl=${server!.url}`, ...args], {
          cwd: dir,
          tty,
          env: { NO_COLOR: undefined, ...env },
        })
      ).stderr.includes('\x1b[')
    expect(await colored([], {}, true)).toBe(true)
    expect(await colored([], { FORCE_COLOR: '0' }, true)).toBe(false)
    expect(await colored([], { NO_COLOR: '1' }, true)).toBe(false)
    expect(await colored([], { FORCE_COLOR: '1' }, false)).toBe(true)
    expect(await colored(['--no-color'], { FORCE_COLOR: '1' }, true)).toBe(false)
    expect(await colored(['--color', 'always'], { NO_COLOR: '1' }, false)).toBe(true)
    expect(await colored(['--color=never'], {}, true)).toBe(false)
  })

  it('reads a request file from standard input with -', async () => {
    await serve()
    const dir = dirWith({})
    const http = await runCli(['run', '-', '-e', '$.s', '-r', '--var', `baseUrl=${server!.url}`], {
      cwd: dir,
      stdin: 'GET {{baseUrl}}/json\n',
    })
    expect(http).toMatchObject({ exitCode: 0, stdout: 'text\n' })
    const json = await runCli(['run', '-', '-e', '$.a.b[1]', '--var', `baseUrl=${server!.url}`], {
      cwd: dir,
      stdin: '{"url": "{{baseUrl}}/json"}',
    })
    expect(json).toMatchObject({ exitCode: 0, stdout: '2\n' })
    const broken = await runCli(['parse', '-'], { cwd: dir, stdin: 'GET http://h/\nnot a header\n' })
    expect(broken.exitCode).toBe(2)
    expect(broken.stderr).toContain('--> <stdin>:2:1')
    const { stdout } = await promisify(execFile)('sh', [
      '-c',
      `node ${join(import.meta.dirname, '../../dist/reqchain.js')} run - -e '$.s' -r --var baseUrl=${server!.url} <<'EOF'\nGET {{baseUrl}}/json\nEOF`,
    ])
    expect(stdout).toBe('text\n')
  })

  it('writes the body to stdout with -o -, as curl does, and no file named -', async () => {
    const server = await startServer({
      'GET /x': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.end('the body')
      },
    })
    try {
      const dir = tempDir('run')
      writeFileSync(join(dir, 'x.http'), `GET ${server.url}/x\n`)
      const result = await runCli(['run', 'x.http', '-o', '-'], { cwd: dir })
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toBe('the body')
      expect(existsSync(join(dir, '-'))).toBe(false)
    } finally {
      await server.close()
    }
  })

  it('names an unknown flag given before the paths, with the option meant', async () => {
    const result = await runCli(['run', '--verbos', 'x.http'], { cwd: '.' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Unknown option: --verbos')
    expect(result.stderr).toContain('did you mean `--verbose`?')
    expect((await runCli(['test', '-Z', 'x.http'], { cwd: '.' })).stderr).toContain('Unknown option: -Z')
  })

  it('names the flag meant when one is misspelled', async () => {
    const result = await runCli(['run', 'a.http', '--extarct', '$.a'], {
      cwd: dirWith({ 'a.http': 'GET http://127.0.0.1:9/\n' }),
    })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Unknown option: --extarct')
    expect(result.stderr).toContain('did you mean `--extract`?')
  })

  it('extracts a query from the last response, raw with -r', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/json\n' })
    expect((await run(dir, ['a.http', '-e', '$.s'])).stdout).toBe('"text"\n')
    expect((await run(dir, ['a.http', '-e', '$.s', '-r'])).stdout).toBe('text\n')
    expect((await run(dir, ['a.http', '-e', '$.a.b'])).stdout).toBe('[\n  1,\n  2\n]\n')
    expect((await run(dir, ['a.http', '-e', 'header content-type', '-r'])).stdout).toBe('application/json\n')
    const missing = await run(dir, ['a.http', '-e', '$.nope'])
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toContain('--extract: No match for `$.nope`')
  })

  it('writes the last body to a file with -o, exactly', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/bin\n' })
    const result = await run(dir, ['a.http', '-o', 'out.bin'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('')
    expect(readFileSync(join(dir, 'out.bin')).equals(binary)).toBe(true)
  })

  it('decodes gzip and br responses', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/gzip\n\n###\nGET {{baseUrl}}/br\n' })
    expect((await run(dir, ['a.http', '--all'])).stdout).toBe('{"packed":"gzip"}{"packed":"br"}')
  })

  it('sends a default User-Agent that the file can override', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/ua\nUser-Agent: mine/1\n' })
    expect(JSON.parse((await run(dir, ['a.http'])).stdout)).toEqual({ ua: 'mine/1' })
  })

  it('sends bodies exactly as rendered, binary files included, adding no Content-Type', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'POST {{baseUrl}}/echo\n\n< ./payload.bin\n', 'payload.bin': binary })
    const reply = JSON.parse((await run(dir, ['a.http'])).stdout)
    expect(Buffer.from(reply.body, 'base64').equals(binary)).toBe(true)
    expect(reply.type).toBeNull()
  })

  it('follows redirects unless # @no-redirect', async () => {
    await serve()
    const dir = dirWith({
      'a.http': 'GET {{baseUrl}}/redirect\n',
      'b.http': '# @no-redirect\nGET {{baseUrl}}/redirect\n',
    })
    expect(JSON.parse((await run(dir, ['a.http'])).stdout)).toMatchObject({ s: 'text' })
    expect((await run(dir, ['b.http'])).stderr).toContain('302 Found')
  })

  it('treats an HTTP error status as success unless --fail', async () => {
    await serve()
    const dir = dirWith({ 'a.http': 'GET {{baseUrl}}/missing\n\n###\nGET {{baseUrl}}/json\n' })
    const plain = await run(dir, ['a.http'])
    expect(plain.exitCode).toBe(0)
    const failing = await run(dir, ['a.http', '--fail'])
    expect(failing.exitCode).toBe(3)
    expect(failing.stderr).toContain('HTTP 404 Not Found: GET')
    expect(server!.calls.filter((c) => c.path === '/json')).toHaveLength(1) // --fail stopped the run
  })

  it('shows heads with -v and masks secret headers and values', async () => {
    await serve()
    const dir = dirWith({
      'a.http': 'GET {{baseUrl}}/ua\nAuthorization: Bearer {{token}}\nX-Trace: {{token}}\n',
      '.env': 'token=tok-very-secret-1\n',
    })
    const result = await run(dir, ['a.http', '-v'])
    expect(result.stderr).toContain('> GET /ua HTTP/1.1')
    expect(result.stderr).toContain('> Authorization: Bearer ********')
    expect(result.stderr).toContain('> X-Trace: ********')
    expect(result.stderr).toContain('< HTTP/1.1 200 OK')
    expect(result.stderr).not.toContain('tok-very-secret-1')
    expect((await run(dir, ['a.http', '-v', '--show-secrets'])).stderr).toContain('tok-very-secret-1')
  })

  it('reports a dependency cycle at the request that closes it (exit 2)', async () => {
    await serve()
    const dir = dirWith({
      'a.http':
        '### a\n# @capture x = $.s\nGET {{baseUrl}}/json?y={{y}}\n\n### b\n# @capture y = $.s\nGET {{baseUrl}}/json?x={{x}}\n',
    })
    const result = await run(dir, ['a.http#b'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Requests depend on each other in a cycle: b → a → b')
    expect(server!.calls).toHaveLength(0)
  })

  it('names the request it cannot find, with the ones that exist', async () => {
    await serve()
    const dir = dirWith({ 'a.http': '### first\nGET {{baseUrl}}/json\n\n### second\nGET {{baseUrl}}/json\n' })
    const result = await run(dir, ['a.http', '--name', 'secnd'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('did you mean `second`?')
  })

  it("runs a directory's request files in sorted order, skipping body and environment files", async () => {
    await serve()
    const dir = dirWith({
      'b.http': 'GET {{baseUrl}}/json?file=b\n',
      'a.rest': 'GET {{baseUrl}}/json?file=a\n',
      'c.json': JSON.stringify({ url: '{{baseUrl}}/json?file=c' }),
      'body.json': '{"not": "a request"}',
      'http-client.env.json': '{"dev": {}}',
    })
    const result = await runCli(['run', '.', '--var', `baseUrl=${server!.url}`], { cwd: dir })
    expect(result.exitCode).toBe(0)
    expect(server!.calls.map((c) => c.path)).toEqual(['/json?file=a', '/json?file=b', '/json?file=c'])
  })

  it('prints help and version, and exits 1 on a usage error', async () => {
    const dir = dirWith({})
    const help = await runCli(['--help'], { cwd: dir })
    expect(help.exitCode).toBe(0)
    expect(help.stdout).toContain('reqchain <command>')
    expect((await runCli(['run', '--help'], { cwd: dir })).stdout).toContain('Exit codes:')
    expect((await runCli(['--version'], { cwd: dir })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    const bad = await runCli(['run'], { cwd: dir })
    expect(bad.exitCode).toBe(1)
    expect((await runCli(['run', 'x.http', '--var', 'novalue'], { cwd: dir })).stderr).toContain(
      '--var needs NAME=VALUE',
    )
  })

  it('skips the .json files of a directory that are not request files, and says which with -v', async () => {
    server = await startServer({ 'GET /a': (_req, res) => json(res, { a: 1 }) })
    const dir = dirWith({
      'a.json': JSON.stringify({ url: `${server.url}/a` }),
      'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }),
      'http-client.env.json': JSON.stringify({ dev: {} }),
      'broken.json': '{ not json',
    })
    const quiet = await runCli(['test', '.'], { cwd: dir })
    expect(quiet.exitCode, quiet.stderr).toBe(0)
    expect(quiet.stderr).not.toContain('skipped')
    const verbose = await runCli(['test', '.', '-v'], { cwd: dir })
    expect(verbose.exitCode, verbose.stderr).toBe(0)
    expect(verbose.stderr).toContain('skipped broken.json: not valid JSON, not a request file\n')
    expect(verbose.stderr).toContain('skipped http-client.env.json: an environment file, not a request file\n')
    expect(verbose.stderr).toContain(
      'skipped package.json: JSON without a top-level "url" or "requests", not a request file\n',
    )
    expect(server.calls).toHaveLength(2)
  })

  it('sends an origin-form /path request to the host variable, as httpyac and kulala do; a Host header wins', async () => {
    server = await startServer({ 'GET /ping': (req, res) => json(res, { host: req.headers.host }) })
    const { host } = new URL(server.url)
    const dir = dirWith({
      'scheme.http': `@host = ${server.url}/\nGET /ping\n`,
      'bare.http': `@host = ${host}\nGET /ping\n`,
      'header.http': `@host = 127.0.0.1:9\nGET /ping\nHost: ${host}\n`,
      'none.http': 'GET /ping\n',
    })
    for (const file of ['scheme.http', 'bare.http', 'header.http']) {
      const result = await runCli(['run', file, '-e', '$.host', '-r'], { cwd: dir })
      expect(result.exitCode, `${file}: ${result.stderr}`).toBe(0)
      expect(result.stdout).toBe(`${host}\n`)
    }
    const none = await runCli(['run', 'none.http'], { cwd: dir })
    expect(none.exitCode).toBe(3)
    expect(none.stderr).toContain('`/ping` has no host')
  })

  it("reads a file variable with a dot in its name as that variable (Visual Studio's template), with or without helpers", async () => {
    server = await startServer({ 'POST /w': (_req, res, body) => json(res, JSON.parse(body.toString())) })
    const dir = dirWith({
      'vs.http': `@My.App_HostAddress = ${server.url}\n\nPOST {{My.App_HostAddress}}/w\nContent-Type: application/json\n\n{"plain": "{{My.App_HostAddress}}", "helper": {{json (default missing 1)}}, "also": "{{My.App_HostAddress}}"}\n`,
    })
    const result = await runCli(['run', 'vs.http', '-e', '$', '-r'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ plain: server.url, helper: 1, also: server.url })
  })

  it('reads httpyac named responses: after # @name login, {{login.token}} and {{login.body.token}} are its body fields', async () => {
    server = await startServer({
      'POST /login': (_req, res) => json(res, { token: 'tok-1', user: { id: 7 } }),
      'GET /me': (req, res) =>
        json(res, { auth: req.headers.authorization, id: new URL(req.url!, 'http://x').searchParams.get('id') }),
    })
    const dir = dirWith({
      'flow.http': `# @name login\nPOST ${server.url}/login\n\n###\nGET ${server.url}/me?id={{login.user.id}}\nAuthorization: Bearer {{login.body.token}}\n`,
    })
    const result = await runCli(['run', 'flow.http', '-e', '$', '-r'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ auth: 'Bearer tok-1', id: '7' })
    // A variable of that name is not shadowed by the response.
    const shadow = dirWith({
      'flow.http': `@login = {"user": {"id": 1}}\n# @name login\nPOST ${server.url}/login\n\n###\nGET ${server.url}/me?id={{login.user.id}}\n`,
    })
    expect((await runCli(['run', 'flow.http'], { cwd: shadow })).exitCode).toBe(3) // the file variable is a string, not a response
  })

  it('runs the request a # @ref names first when one request is chosen, and says so when the name is unknown', async () => {
    server = await startServer({
      'POST /login': (_req, res) => json(res, { ok: 1 }),
      'GET /me': (_req, res) => json(res, { me: 1 }),
      'GET /other': (_req, res) => json(res, {}),
    })
    const dir = dirWith({
      'ref.http': `# @name login\nPOST ${server.url}/login\n\n###\n# @name other\nGET ${server.url}/other\n\n###\n# @name me\n# @ref login\nGET ${server.url}/me\n`,
      'typo.http': `# @name login\nPOST ${server.url}/login\n\n###\n# @name me\n# @ref logni\nGET ${server.url}/me\n`,
    })
    const result = await runCli(['run', 'ref.http#me'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls.map((c) => c.path)).toEqual(['/login', '/me'])
    const typo = await runCli(['run', 'typo.http#me'], { cwd: dir })
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toContain('`@ref logni`: no request of that name in typo.http')
    expect(typo.stderr).toContain('did you mean `login`?')
    expect(typo.stderr).toContain('--> typo.http:6:3')
  })

  it('reads an httpyac {{ exports.x = response.parsedBody.path }} block after a request as captures, and runs any other block in the sandbox, never as body', async () => {
    server = await startServer({
      'POST /login': (_req, res, body) => json(res, { token: 'tok-9', echo: body.toString(), user: { ids: [5] } }),
      'GET /me': (req, res) =>
        json(res, { auth: req.headers.authorization, id: new URL(req.url!, 'http://x').searchParams.get('id') }),
    })
    const dir = dirWith({
      'hy.http': `POST ${server.url}/login\nContent-Type: application/json\n\n{"user": "ada"}\n\n{{\n  // the token for the next request\n  exports.token = response.parsedBody.token;\n  exports.id = response.parsedBody.user.ids[0]\n}}\n\n###\nGET ${server.url}/me?id={{id}}\nAuthorization: Bearer {{token}}\n`,
      'js.http': `POST ${server.url}/login\n\n{"a": 1}\n\n{{\n  exports.n = response.parsedBody.token.length + response.statusCode + Number(response.headers['content-type'].indexOf('json') > 0)\n  test.status(200)\n}}\n\n###\nGET ${server.url}/me?id={{n}}\n`,
      'bad.http': `POST ${server.url}/login\n\n{"a": 1}\n\n{{\n  const fs = require('fs')\n}}\n`,
    })
    const result = await runCli(['run', 'hy.http', '-e', '$', '-r'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ auth: 'Bearer tok-9', id: '5' })
    expect(JSON.parse(server.calls[0]!.body.toString())).toEqual({ user: 'ada' }) // the block is not body
    const js = await runCli(['test', 'js.http'], { cwd: dir })
    expect(js.exitCode, js.stderr).toBe(0)
    expect(server.calls.at(-1)!.path).toBe('/me?id=206')
    expect(js.stderr).toContain('1/1 assertions')
    const bad = await runCli(['run', 'bad.http'], { cwd: dir })
    expect(bad.exitCode).toBe(3)
    expect(bad.stderr).toContain("'require' is not defined")
    expect(bad.stderr).toContain('--> bad.http:6:14')
  })
})
