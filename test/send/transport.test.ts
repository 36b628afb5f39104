// The ways of reaching a server, each against a real peer of the test's own: TLS with the test CA
// and a client certificate, a unix domain socket, HTTP/2 over TLS (ALPN) and h2c, --resolve and
// --connect-to, and a response head larger than undici's default limit.
import { readFileSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import { createSecureServer, createServer as createH2cServer } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const tls = join(import.meta.dirname, '..', 'fixtures', 'tls')
const pem = (name: string) => readFileSync(join(tls, name))
const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

type Server = {
  close: () => void
  listen: (...args: any[]) => unknown
  address: () => AddressInfo | string | null
  closeAllConnections?: () => void
}

async function listen<T extends Server>(server: T, at: number | string = 0): Promise<T> {
  await new Promise<void>((resolve) =>
    typeof at === 'string' ? server.listen(at, resolve) : server.listen(at, '127.0.0.1', resolve),
  )
  closers.push(() => {
    server.closeAllConnections?.()
    server.close()
  })
  return server
}

const port = (server: Server) => (server.address() as AddressInfo).port
const hello = (req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify({ host: req.headers.host ?? req.headers[':authority'], version: req.httpVersion }))
}

function dirWith(request: string): string {
  const dir = tempDir('transport')
  writeFileSync(join(dir, 'r.http'), request)
  return dir
}

describe('TLS', () => {
  it('trusts a private CA with --cacert or SSL_CERT_FILE, and says which flag fixes an untrusted one', async () => {
    const server = await listen(createHttpsServer({ key: pem('server.key'), cert: pem('server.crt') }, hello))
    const dir = dirWith(`GET https://127.0.0.1:${port(server)}/\n`)
    const untrusted = await runCli(['run', 'r.http'], { cwd: dir })
    expect(untrusted.exitCode).toBe(3)
    expect(untrusted.stderr).toContain('is not signed by a CA this run trusts')
    expect(untrusted.stderr).toContain('--cacert FILE')
    expect((await runCli(['run', 'r.http', '--cacert', join(tls, 'ca.crt')], { cwd: dir })).exitCode).toBe(0)
    expect((await runCli(['run', 'r.http'], { cwd: dir, env: { SSL_CERT_FILE: join(tls, 'ca.crt') } })).exitCode).toBe(
      0,
    )
    expect((await runCli(['run', 'r.http', '--cacert', 'nope.pem'], { cwd: dir })).exitCode).toBe(1)
  })

  it('presents a client certificate with --cert and --key (and --pass for an encrypted key)', async () => {
    const server = await listen(
      createHttpsServer(
        {
          key: pem('server.key'),
          cert: pem('server.crt'),
          ca: pem('ca.crt'),
          requestCert: true,
          rejectUnauthorized: true,
        },
        hello,
      ),
    )
    const dir = dirWith(`GET https://127.0.0.1:${port(server)}/\n`)
    const ca = ['--cacert', join(tls, 'ca.crt')]
    const without = await runCli(['run', 'r.http', ...ca], { cwd: dir })
    expect(without.exitCode).toBe(3)
    expect(without.stderr).toMatch(/client certificate.*--cert FILE/)
    const withCert = await runCli(
      ['run', 'r.http', ...ca, '--cert', join(tls, 'client.crt'), '--key', join(tls, 'client.key')],
      { cwd: dir },
    )
    expect(withCert.exitCode, withCert.stderr).toBe(0)
    const encrypted = ['--cert', join(tls, 'client.crt'), '--key', join(tls, 'client-encrypted.key')]
    expect((await runCli(['run', 'r.http', ...ca, ...encrypted, '--pass', 'test-pass'], { cwd: dir })).exitCode).toBe(0)
    const wrong = await runCli(['run', 'r.http', ...ca, ...encrypted, '--pass', 'wrong-pass', '-v'], { cwd: dir })
    expect(wrong.exitCode).toBe(3)
    expect(wrong.stderr).toContain('check --pass')
    expect(wrong.stderr).not.toContain('wrong-pass')
  })
})

describe('JetBrains SSLConfiguration', () => {
  it('takes the client certificate and host verification from the environment in use', async () => {
    const server = await listen(
      createHttpsServer(
        {
          key: pem('server.key'),
          cert: pem('server.crt'),
          ca: pem('ca.crt'),
          requestCert: true,
          rejectUnauthorized: true,
        },
        hello,
      ),
    )
    const dir = dirWith(`GET https://127.0.0.1:${port(server)}/\n`)
    writeFileSync(join(dir, 'http-client.env.json'), JSON.stringify({ dev: {} }))
    writeFileSync(
      join(dir, 'http-client.private.env.json'),
      JSON.stringify({
        dev: {
          SSLConfiguration: {
            clientCertificate: join(tls, 'client.crt'),
            clientCertificateKey: { path: join(tls, 'client.key') },
            verifyHostCertificate: false,
          },
        },
      }),
    )
    const result = await runCli(['run', 'r.http', '--env', 'dev'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(
      (await runCli(['run', 'r.http', '--env', 'dev', '--cacert', join(tls, 'ca.crt')], { cwd: dir })).exitCode,
    ).toBe(0)
    writeFileSync(
      join(dir, 'http-client.private.env.json'),
      JSON.stringify({ dev: { SSLConfiguration: { clientCertificate: 'missing.pem' } } }),
    )
    expect((await runCli(['run', 'r.http', '--env', 'dev'], { cwd: dir })).exitCode).toBe(2)
  })
})

describe('sockets and addresses', () => {
  it('connects through a unix domain socket with --unix-socket or # @unix-socket', async () => {
    const dir = tempDir('socket')
    const socket = join(dir, 'api.sock')
    await listen(createServer(hello), socket)
    writeFileSync(join(dir, 'flag.http'), 'GET http://localhost/v1/models\n')
    writeFileSync(join(dir, 'directive.http'), `# @unix-socket ${socket}\nGET http://docker/info\n`)
    const flag = await runCli(['run', 'flag.http', '--unix-socket', socket], { cwd: dir })
    expect(flag.exitCode, flag.stderr).toBe(0)
    expect(JSON.parse(flag.stdout).host).toBe('localhost')
    const directive = await runCli(['run', 'directive.http'], { cwd: dir })
    expect(directive.exitCode, directive.stderr).toBe(0)
    expect(JSON.parse(directive.stdout).host).toBe('docker')
  })

  it("aims a request elsewhere with --resolve and --connect-to, keeping the URL's host", async () => {
    const server = await listen(createServer(hello))
    const dir = dirWith(`GET http://api.example.test:${port(server)}/x\n`)
    const resolved = await runCli(['run', 'r.http', '--resolve', `api.example.test:${port(server)}:127.0.0.1`], {
      cwd: dir,
    })
    expect(resolved.exitCode, resolved.stderr).toBe(0)
    expect(JSON.parse(resolved.stdout).host).toBe(`api.example.test:${port(server)}`)
    writeFileSync(join(dir, 'r.http'), 'GET http://api.example.test:1234/x\n')
    const moved = await runCli(['run', 'r.http', '--connect-to', `api.example.test:1234:127.0.0.1:${port(server)}`], {
      cwd: dir,
    })
    expect(moved.exitCode, moved.stderr).toBe(0)
    expect((await runCli(['run', 'r.http', '--resolve', 'nonsense'], { cwd: dir })).exitCode).toBe(1)
  })

  it('accepts a 20 kB response header by default, and --max-header-size lowers the limit', async () => {
    const server = await listen(
      createServer((_req, res) => {
        res.setHeader('Set-Cookie', `big=${'x'.repeat(20_000)}`)
        res.end('{}')
      }),
    )
    const dir = dirWith(`GET http://127.0.0.1:${port(server)}/\n`)
    expect((await runCli(['run', 'r.http'], { cwd: dir })).exitCode).toBe(0)
    const limited = await runCli(['run', 'r.http', '--max-header-size', '8k'], { cwd: dir })
    expect(limited.exitCode).toBe(3)
    expect(limited.stderr).toContain('larger than --max-header-size')
  })
})

describe('HTTP/2', () => {
  it('negotiates h2 over TLS for an HTTP/2 request line or --http2', async () => {
    const server = await listen(
      createSecureServer({ key: pem('server.key'), cert: pem('server.crt'), allowHTTP1: false }, hello as never),
    )
    const dir = dirWith(`GET https://127.0.0.1:${port(server)}/ HTTP/2\n`)
    const result = await runCli(['run', 'r.http', '--cacert', join(tls, 'ca.crt')], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).version).toBe('2.0')
    expect(result.stderr).toContain('200 (HTTP/2)')
    writeFileSync(join(dir, 'plain.http'), `GET https://127.0.0.1:${port(server)}/\n`)
    expect(
      (await runCli(['run', 'plain.http', '--http2', '--cacert', join(tls, 'ca.crt')], { cwd: dir })).exitCode,
    ).toBe(0)
    expect((await runCli(['run', 'plain.http', '--cacert', join(tls, 'ca.crt')], { cwd: dir })).exitCode).toBe(3) // an h2-only server refuses HTTP/1.1
  })

  it('streams an SSE reply over h2, assembled as over HTTP/1.1, and reports the protocol', async () => {
    const server = await listen(
      createSecureServer({ key: pem('server.key'), cert: pem('server.crt'), allowHTTP1: false }, ((
        _req: IncomingMessage,
        res: ServerResponse,
      ) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        for (const word of ['Par', 'is'])
          res.write(
            `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${word}"}}]}\n\n`,
          )
        res.end('data: [DONE]\n\n')
      }) as never),
    )
    const dir = dirWith(
      `POST https://127.0.0.1:${port(server)}/v1/chat/completions HTTP/2\nContent-Type: application/json\n\n{"stream": true}\n`,
    )
    const result = await runCli(['run', 'r.http', '--cacert', join(tls, 'ca.crt'), '--report', 'json=r.json'], {
      cwd: dir,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).choices[0].message.content).toBe('Paris')
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).steps[0].response.httpVersion).toBe('2')
  })

  it('speaks h2c with --http2-prior-knowledge', async () => {
    const server = await listen(createH2cServer(hello as never))
    const dir = dirWith(`GET http://127.0.0.1:${port(server)}/\n`)
    const result = await runCli(['run', 'r.http', '--http2-prior-knowledge'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).version).toBe('2.0')
    expect(result.stderr).toContain('(HTTP/2)')
  })
})
