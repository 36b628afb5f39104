// curl import, proved against real curl: each command is sent once by curl itself and once by
// reqchain from the imported .http file (with the credentials it lifted put in .env), and the
// loopback server must see the same method, URL, body and headers from both.
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
  const answer = (_req: unknown, res: import('node:http').ServerResponse) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"ok":true}') }
  server = await startServer({ 'POST /v1/chat': answer, 'GET /search': answer, 'PUT /items/7': answer, 'HEAD /h': answer, 'GET /who': answer, 'POST /form': answer })
})
afterAll(() => server.close())

const COMPARED = ['authorization', 'content-type', 'user-agent', 'referer', 'cookie', 'x-api-key', 'x-trace']
// A JSON body is compared as JSON: the import pretty-prints it. Each client's default User-Agent
// is its own; one the command sets (-A) is compared.
const bodyOf = (call: RecordedCall) => { const text = call.body.toString('utf8'); try { return JSON.parse(text) as unknown } catch { return text } }
const seen = (call: RecordedCall) => ({
  method: call.method, path: call.path, body: bodyOf(call),
  headers: Object.fromEntries(COMPARED.filter((h) => call.headers[h] !== undefined && !/^(curl|reqchain)\//.test(String(call.headers[h]))).map((h) => [h, call.headers[h]])),
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
  writeFileSync(join(dir, '.env'), [...imported.stderr.matchAll(/^ {2}(\w+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`).join('\n'))
  const result = await runCli(['run', 'imported.http', '-q'], { cwd: dir, env })
  expect(result.exitCode, `${imported.stdout}\n${result.stderr}`).toBe(0)
  const byReqchain = seen(server.calls[before + 1]!)
  if (accept) expect(server.calls[before + 1]!.headers['accept']).toBe(server.calls[before]!.headers['accept'])
  expect(byReqchain).toEqual(byCurl)
  return { http: imported.stdout, stderr: imported.stderr }
}

describe('reqchain import curl', () => {
  it('a chat request with a $VAR key, a literal API key and a quoted JSON body, piped to jq', async () => {
    const { http, stderr } = await sameAsCurl(`curl -s -X POST 'BASE/v1/chat' \\
  -H "Authorization: Bearer $OPENAI_API_KEY" -H 'x-api-key: live-secret-99' -H 'Content-Type: application/json' \\
  -d '{"model": "m", "messages": [{"role": "user", "content": "it'\\''s a \\"test\\""}]}' | cat`, { OPENAI_API_KEY: 'sk-env-1' })
    expect(http).toContain('Authorization: Bearer {{$processEnv OPENAI_API_KEY}}')
    expect(http).toContain('x-api-key: {{apiKey}}')
    expect(http).not.toContain('live-secret-99')
    expect(http).toContain('  "model": "m",') // pretty-printed
    expect(stderr).toContain('apiKey=live-secret-99')
  })

  it('-G with -d and --data-urlencode, -A, -e and -b', async () => {
    await sameAsCurl(`curl -sG BASE/search -d q=1 --data-urlencode 'w=a b&c' -A 'bug/1.0' -e https://ref.test/ -b 'sid=9; theme=dark'`)
  })

  it('-u user:password, -XPUT with --data-binary @file, a header given attached (-HX-Trace:1)', async () => {
    const { http } = await sameAsCurl(`curl -sS -u 'ada:pa ss' -XPUT -HX-Trace:1 -H 'Content-Type: application/json' --data-binary @body.json BASE/items/7`)
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
    expect((await runCli(['import', 'curl', 'curl -sL http://x.test/'], { cwd: '.' })).stdout).not.toContain('@no-redirect')
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
    const piped = await runCli(['import', 'curl', '-'], { cwd: '.', stdin: 'curl https://x.test/v1/models -H "Authorization: Bearer abc"\n' })
    expect(piped.stdout).toBe('# Imported from curl.\n# @no-redirect\nGET https://x.test/v1/models\nAuthorization: Bearer {{token}}\n')
    expect(piped.stderr).toContain('  token=…\n')
  })
})
