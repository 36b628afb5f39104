// Every directive of the JetBrains HTTP Client, VS Code REST Client, httpyac and kulala dialects is
// honoured, without effect by its nature, or refused at its line — never passed over. The README's
// table is walked row by row: a refused directive must give the refusal it documents, an editor's
// one must load and run, an honoured one must be exercised by a fixture; and the new honoured ones
// run end to end against loopback servers, checked by what the servers received.
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DIALECT_DIRECTIVES } from '../../src/load/dialects.js'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { startTlsServer } from '../helpers/raw-server.js'
import { tempDir } from '../helpers/temp.js'

const root = join(import.meta.dirname, '..', '..')
let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** The README's directive table: directive, dialects, what reqchain does. */
function readmeTable(): { key: string; dialects: string; does: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  return [...readme.matchAll(/^\| `@([^`]+)` \| ([^|]+) \| (.+) \|$/gm)].map((m) => ({
    key: m[1]!,
    dialects: m[2]!.trim(),
    does: m[3]!.trim(),
  }))
}

/** Every file under these folders. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe('directives of other dialects', () => {
  it("walks the README's table: each refusal as documented, each editor's directive loads, each honoured one has a fixture", async () => {
    const table = readmeTable()
    expect(table.map((row) => row.key).sort()).toEqual(Object.keys(DIALECT_DIRECTIVES).sort())
    const fixtures = [...filesUnder(join(root, 'test')), ...filesUnder(join(root, 'requests'))]
      .filter((path) => /\.(http|rest|md|json|ts)$/.test(path) && !path.endsWith('directives.test.ts'))
      .map((path) => readFileSync(path, 'utf8'))
    const dir = tempDir('dialects')
    for (const row of table) {
      const handling = DIALECT_DIRECTIVES[row.key]!.handling
      if (handling.kind === 'honoured') {
        expect(row.does, row.key).toBe(handling.does)
        const written = new RegExp(`(#|//)\\s*@${row.key.replace(/[?]/g, '\\?')}(\\s|$|\\\\n)`, 'm')
        expect(
          fixtures.some((text) => written.test(text)),
          `@${row.key} is honoured, and no fixture or test uses it`,
        ).toBe(true)
        continue
      }
      writeFileSync(
        join(dir, 'd.http'),
        `# a file that uses @${row.key}\n# @${row.key} value\nGET {{baseUrl}}/models\n`,
      )
      const result = await runCli(['test', 'd.http', '--mock'], { cwd: dir })
      if (handling.kind === 'editor') {
        expect(row.does, row.key).toBe(`accepted, no effect: ${handling.does.replace('none: ', '')}`)
        expect(result.exitCode, `${row.key}: ${result.stderr}`).toBe(0)
        continue
      }
      expect(row.does, row.key).toBe(`refused at load, at its line: ${handling.instead}`)
      expect(result.exitCode, row.key).toBe(2)
      expect(result.stderr, row.key).toContain(`\`@${row.key}\` (${row.dialects}) is not supported`)
      expect(result.stderr, row.key).toContain('--> d.http:2:3')
      expect(result.stderr.replace(/\s+/g, ' '), row.key).toContain(handling.instead.replace(/\s+/g, ' '))
    }
    // A directive no dialect has is refused too, with the one it was probably meant to be.
    writeFileSync(join(dir, 'typo.http'), '# @disable\nGET {{baseUrl}}/models\n')
    const typo = await runCli(['test', 'typo.http', '--mock'], { cwd: dir })
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toContain('Unknown directive `@disable`')
    expect(typo.stderr).toContain('did you mean `@disabled`?')
  })

  it('honours @disabled, @sleep, @title, @prompt, @graphql and @noRedirect: what the server received', async () => {
    const received: string[] = []
    server = await startServer({
      'GET /after-sleep': (_req, res) => {
        received.push(`GET /after-sleep at ${Date.now()}`)
        json(res, {})
      },
      'POST /ask': (_req, res, body) => {
        received.push(`POST /ask ${body.toString()}`)
        json(res, {})
      },
      'POST /graphql': (_req, res, body) => {
        received.push(`POST /graphql ${body.toString()}`)
        json(res, { data: { hero: { name: 'R2-D2' } } })
      },
      'GET /moved': (_req, res) => {
        received.push('GET /moved')
        res.writeHead(302, { Location: '/never' })
        res.end()
      },
    })
    const dir = tempDir('dialects')
    writeFileSync(join(dir, 'honoured.http'), readFileSync(join(import.meta.dirname, 'fixtures', 'honoured.http')))
    const vars = ['--var', `base=${server.url}`, '--var', 'skipIt=true', '--var', 'city=Paris', '--var', 'heroId=2001']
    const started = Date.now()
    const result = await runCli(['test', 'honoured.http', ...vars, '--report', 'html=r.html'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(received.map((r) => r.replace(/ at \d+$/, ''))).toEqual([
      'GET /after-sleep',
      'POST /ask {"city": "Paris"}',
      'POST /graphql {"query":"query Hero($id: ID!) { hero(id: $id) { name } }","variables":{"id":"2001"}}',
      'GET /moved',
    ])
    expect(Number(received[0]!.split(' at ')[1]) - started).toBeGreaterThanOrEqual(150)
    expect(result.stderr).toContain('skipped for good: GET {{base}}/never skipped (@disabled)')
    expect(result.stderr).toMatch(/4 passed, 0 failed, 2 skipped/)
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('<p class="note">Waits before it is sent</p>')
    // The template renders false: the request is sent.
    const sent = await runCli(
      ['test', 'honoured.http', ...vars.slice(0, 2), '--var', 'skipIt=false', ...vars.slice(4)],
      {
        cwd: dir,
      },
    )
    expect(sent.exitCode, sent.stderr).toBe(0)
    expect(server.calls.map((call) => call.path)).toContain('/never-either')
    // @forceRef: the named request runs first, even when only the one after it is asked for.
    writeFileSync(join(dir, 'refs.http'), readFileSync(join(import.meta.dirname, 'fixtures', 'refs.http')))
    received.length = 0
    const refs = await runCli(['run', 'refs.http#me', '--var', `base=${server.url}`], { cwd: dir })
    expect(refs.exitCode, refs.stderr).toBe(0)
    expect(received.map((r) => r.replace(/ at \d+$/, ''))).toEqual(['POST /ask {"city": "login"}', 'GET /after-sleep'])
    // @prompt: not on a terminal, an error before anything is sent; on one, asked, and a secret without echo.
    received.length = 0
    const noTerminal = await runCli(['test', 'honoured.http', ...vars.slice(0, 4), '--var', 'heroId=1'], { cwd: dir })
    expect(noTerminal.exitCode).toBe(1)
    expect(noTerminal.stderr).toContain('`city` is asked for (`@prompt`), and there is no terminal to ask on')
    expect(noTerminal.stderr).toContain('give it: --var city=…')
    expect(received).toEqual([])
    writeFileSync(join(dir, 'secret.http'), `# @prompt apiToken Your token\nPOST ${server.url}/ask\n\n{{apiToken}}\n`)
    const asked: { question: string; hidden: boolean }[] = []
    const terminal = await runCli(['run', 'secret.http', '-v'], {
      cwd: dir,
      ask: { answers: { 'Your token (hidden): ': 'tok-123456789' }, asked },
    })
    expect(terminal.exitCode, terminal.stderr).toBe(0)
    expect(asked).toEqual([{ question: 'Your token (hidden): ', hidden: true }])
    expect(received).toEqual(['POST /ask tok-123456789'])
    expect(terminal.stderr).not.toContain('tok-123456789')
  })

  it('honours @no-reject-unauthorized for its request alone: a server whose certificate is not trusted', async () => {
    const tls = await startTlsServer((_req, res) => res.end('ok'))
    try {
      const dir = tempDir('dialects')
      writeFileSync(join(dir, 'tls.http'), readFileSync(join(import.meta.dirname, 'fixtures', 'tls.http')))
      const result = await runCli(['test', 'tls.http', '--var', `tlsUrl=${tls.url}`], { cwd: dir })
      expect(result.exitCode).toBe(3)
      expect(result.stderr).toMatch(/✓ trusted anyway: GET https:\/\/127\.0\.0\.1:\d+\/ → 200/)
      expect(result.stderr).toMatch(/✓ as httpyac also spells it: GET https:\/\/127\.0\.0\.1:\d+\/ → 200/)
      expect(result.stderr).toMatch(/certificate/i)
    } finally {
      await tls.close()
    }
  })

  it('honours @loop for N and for item of {{list}}: each time a step of its own, the last capture chains on; @loop while is refused', async () => {
    let n = 0
    const asked: string[] = []
    server = await startServer({
      'GET /count': (_req, res) => json(res, { n: ++n }),
      'POST /ask': (_req, res, body) => {
        asked.push(body.toString())
        json(res, {})
      },
    })
    const dir = tempDir('dialects')
    const text = readFileSync(join(import.meta.dirname, 'fixtures', 'loops.http'), 'utf8')
    writeFileSync(join(dir, 'loops.http'), text.slice(0, text.indexOf('### while')))
    const result = await runCli(
      [
        'test',
        'loops.http',
        '--var',
        `base=${server.url}`,
        '--var',
        'cities=["Paris","Rome"]',
        '--report',
        'json=r.json',
      ],
      { cwd: dir },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(n).toBe(3)
    expect(asked).toEqual(['{"city": "Paris", "after": 3}', '{"city": "Rome", "after": 3}'])
    expect(result.stderr).toContain('5 passed, 0 failed')
    expect(result.stderr).toMatch(/loops\.http:4 #3/)
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { steps: { iteration?: number }[] }
    expect(report.steps.map((step) => step.iteration)).toEqual([1, 2, 3, 1, 2])
    writeFileSync(join(dir, 'while.http'), text.slice(text.indexOf('### while')))
    const refused = await runCli(['test', 'while.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain('`@loop while i < 3` is not a loop reqchain runs')
    expect(refused.stderr).toContain('--> while.http:2:')
  })

  it('saves a body with >> (a new name when the file is there) and >>! (replaced), refuses an input or a path outside the root', async () => {
    server = await startServer({ 'GET /data': (_req, res) => json(res, { n: 1 }) })
    const dir = tempDir('dialects')
    writeFileSync(join(dir, '.git'), '') // the file root
    writeFileSync(
      join(dir, 'save.http'),
      `### kept\nGET ${server.url}/data\n\n>> out/data.json\n\n### replaced\nGET ${server.url}/data\n\n>>! out/latest.json\n`,
    )
    for (let i = 0; i < 2; i++) expect((await runCli(['run', 'save.http'], { cwd: dir })).exitCode).toBe(0)
    expect(readFileSync(join(dir, 'out', 'data.json'), 'utf8')).toBe('{"n":1}')
    expect(readFileSync(join(dir, 'out', 'data-1.json'), 'utf8')).toBe('{"n":1}')
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['data-1.json', 'data.json', 'latest.json'])
    writeFileSync(join(dir, 'self.http'), `GET ${server.url}/data\n\n>>! self.http\n`)
    const self = await runCli(['run', 'self.http'], { cwd: dir })
    expect(self.exitCode).toBe(3)
    expect(self.stderr).toContain('Cannot save the response to self.http: it is a file this run reads')
    expect(readFileSync(join(dir, 'self.http'), 'utf8')).toContain('>>! self.http')
    writeFileSync(join(dir, 'outside.http'), `GET ${server.url}/data\n\n>> ../outside.json\n`)
    const outside = await runCli(['run', 'outside.http'], { cwd: dir })
    expect(outside.exitCode).toBe(3)
    expect(outside.stderr).toContain('it is outside the file root')
    expect(outside.stderr).toContain('--> outside.http:3:1')
  })

  it('refuses two requests of one @name, and a templated JSON body that renders to invalid JSON (a block helper without commas)', async () => {
    const dir = tempDir('dialects')
    writeFileSync(
      join(dir, 'dup.http'),
      '# @name a\nGET {{baseUrl}}/models\n\n###\n# @name a\nGET {{baseUrl}}/models\n',
    )
    const dup = await runCli(['test', 'dup.http', '--mock'], { cwd: dir })
    expect(dup.exitCode).toBe(2)
    expect(dup.stderr).toContain('`@name a` names two requests of this file: this one and the one at line 2')
    expect(dup.stderr).toContain('--> dup.http:5:')
    writeFileSync(
      join(dir, 'each.http'),
      'POST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "m", "stop": [{{#if both}}"a" "b"{{/if}}]}\n',
    )
    const each = await runCli(['run', 'each.http', '--mock', '--var', 'both=1'], { cwd: dir })
    expect(each.exitCode).toBe(3)
    expect(each.stderr).toContain('The body is not valid JSON once rendered')
    expect(each.stderr).toContain('--> each.http:4:')
    const allowed = await runCli(['run', 'each.http', '--mock', '--var', 'both=1', '--allow-invalid-json'], {
      cwd: dir,
    })
    expect(allowed.stderr).not.toContain('The body is not valid JSON once rendered')
  })
})
