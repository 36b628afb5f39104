// Hurl's queries, filters and predicates, each written in test/fixtures/hurl-checks/checks.http
// beside its Hurl equivalent, run end to end against a loopback server that answers JSON, XML,
// HTML, cookies and redirects; and what a filter or predicate does when it cannot apply.
import { X509Certificate } from 'node:crypto'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'
import { TEST_CA, startTlsServer } from '../helpers/raw-server.js'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'hurl-checks', 'checks.http')
const DAY = 86_400_000

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function hurlServer(): Promise<TestServer> {
  const redirect = (to: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(302, { Location: to })
    res.end()
  }
  return startServer({
    'GET /json': (_req, res) =>
      json(res, {
        items: [
          { id: 1, name: 'apple' },
          { id: 2, name: 'pear' },
          { id: 3, name: 'plum' },
        ],
        tags: 'a,b,c',
        version: '1.2.3',
        content: '{"city": "Paris", "country": "France"}',
        count: '42',
        price: 9.5,
        n: 7,
        name: 'Mango',
        fixed: '2026-12-07T10:00:00Z',
        created: new Date(Date.now() - DAY).toISOString().replace(/\.\d+Z$/, '+00:00'),
        expires: new Date(Date.now() + 400 * DAY).toISOString().slice(0, 10),
        encoded: Buffer.from('héllo').toString('base64'),
        query: 'a b&c',
        encodedQuery: 'a%20b%26c',
        link: 'https://shop.example/list?page=2&size=10',
        html: '<b>',
        escaped: '&lt;i&gt;&amp;',
        ok: true,
        nothing: '',
        id: '3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b',
        v4: '192.168.1.20',
        v6: '2001:db8::8a2e:370:7334',
      }),
    'GET /xml': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' })
      res.end(
        '<?xml version="1.0"?><catalog><book id="1"><title>Solaris</title></book><book id="2"><title>Dune</title></book></catalog>',
      )
    },
    'GET /html': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(
        '<!DOCTYPE html><html><head><title>Shop &amp; more</title></head><body><ul><li>one<li>two</ul><p>a<br>b</p><a href="/next?page=2">next</a></body></html>',
      )
    },
    'GET /start': redirect('/middle'),
    'GET /middle': redirect('/final'),
    'GET /final': (_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Set-Cookie':
          'session=abc; Max-Age=3600; Path=/; HttpOnly; Expires=Tue, 01 Jan 2030 00:00:00 GMT; SameSite=Lax',
      })
      res.end('hello')
    },
  })
}

describe("Hurl's checks", () => {
  it('runs every query, filter and predicate of the fixture against a loopback server', async () => {
    server = await hurlServer()
    const dir = tempDir('hurl')
    copyFileSync(FIXTURE, join(dir, 'checks.http'))
    const result = await runCli(['test', 'checks.http', '--var', `base=${server.url}`, '--report', 'json=r.json'], {
      cwd: dir,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/4 passed, 0 failed/)
  })

  it('fails an assertion whose filter cannot apply, says why, and refuses an unknown filter or predicate at load', async () => {
    server = await hurlServer()
    const dir = tempDir('hurl')
    writeFileSync(
      join(dir, 'bad.http'),
      [
        '# @assert $.name | count == 1',
        '# @assert $.items | nth 5 == 1',
        '# @assert $.name | toInt == 1',
        '# @assert $.count | toInt isFloat',
        '# @assert xpath "//a" exists',
        'GET {{base}}/json',
        '',
      ].join('\n'),
    )
    const failed = await runCli(['test', 'bad.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(failed.exitCode).toBe(4)
    expect(failed.stderr).toContain('`count` needs a collection (an array or an object), got "Mango"')
    expect(failed.stderr).toContain("`nth` 5 is past the array's 3 items")
    expect(failed.stderr).toContain('`toInt` needs an integer or text of one, got "Mango"')
    expect(failed.stderr).toContain('`$.count | toInt` isFloat')
    expect(failed.stderr).toMatch(/the body is not XML/)
    expect(failed.stderr).toContain('0 passed, 1 failed')
    writeFileSync(join(dir, 'typo.http'), '# @assert $.items | cuont == 3\nGET {{base}}/json\n')
    const typo = await runCli(['test', 'typo.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toContain('typo.http:1:')
    expect(typo.stderr).toContain('Unknown filter `cuont`')
    expect(typo.stderr).toContain('did you mean `count`?')
    writeFileSync(join(dir, 'args.http'), '# @assert $.items | nth first == 3\nGET {{base}}/json\n')
    const args = await runCli(['test', 'args.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(args.exitCode).toBe(2)
    expect(args.stderr).toContain('`nth` needs a whole number, got `first`')
    writeFileSync(join(dir, 'path.http'), '# @assert $.content | jsonpath "$.[" == 1\nGET {{base}}/json\n')
    const path = await runCli(['test', 'path.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(path.exitCode).toBe(2)
    expect(path.stderr).toContain('Invalid JSONPath `$.[`')
    expect(server.calls).toHaveLength(1)
  })

  it('filters --extract values and captures the same way', async () => {
    server = await hurlServer()
    const dir = tempDir('hurl')
    writeFileSync(join(dir, 'x.http'), 'GET {{base}}/json\n')
    const extracted = await runCli(
      ['run', 'x.http', '--var', `base=${server.url}`, '-e', '$.content | jsonpath "$.city"', '-r'],
      { cwd: dir },
    )
    expect(extracted.stdout).toBe('Paris\n')
    const counted = await runCli(['run', 'x.http', '--var', `base=${server.url}`, '-e', '$.items | count'], {
      cwd: dir,
    })
    expect(counted.stdout).toBe('3\n')
    writeFileSync(join(dir, 'xml.http'), 'GET {{base}}/xml\n')
    const xml = await runCli(
      ['run', 'xml.http', '--var', `base=${server.url}`, '-e', 'xpath "string(//book[2]/title)"', '-r'],
      { cwd: dir },
    )
    expect(xml.stdout, xml.stderr).toBe('Dune\n')
  })

  it("reads the server's TLS certificate: subject, issuer, dates and serial, over a real TLS connection", async () => {
    const tls = await startTlsServer((_req, res) => res.end('ok'))
    try {
      const dir = tempDir('hurl')
      writeFileSync(
        join(dir, 'cert.http'),
        [
          '# Hurl: certificate "Subject" == "CN=127.0.0.1"',
          '# @assert certificate "Subject" == "CN=127.0.0.1"',
          '# @assert certificate "Issuer" == "CN=reqchain test CA"',
          '# Hurl: certificate "Expire-Date" daysAfterNow > 15',
          '# @assert certificate "Expire-Date" | daysAfterNow > 15',
          '# @assert certificate "Start-Date" | daysBeforeNow >= 0',
          '# @assert certificate "Serial-Number" matches "^([0-9a-f]{2}:)+[0-9a-f]{2}$"',
          `GET ${tls.url}/`,
          '',
        ].join('\n'),
      )
      const result = await runCli(['test', 'cert.http', '--cacert', TEST_CA], { cwd: dir })
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stderr).toContain('5/5 assertions')
      const serial = await runCli(
        ['run', 'cert.http', '--cacert', TEST_CA, '-e', 'certificate "Serial-Number"', '-r'],
        { cwd: dir },
      )
      const expected = new X509Certificate(readFileSync(join(TEST_CA, '..', 'server.crt'))).serialNumber
      expect(serial.stdout.trim().replace(/:/g, '')).toBe(expected.toLowerCase())
    } finally {
      await tls.close()
    }
  })
})
