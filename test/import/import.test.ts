// Imports. curl, proved against real curl: each command is sent once by curl itself and once by
// reqchain from the imported .http file (with the credentials it lifted put in .env), and the
// loopback server must see the same method, URL, body and headers from both. HAR: a session as a
// browser saves it, imported and sent, must reach the server as it was recorded.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type RecordedCall, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
let server: TestServer
beforeAll(async () => {
  const answer = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{"ok":true}')
  }
  server = await startServer({
    'POST /v1/chat': answer,
    'GET /search': answer,
    'PUT /items/7': answer,
    'HEAD /h': answer,
    'GET /who': answer,
    'POST /form': answer,
  })
})
afterAll(() => server.close())

const COMPARED = ['authorization', 'content-type', 'user-agent', 'referer', 'cookie', 'x-api-key', 'x-trace']
// A JSON body is compared as JSON: the import pretty-prints it. Each client's default User-Agent
// is its own; one the command sets (-A) is compared.
const bodyOf = (call: RecordedCall) => {
  const text = call.body.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
const seen = (call: RecordedCall) => ({
  method: call.method,
  path: call.path,
  body: bodyOf(call),
  headers: Object.fromEntries(
    COMPARED.filter((h) => call.headers[h] !== undefined && !/^(curl|reqchain)\//.test(String(call.headers[h]))).map(
      (h) => [h, call.headers[h]],
    ),
  ),
})

async function sameAsCurl(command: string, env: Record<string, string> = {}, accept = false) {
  const dir = tempDir('import')
  writeFileSync(join(dir, 'body.json'), '{"name": "seven",\n "n": 7}\n')
  const shown = command.replaceAll('BASE', server.url)
  const before = server.calls.length
  await run('sh', ['-c', shown], { cwd: dir, env: { ...process.env, ...env } })
  const byCurl = seen(server.calls[before]!)
  const imported = await runCli(['import', 'curl', shown, '--show-secrets'], { cwd: dir })
  expect(imported.exitCode, imported.stderr).toBe(0)
  writeFileSync(join(dir, 'imported.http'), imported.stdout)
  writeFileSync(
    join(dir, '.env'),
    [...imported.stderr.matchAll(/^ {2}(\w+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`).join('\n'),
  )
  const result = await runCli(['run', 'imported.http', '-q'], { cwd: dir, env })
  expect(result.exitCode, `${imported.stdout}\n${result.stderr}`).toBe(0)
  const byReqchain = seen(server.calls[before + 1]!)
  if (accept) expect(server.calls[before + 1]!.headers['accept']).toBe(server.calls[before]!.headers['accept'])
  expect(byReqchain).toEqual(byCurl)
  return { http: imported.stdout, stderr: imported.stderr }
}

describe('reqchain import curl', () => {
  it('a chat request with a $VAR key, a literal API key and a quoted JSON body, piped to jq', async () => {
    const { http, stderr } = await sameAsCurl(
      `curl -s -X POST 'BASE/v1/chat' \\
  -H "Authorization: Bearer $OPENAI_API_KEY" -H 'x-api-key: live-secret-99' -H 'Content-Type: application/json' \\
  -d '{"model": "m", "messages": [{"role": "user", "content": "it'\\''s a \\"test\\""}]}' | cat`,
      { OPENAI_API_KEY: 'sk-env-1' },
    )
    expect(http).toContain('Authorization: Bearer {{$processEnv OPENAI_API_KEY}}')
    expect(http).toContain('x-api-key: {{apiKey}}')
    expect(http).not.toContain('live-secret-99')
    expect(http).toContain('  "model": "m",') // pretty-printed
    expect(stderr).toContain('apiKey=live-secret-99')
  })

  it('-G with -d and --data-urlencode, -A, -e and -b', async () => {
    await sameAsCurl(
      `curl -sG BASE/search -d q=1 --data-urlencode 'w=a b&c' -A 'bug/1.0' -e https://ref.test/ -b 'sid=9; theme=dark'`,
    )
  })

  it('-u user:password, -XPUT with --data-binary @file, a header given attached (-HX-Trace:1)', async () => {
    const { http } = await sameAsCurl(
      `curl -sS -u 'ada:pa ss' -XPUT -HX-Trace:1 -H 'Content-Type: application/json' --data-binary @body.json BASE/items/7`,
    )
    expect(http).toContain('Authorization: Basic {{basicAuth}}')
    expect(http).toContain('< ./body.json')
  })

  it('--json, several -d joined with & and the form type curl adds, -I', async () => {
    await sameAsCurl(`curl --json '{"a": [1, 2]}' BASE/v1/chat`, {}, true)
    await sameAsCurl(`curl -d a=1 -d 'b=two
lines' BASE/form`)
    await sameAsCurl(`curl -sI BASE/h`)
  })

  it('follows redirects only with -L, and refuses what it cannot import with a clear message', async () => {
    expect((await runCli(['import', 'curl', 'curl -sL http://x.test/'], { cwd: '.' })).stdout).not.toContain(
      '@no-redirect',
    )
    expect((await runCli(['import', 'curl', 'curl http://x.test/'], { cwd: '.' })).stdout).toContain('# @no-redirect\n')
    for (const [command, message] of [
      ['curl -F a=1 http://x.test/', 'curl -F (multipart forms) is not imported yet'],
      ['curl --proxy-anyauth http://x.test/', 'curl option --proxy-anyauth is not imported'],
      ['wget http://x.test/', 'This is not a curl command'],
      ['curl -H', 'curl option -H needs a value'],
      ['curl -s', 'The curl command names no URL'],
    ]) {
      const result = await runCli(['import', 'curl', command!], { cwd: '.' })
      expect(result.exitCode, command).toBe(1)
      expect(result.stderr).toContain(message)
    }
    // A browser's "Copy as cURL": $'…' strings, --compressed with the browser's own Accept-Encoding.
    const browser = await runCli(
      [
        'import',
        'curl',
        `curl 'https://x.test/api' -H 'accept-encoding: gzip, deflate, br, zstd' -H 'x-a: 1' --data-raw $'{"q":"it\\'s\\nhere"}' --compressed`,
      ],
      { cwd: '.' },
    )
    expect(browser.exitCode, browser.stderr).toBe(0)
    expect(browser.stdout).not.toMatch(/accept-encoding/i)
    expect(browser.stdout).toContain('x-a: 1\nContent-Type: application/x-www-form-urlencoded\n\n{"q":"it\'s\nhere"}\n')
    const piped = await runCli(['import', 'curl', '-'], {
      cwd: '.',
      stdin: 'curl https://x.test/v1/models -H "Authorization: Bearer abc"\n',
    })
    expect(piped.stdout).toBe(
      '# Imported from curl.\n# @no-redirect\nGET https://x.test/v1/models\nAuthorization: Bearer {{token}}\n',
    )
    expect(piped.stderr).toContain('  token=…\n')
    // With no command at all, a piped standard input is the command; a terminal is not read.
    const unasked = await runCli(['import', 'curl'], { cwd: '.', stdin: 'curl https://x.test/v1/models\n' })
    expect(unasked.exitCode, unasked.stderr).toBe(0)
    expect(unasked.stdout).toContain('GET https://x.test/v1/models\n')
    const none = await runCli(['import', 'curl'], { cwd: '.' })
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toContain('import curl needs the curl command')
  })
})

describe('reqchain import har', () => {
  // As Chrome's network panel saves it: HTTP/2 pseudo-headers, browser-added headers, page assets.
  const har = (base: string) =>
    JSON.stringify(
      {
        log: {
          version: '1.2',
          creator: { name: 'WebInspector', version: '537.36' },
          entries: [
            {
              _resourceType: 'document',
              request: {
                method: 'GET',
                url: `${base}/who?key=AIza-secret&lang=en`,
                httpVersion: 'http/2.0',
                headers: [
                  { name: ':authority', value: 'x' },
                  { name: ':method', value: 'GET' },
                  { name: 'accept-encoding', value: 'gzip, br, zstd' },
                  { name: 'x-trace', value: 't1' },
                  { name: 'cookie', value: 'sid=abc; theme=dark' },
                ],
                queryString: [],
              },
            },
            { _resourceType: 'image', request: { method: 'GET', url: `${base}/logo.png`, headers: [] } },
            {
              _resourceType: 'fetch',
              request: {
                method: 'POST',
                url: `${base}/v1/chat`,
                headers: [
                  { name: 'Authorization', value: 'Bearer sk-har-1' },
                  { name: 'Content-Type', value: 'application/json' },
                  { name: 'Content-Length', value: '27' },
                ],
                postData: { mimeType: 'application/json', text: '{"messages":[{"role":"user","content":"hi"}]}' },
              },
            },
            {
              _resourceType: 'xhr',
              request: {
                method: 'POST',
                url: `${base}/form`,
                headers: [
                  { name: 'Content-Type', value: 'application/x-www-form-urlencoded' },
                  { name: 'Authorization', value: 'Bearer sk-har-1' },
                ],
                postData: {
                  mimeType: 'application/x-www-form-urlencoded',
                  params: [
                    { name: 'a', value: '1 2' },
                    { name: 'b', value: 'x&y' },
                  ],
                },
              },
            },
          ],
        },
      },
      null,
      2,
    )

  it('turns the API requests of a browser session into .http, and they reach the server as recorded', async () => {
    const dir = tempDir('import-har')
    writeFileSync(join(dir, 'session.har'), har(server.url))
    const imported = await runCli(['import', 'har', 'session.har', '--show-secrets'], { cwd: dir })
    expect(imported.exitCode, imported.stderr).toBe(0)
    expect(imported.stderr).toContain('3 requests imported; 1 that load page assets skipped (--all keeps them)')
    const http = imported.stdout
    for (const secret of ['AIza-secret', 'sk-har-1', 'sid=abc']) expect(http).not.toContain(secret)
    expect(http).toContain(`GET ${server.url}/who?key={{apiKey}}&lang=en`)
    expect(http.match(/Authorization: Bearer \{\{token\}\}/g)).toHaveLength(2) // one value, one variable
    expect(http).not.toMatch(/^(:authority|accept-encoding|Content-Length):/im)
    writeFileSync(join(dir, 'session.http'), http)
    writeFileSync(
      join(dir, '.env'),
      [...imported.stderr.matchAll(/^ {2}(\w+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`).join('\n'),
    )
    const before = server.calls.length
    const result = await runCli(['run', 'session.http', '-q'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    const calls = server.calls.slice(before)
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /who?key=AIza-secret&lang=en',
      'POST /v1/chat',
      'POST /form',
    ])
    expect(calls[0]!.headers).toMatchObject({ 'x-trace': 't1', cookie: 'sid=abc; theme=dark' })
    expect(calls[1]!.headers['authorization']).toBe('Bearer sk-har-1')
    expect(JSON.parse(calls[1]!.body.toString())).toEqual({ messages: [{ role: 'user', content: 'hi' }] })
    expect(calls[2]!.body.toString()).toBe('a=1%202&b=x%26y')
    const everything = await runCli(['import', 'har', 'session.har', '--all'], { cwd: dir })
    expect(everything.stdout).toContain('/logo.png')
    // Named from the path; --filter keeps the requests to one API.
    expect(http).toContain('# @name who\n')
    expect(http).toContain('# @name chat\n')
    const only = await runCli(['import', 'har', 'session.har', '--filter', '/v1/'], { cwd: dir })
    expect(only.stdout.match(/^POST /gm)).toHaveLength(1)
    expect(only.stdout).toContain(`POST ${server.url}/v1/chat`)
    expect(only.stderr).toContain(
      '1 request imported; 1 that load page assets skipped (--all keeps them); 2 whose URL does not contain "/v1/" left out',
    )
  })

  it('says where a HAR file is wrong', async () => {
    const dir = tempDir('import-har')
    writeFileSync(join(dir, 'bad.har'), '{"log": {"entries": [\n  {"request": }\n]}}')
    const bad = await runCli(['import', 'har', 'bad.har'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--> bad.har:2:')
    writeFileSync(join(dir, 'not.har'), '{"hello": 1}')
    expect((await runCli(['import', 'har', 'not.har'], { cwd: dir })).stderr).toContain(
      'not.har is not a HAR file: it has no log.entries',
    )
    expect((await runCli(['import', 'har', 'missing.har'], { cwd: dir })).exitCode).toBe(2)
    expect((await runCli(['import', 'xml', 'a'], { cwd: dir })).exitCode).toBe(1)
  })
})
