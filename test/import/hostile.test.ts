// Whatever an imported curl command or HAR file holds, the .http text it becomes parses back to
// exactly the request imported: a body, header or URL holding `###`, `> {%`, `< file`, `{{`, a
// request line or a comment marker never becomes an extra request, a script or a file read.
// Proved by a property test: generated hostile commands are sent once by curl itself and once by
// reqchain from the imported file, and the loopback server must see one request, the same.
import { execFile } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'POST /p': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('ok')
    },
  })
})
afterAll(() => server.close())

/** Pieces of .http syntax, shell syntax and plain text, joined at random. */
const HOSTILE = [
  '###',
  '### x',
  '> {%',
  '%}',
  '< ',
  '<@ ',
  '< ./secret.txt',
  '{{',
  '}}',
  '{{{',
  '{{$processEnv HOME}}',
  '{{file "x"}}',
  '\\',
  '#',
  '//',
  '# @name x',
  '??',
  '?? status == 200',
  'GET http://127.0.0.1:9/',
  'POST /x',
  'HTTP/1.1 200 OK',
  '{%',
  '>>',
  '>> out',
  '$HOME',
  '$(touch PWNED)',
  '`id`',
  '"',
  "'",
  '@',
  ':',
  '&',
  '=',
  ' ',
  '\t',
  'a',
  'Z',
  '9',
  'é',
  '{',
  '}',
  '[',
  ']',
]
const hostileText = (withBreaks: boolean) =>
  fc
    .array(
      fc.constantFrom(
        ...HOSTILE,
        ...(withBreaks
          ? ['\n', '\n\n', '\n###\n', '\n> {% client.exit() %}\n', '\n< ./secret.txt\n', '\n# comment\n']
          : []),
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((parts) => parts.join(''))
/** A URL query both curl (with -g) and a WHATWG URL send as written. */
const query = fc
  .array(
    fc.constantFrom(
      'a',
      'b',
      '1',
      '{{',
      '}}',
      '{',
      '}',
      '$',
      '@',
      ':',
      '/',
      '?',
      '=',
      '&',
      '!',
      '*',
      '(',
      ')',
      '%7B',
      '\\',
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((parts) => parts.join(''))

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`

describe('import curl, whatever the command holds', () => {
  it('gives one request that sends what curl sends, or refuses with a message (property)', async () => {
    const dir = tempDir('import-hostile')
    writeFileSync(join(dir, 'secret.txt'), 'a local secret')
    let roundTrips = 0
    let refused = 0
    let sample = 0
    await fc.assert(
      fc.asyncProperty(hostileText(true), hostileText(false), query, async (body, header, q) => {
        // Header values in ASCII: a non-ASCII value goes out as UTF-8 from curl and as Latin-1 from undici.
        const value =
          header
            .replace(/[^\x20-\x7e]/g, '')
            .replace(/ +/g, ' ')
            .trim() || 'v'
        const command = `curl -s -g -X POST ${sq(`${server.url}/p?q=${q}`)} -H ${sq(`X-Test: ${value}`)} --data-raw ${sq(body)}`
        const before = server.calls.length
        await run('sh', ['-c', command], { cwd: dir })
        const byCurl = server.calls[before]!
        const imported = await runCli(['import', 'curl', command], { cwd: dir })
        if (imported.exitCode !== 0) {
          // Refusing is allowed only for what a .http file cannot hold: \{{ in a URL or header.
          expect(imported.exitCode, imported.stderr).toBe(1)
          expect(imported.stderr).toMatch(/cannot send literally/)
          expect(`${q}${value}`).toContain('\\{{')
          refused++
          return
        }
        const file = `imported-${++sample}.http`
        writeFileSync(join(dir, file), imported.stdout)
        const parsed = await runCli(['parse', file], { cwd: dir })
        expect((JSON.parse(parsed.stdout) as { requests: unknown[] }[])[0]!.requests, imported.stdout).toHaveLength(1)
        const sent = await runCli(['run', file], { cwd: dir })
        expect(sent.exitCode, `${imported.stdout}\n${sent.stderr}`).toBe(0)
        expect(server.calls.length - before, imported.stdout).toBe(2)
        const byReqchain = server.calls[before + 1]!
        expect(byReqchain.method).toBe('POST')
        expect(byReqchain.path).toBe(byCurl.path)
        expect(byReqchain.headers['x-test']).toBe(byCurl.headers['x-test'])
        expect(byReqchain.headers['content-type']).toBe(byCurl.headers['content-type'])
        expect(byReqchain.body.toString('utf8'), imported.stdout).toBe(byCurl.body.toString('utf8'))
        roundTrips++
      }),
      { numRuns: 150 },
    )
    expect(roundTrips).toBeGreaterThan(refused * 3)
    expect(readdirSync(dir)).not.toContain('PWNED')
  }, 120_000)

  it('refuses an unbalanced quote, keeps $(cmd) as text, and lifts a URL password into a variable', async () => {
    const dir = tempDir('import-hostile')
    for (const command of [`curl 'http://x.test/`, `curl "http://x.test/`, `curl http://x.test/ -d $'a\\'b`]) {
      const result = await runCli(['import', 'curl', command], { cwd: dir })
      expect(result.exitCode, command).toBe(1)
      expect(result.stderr).toMatch(/unbalanced (single|double) quote/)
    }
    const substitution = await runCli(['import', 'curl', `curl http://x.test/$(id) -d "$(cat /etc/passwd)"`], {
      cwd: dir,
    })
    expect(substitution.exitCode, substitution.stderr).toBe(0)
    expect(substitution.stdout).toContain('POST http://x.test/$(id)\n')
    expect(substitution.stdout).toContain('\n\n$(cat /etc/passwd)\n')
    const password = await runCli(['import', 'curl', 'curl https://alice:s3cr%40t@x.test/v1', '--show-secrets'], {
      cwd: dir,
    })
    expect(password.stdout).toContain('GET https://alice:{{password}}@x.test/v1\n')
    expect(password.stdout).not.toContain('s3cr')
    expect(password.stderr).toContain('password=s3cr@t')
  })
})

describe('import har, whatever the file holds', () => {
  it('writes a body the dialect cannot hold to a body file, escapes braces, and refuses a header that would split a line', async () => {
    const dir = tempDir('import-hostile')
    const entry = (request: object) => ({ request: { headers: [], ...request } })
    const har = (entries: object[]) => JSON.stringify({ log: { entries } })
    writeFileSync(
      join(dir, 'a.har'),
      har([
        entry({
          method: 'POST',
          url: `${server.url}/p?q={{x}}`,
          headers: [{ name: 'X-Test', value: 'a {{b}}' }],
          postData: {
            mimeType: 'text/plain',
            text: 'line\n###\nGET http://evil.test/\n\n< ./secret.txt\n> {% client.exit() %}',
          },
        }),
      ]),
    )
    const imported = await runCli(['import', 'har', 'a.har'], { cwd: dir })
    expect(imported.exitCode, imported.stderr).toBe(0)
    expect(imported.stderr).toMatch(/body of entry 1 .* it is in p\.body/)
    writeFileSync(join(dir, 'a.http'), imported.stdout)
    const before = server.calls.length
    expect((await runCli(['run', 'a.http'], { cwd: dir })).exitCode).toBe(0)
    expect(server.calls.length - before).toBe(1)
    const call = server.calls[before]!
    expect(call.path).toBe('/p?q={{x}}')
    expect(call.headers['x-test']).toBe('a {{b}}')
    expect(call.body.toString('utf8')).toBe('line\n###\nGET http://evil.test/\n\n< ./secret.txt\n> {% client.exit() %}')
    writeFileSync(
      join(dir, 'b.har'),
      har([entry({ method: 'GET', url: `${server.url}/p`, headers: [{ name: 'X-Test', value: 'a\r\n###' }] })]),
    )
    const split = await runCli(['import', 'har', 'b.har'], { cwd: dir })
    // The HAR file is what is wrong: a load error at the entry that holds it.
    expect(split.exitCode).toBe(2)
    expect(split.stderr).toContain('Entry 1 of b.har: The header X-Test holds a line break')
    expect(split.stderr).toMatch(/--> b\.har:1:\d+/)
    writeFileSync(join(dir, 'c.har'), har([entry({ method: 'GET', url: `${server.url}/p` }), entry({ method: '' })]))
    const method = await runCli(['import', 'har', 'c.har'], { cwd: dir })
    expect(method.exitCode).toBe(2)
    expect(method.stderr).toContain('Entry 2 of c.har')
    // Entries whose parts are not what HAR says (found by the fuzz test: a crash, exit 70).
    for (const [name, request] of [
      ['null-header', { method: 'GET', url: `${server.url}/p`, headers: [null] }],
      [
        'number-text',
        { method: 'POST', url: `${server.url}/p`, headers: [], postData: { mimeType: 'text/plain', text: 7 } },
      ],
      ['null-param', { method: 'POST', url: `${server.url}/p`, headers: [], postData: { params: [null] } }],
    ] as const) {
      writeFileSync(join(dir, `${name}.har`), har([{ request }]))
      const result = await runCli(['import', 'har', `${name}.har`], { cwd: dir })
      expect(result.stderr, name).not.toContain('crashed')
      expect(result.exitCode, name).toBe(2)
      expect(result.stderr, name).toContain(`Entry 1 of ${name}.har`)
    }
  })

  it('refuses a curl command whose URL is empty or not a URL, as curl does (exit 1)', async () => {
    const dir = tempDir('import-hostile')
    for (const command of [
      'curl --url "" -d x',
      'curl "" -d x',
      'curl "http://[::1" -d x',
      'curl http://h:99999/ -d x',
    ]) {
      const result = await runCli(['import', 'curl', command], { cwd: dir })
      expect(result.stderr, command).not.toContain('crashed')
      expect(result.exitCode, command).toBe(1)
    }
  })
})
