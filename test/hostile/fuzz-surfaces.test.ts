// The surfaces added after the request files, fuzzed the same way: an imported curl command or HAR
// file, a recording someone else made, a script, and the outputs a command line names. Whatever
// they hold, each run ends in its documented exit codes with an `error:` line — never exit 70, a
// stack trace, or a hang.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliRun, runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /json': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'sid=s1' })
      res.end(JSON.stringify({ token: 't-1', items: [1, 2, { deep: [null, true, 'x'] }] }))
    },
    'POST /echo': (req, res, body) => {
      res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'text/plain' })
      res.end(body)
    },
  })
})
afterAll(() => server.close())

/** A run that ended as documented: one of `codes`, an `error:` line when not 0, no crash, in time. */
function endedWell(result: CliRun, codes: readonly number[], what: string, started: number): void {
  expect(result.stderr, what).not.toMatch(/reqchain crashed|\n\s+at .+:\d+:\d+\)?\n/)
  expect(codes, `${what}\n${result.stderr.slice(0, 600)}`).toContain(result.exitCode)
  if (result.exitCode !== 0)
    expect(result.stderr, what).toMatch(result.exitCode === 4 ? /^assertion failed: /m : /^error: /m)
  expect(Date.now() - started, what).toBeLessThan(8000)
}

const hostileText = fc.oneof(
  fc.constantFrom(
    '###',
    '> {% client.global.set("x", 1) %}',
    '< /etc/passwd',
    '{{$processEnv HOME}}',
    '{{',
    '}}',
    '# @name x',
    'GET http://127.0.0.1:9/ HTTP/1.1',
    '$(touch pwned)',
    '`id`',
    '\\',
    "'",
    '"',
    '\n',
    '\r\n',
    '\u0000',
    '\uFEFF',
    '%}',
    '@file.bin',
    '-',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

describe('fuzzed surfaces', () => {
  it('import curl: any command ends in 0 or a usage error (1), never 70', async () => {
    const dir = tempDir('fuzz-curl')
    const flag = fc.constantFrom('-H', '-d', '--data-raw', '--data-binary', '-u', '-X', '-F', '-b', '--url', '-G', '')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(flag, fc.array(hostileText, { maxLength: 3 })), { maxLength: 6 }),
        fc.boolean(),
        async (parts, piped) => {
          const words = parts.map(([f, text]) => `${f} ${JSON.stringify(text.join(''))}`)
          const command = `curl ${JSON.stringify(`${server.url}/echo`)} ${words.join(' ')}`
          const started = Date.now()
          const result = piped
            ? await runCli(['import', 'curl'], { cwd: dir, stdin: command })
            : await runCli(['import', 'curl', command], { cwd: dir })
          endedWell(result, [0, 1], command, started)
        },
      ),
      { numRuns: 200 },
    )
  }, 90_000)

  it('import har: any JSON ends in 0 or a load error (2), never 70', async () => {
    const dir = tempDir('fuzz-har')
    const header = fc.record({ name: fc.oneof(hostileText, fc.constant('Authorization')), value: fc.jsonValue() })
    const entry = fc.record(
      {
        _resourceType: fc.constantFrom('fetch', 'xhr', 'document', 'image', 7),
        request: fc.oneof(
          fc.record(
            {
              method: fc.oneof(fc.constantFrom('GET', 'POST', 'PATCH', 'CONNECT'), hostileText, fc.jsonValue()),
              url: fc.oneof(fc.constant(`${server.url}/echo`), hostileText, fc.jsonValue()),
              headers: fc.oneof(fc.array(header, { maxLength: 4 }), fc.jsonValue()),
              queryString: fc.jsonValue(),
              postData: fc.oneof(
                fc.record({ mimeType: fc.oneof(fc.constant('application/json'), hostileText), text: hostileText }),
                fc.record({ params: fc.array(fc.record({ name: hostileText, value: hostileText }), { maxLength: 3 }) }),
                fc.jsonValue(),
              ),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    )
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(entry, { maxLength: 5 }).map((entries) => JSON.stringify({ log: { version: '1.2', entries } })),
          fc.jsonValue().map((v) => JSON.stringify({ log: v })),
          fc.string({ unit: 'binary', maxLength: 80 }),
        ),
        async (text) => {
          const file = `f${n++}.har`
          writeFileSync(join(dir, file), text)
          const started = Date.now()
          const result = await runCli(['import', 'har', file, '--all'], { cwd: dir })
          endedWell(result, [0, 2], text.slice(0, 300), started)
        },
      ),
      { numRuns: 200 },
    )
  }, 90_000)

  it('recordings: any change to a recording ends its replay in 0, 2, 3 or 4, never 70', async () => {
    const dir = tempDir('fuzz-recording')
    writeFileSync(
      join(dir, 'r.http'),
      `# @name login\n# @capture token = $.token\nGET ${server.url}/json\n\n###\nPOST ${server.url}/echo\nContent-Type: application/json\n\n{"token": "{{token}}"}\n`,
    )
    const recorded = await runCli(['run', 'r.http', '--record', 'rec'], { cwd: dir })
    expect(recorded.exitCode, recorded.stderr).toBe(0)
    const files = readdirSync(join(dir, 'rec')).filter((f) => f.endsWith('.json'))
    const originals = new Map(files.map((f) => [f, readFileSync(join(dir, 'rec', f), 'utf8')]))
    /** Replaces the value at a random place of the JSON with another value. */
    const mutate = (json: unknown, path: number[], value: unknown): unknown => {
      if (path.length === 0 || json === null || typeof json !== 'object') return value
      const keys = Object.keys(json)
      if (keys.length === 0) return value
      const key = keys[path[0]! % keys.length]!
      const copy = (Array.isArray(json) ? [...json] : { ...json }) as Record<string, unknown>
      copy[key] = mutate(copy[key], path.slice(1), value)
      return copy
    }
    const replacement = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(-1, 0, 99, 600, 1e300, '', '../../etc/passwd', 'a\r\nX-Injected: 1', '0002.body', null),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }),
        replacement,
        async (file, path, value) => {
          for (const [name, text] of originals) writeFileSync(join(dir, 'rec', name), text)
          writeFileSync(join(dir, 'rec', file), JSON.stringify(mutate(JSON.parse(originals.get(file)!), path, value)))
          const started = Date.now()
          const result = await runCli(['run', 'r.http', '--replay', 'rec'], { cwd: dir })
          endedWell(result, [0, 2, 3, 4], `${file} at ${path.join('.')} = ${JSON.stringify(value)}`, started)
        },
      ),
      { numRuns: 80 },
    )
  }, 120_000)

  it('scripts: any script ends the run in 0, 2, 3 or 4 within its time limit, never 70', async () => {
    const dir = tempDir('fuzz-script')
    const statement = fc.oneof(
      fc.constantFrom(
        'client.global.set("a", response.body)',
        'client.global.set("b", undefined)',
        'client.global.set(Symbol.iterator, 1)',
        'client.global.set("c", { toJSON() { throw new Error("no") } })',
        'client.global.set("d", new Proxy({}, { get() { throw 1 } }))',
        'client.test("t", () => { throw null })',
        'client.test(undefined, 5)',
        'client.assert(false, { toString() { return "x".repeat(1e7) } })',
        'client.log(...Array(1000).fill("y"))',
        'client.global.clearAll()',
        'request.variables.set("v", response.headers.valueOf("set-cookie"))',
        'throw { message: 1 }',
        'throw "plain"',
        'Promise.reject(undefined)',
        'Object.prototype.toString = null',
        'Array.prototype.map = undefined',
        'JSON.parse = () => ({})',
        'String.prototype.slice = function () { return this }',
        'jsonPath(response.body, "$..*")',
        'jsonPath(response.body, "$[?(@.x")',
        'crypto.sha256().updateWithText("x").digest().toHex()',
        'response.body.items.push(response.body)',
        'let s = "z"; for (let i = 0; i < 30; i++) s += s',
        'function f() { return f() } f()',
        'while (true) {}',
      ),
      hostileText.map((t) => `client.log(${JSON.stringify(t)})`),
      hostileText,
    )
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { minLength: 1, maxLength: 4 }), async (statements) => {
        const file = `s${n++}.http`
        const code = statements.join('\n').replaceAll('%}', '% }')
        writeFileSync(join(dir, file), `GET ${server.url}/json\n\n> {%\n${code}\n%}\n`)
        const started = Date.now()
        const result = await runCli(['run', file, '--script-timeout', '0.5'], { cwd: dir })
        endedWell(result, [0, 2, 3, 4], code, started) // 2: text the .http file reads as its own (`###`)
      }),
      { numRuns: 80 },
    )
  }, 180_000)

  it('outputs: any --report, -o, --results or --cookie-jar target ends in 0, 1 or 3, never 70', async () => {
    const dir = tempDir('fuzz-outputs')
    writeFileSync(join(dir, 'r.http'), `GET ${server.url}/json\n`)
    writeFileSync(join(dir, '.env'), 'x=1\n')
    const target = fc.constantFrom(
      'out.json',
      'r.http',
      '.env',
      '.',
      'missing/dir/x.json',
      '',
      '-',
      'a\u0000b',
      'report.json/',
      '../outside.json',
    )
    const output = fc.oneof(
      fc
        .tuple(fc.constantFrom('json', 'junit', 'markdown', 'html', 'har', 'github', 'pdf'), target)
        .map(([k, t]) => ['--report', `${k}=${t}`]),
      target.map((t) => ['-o', t]),
      target.map((t) => ['--results', t]),
      target.map((t) => ['--cookie-jar', t]),
      target.map((t) => ['--record', t]),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(output, { minLength: 1, maxLength: 3 }), async (outputs) => {
        const args = ['run', 'r.http', ...outputs.flat()]
        const started = Date.now()
        const result = await runCli(args, { cwd: dir })
        endedWell(result, [0, 1, 3], args.join(' '), started)
        // An input of the run is never replaced.
        expect(readFileSync(join(dir, 'r.http'), 'utf8')).toBe(`GET ${server.url}/json\n`)
        expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('x=1\n')
      }),
      { numRuns: 80 },
    )
  }, 120_000)
})
