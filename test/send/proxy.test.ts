// Proxies as curl uses them, through a real forwarding proxy on loopback: the environment
// (http_proxy, HTTPS_PROXY, ALL_PROXY), --proxy, NO_PROXY and --noproxy by curl's rules, proxy
// credentials (secret), -v saying so, and errors that name the proxy.
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bypasses } from '../../src/send/proxy.js'
import { type TestProxy, startProxy } from '../helpers/proxy.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const tls = join(import.meta.dirname, '..', 'fixtures', 'tls')
const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function target(): Promise<string> {
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ via: req.headers['x-forwarded-for'] ?? null, path: req.url }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function proxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const started = await startProxy(options)
  closers.push(started.close)
  return started
}

function dirWith(request: string): string {
  const dir = tempDir('proxy')
  writeFileSync(join(dir, 'r.http'), request)
  return dir
}

describe('proxies', () => {
  it('sends http:// through http_proxy and https:// through HTTPS_PROXY (CONNECT), as curl does', async () => {
    const p = await proxy()
    const plain = await target()
    const secure = createHttpsServer(
      { key: readFileSync(join(tls, 'server.key')), cert: readFileSync(join(tls, 'server.crt')) },
      (_req, res) => res.end('{"secure":true}'),
    )
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve))
    closers.push(() => {
      secure.closeAllConnections()
      secure.close()
    })
    const securePort = (secure.address() as AddressInfo).port
    const dir = dirWith(`GET ${plain}/a\n\n###\nGET https://127.0.0.1:${securePort}/b\n`)
    const result = await runCli(['run', 'r.http', '--cacert', join(tls, 'ca.crt')], {
      cwd: dir,
      env: { http_proxy: p.url, HTTPS_PROXY: p.url },
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(p.calls.map((c) => c.method)).toEqual(['GET', 'CONNECT'])
    expect(p.calls[0]!.target).toBe(`${plain}/a`)
    expect(p.calls[1]!.target).toBe(`127.0.0.1:${securePort}`)
    // An upper-case HTTP_PROXY is not read for http:// (as curl: a CGI request's Proxy header can set it).
    const ignored = await runCli(['run', 'r.http', '--cacert', join(tls, 'ca.crt')], {
      cwd: dir,
      env: { HTTP_PROXY: p.url },
    })
    expect(ignored.exitCode).toBe(0)
    expect(p.calls).toHaveLength(2)
  })

  it('takes --proxy over the environment, and bypasses hosts in NO_PROXY or --noproxy', async () => {
    const p = await proxy()
    const other = await proxy()
    const plain = await target()
    const dir = dirWith(`GET ${plain}/x\n`)
    expect(
      (await runCli(['run', 'r.http', '--proxy', p.url], { cwd: dir, env: { http_proxy: other.url } })).exitCode,
    ).toBe(0)
    expect([p.calls.length, other.calls.length]).toEqual([1, 0])
    expect(
      (await runCli(['run', 'r.http'], { cwd: dir, env: { http_proxy: p.url, NO_PROXY: 'example.com,127.0.0.0/8' } }))
        .exitCode,
    ).toBe(0)
    expect((await runCli(['run', 'r.http', '--proxy', p.url, '--noproxy', '*'], { cwd: dir })).exitCode).toBe(0)
    expect(p.calls).toHaveLength(1)
    expect(
      (
        await runCli(['run', 'r.http', '--noproxy', ''], {
          cwd: dir,
          env: { http_proxy: p.url, no_proxy: '127.0.0.1' },
        })
      ).exitCode,
    ).toBe(0)
    expect(p.calls).toHaveLength(2)
  })

  it("matches NO_PROXY entries by curl's rules", () => {
    expect(bypasses('api.example.com', 'example.com')).toBe(true)
    expect(bypasses('example.com', '.example.com')).toBe(true)
    expect(bypasses('notexample.com', 'example.com')).toBe(false)
    expect(bypasses('example.com.evil', 'example.com')).toBe(false)
    expect(bypasses('anything', ' * ')).toBe(true)
    expect(bypasses('10.1.2.3', '10.0.0.0/8')).toBe(true)
    expect(bypasses('11.1.2.3', '10.0.0.0/8')).toBe(false)
    expect(bypasses('::1', '::1')).toBe(true)
    expect(bypasses('127.0.0.1', '0.0.1')).toBe(false) // a name entry never matches an address
    expect(bypasses('api.example.com', '')).toBe(false)
  })

  it('sends the proxy credentials written in its URL, and masks them', async () => {
    const p = await proxy({ credentials: 'ada:pr0xy-s3cret' })
    const plain = await target()
    const dir = dirWith(`GET ${plain}/x\n`)
    const refused = await runCli(['run', 'r.http', '--proxy', p.url], { cwd: dir })
    expect(refused.exitCode, refused.stderr).toBe(3)
    expect(refused.stderr).toContain(`The proxy ${p.url} refused the request (HTTP 407)`)
    expect(refused.stderr).toContain('give them in its URL')
    const proxied = p.url.replace('http://', 'http://ada:pr0xy-s3cret@')
    const result = await runCli(['run', 'r.http', '-v', '--proxy', proxied], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(p.calls.at(-1)!.proxyAuthorization).toBe(`Basic ${Buffer.from('ada:pr0xy-s3cret').toString('base64')}`)
    expect(result.stderr).toContain('* via proxy http://ada:********@127.0.0.1:')
    expect(result.stderr).not.toContain('pr0xy-s3cret')
  })

  it('names the proxy when it cannot be reached', async () => {
    const plain = await target()
    const dir = dirWith(`GET ${plain}/x\n`)
    const result = await runCli(['run', 'r.http', '--proxy', 'http://127.0.0.1:9'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Cannot connect to the proxy http://127.0.0.1:9')
  })
})
