// Hostile request files through the whole CLI (`parse` and `curl`, in-process): deep nesting, NUL
// bytes, a BOM, CR-only line ends, huge lines, unclosed `{{`, body references to special files.
// Every one ends in exit 0 or a clear error (2 for load, 3 for a render error in `curl`), never in
// exit 70, and each within a time bound. Nothing is sent: these commands do not send.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const deep = (open: string, close: string) =>
  fc.integer({ min: 1, max: 12000 }).map((n) => `${open.repeat(n)}${close.repeat(n)}`)

const httpPiece = fc.oneof(
  fc.constantFrom(
    '###',
    '### named',
    '# @name x',
    '# @asert status == 200',
    '# @capture a = $.b',
    '# @assert $.a matches "^\\d+$"',
    '# @timeout 1e300',
    '# @timeout 0.0001',
    '@v = {{w}}',
    'GET http://127.0.0.1:9/a',
    'POST http://127.0.0.1:9/x HTTP/1.1',
    'Content-Type: application/json',
    '< /dev/zero',
    '< /dev/urandom',
    '< .',
    '< ./missing.bin',
    '<@ /proc/self/mem',
    '< /dev/stdin',
    '> {%',
    '%}',
    '{{',
    '}}',
    '{{#each x}}',
    '{{/each}}',
    '{"a": {{b}}}',
    '{{urlencode missing}}',
    '{{default x}}',
    '\u0000',
    '\uFEFF',
    'HTTP/1.1 200 OK',
    '?? js ok',
    '{{$datetime}}',
    '{{$random.integer(9, 1)}}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  deep('[', ']'),
  deep('{{#if a}}', '{{/if}}'),
  deep('{"a":', '}').map((s) => s.replace(/}+$/, (m) => `1${m}`)),
)

const jsonFile = fc.oneof(
  deep('[', ']').map((d) => `{"url": "http://127.0.0.1:9/", "json": ${d}}`),
  deep('{"a":', '}').map(
    (d) =>
      `{"requests": [{"url": "http://127.0.0.1:9/{{x}}", "body": "y"}], "vars": ${d.replace(/}+$/, (m) => `1${m}`)}}`,
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify({ url: 'http://127.0.0.1:9/{{a}}', json: v })),
  fc.constantFrom(
    '\uFEFF{"url": "http://127.0.0.1:9/"}',
    '{"url": "http://127.0.0.1:9/", "bodyFile": "/dev/zero"}',
    '{"url": "{{"}',
    '{"url": 1}',
  ),
)

const lineEnd = fc.constantFrom('\n', '\r\n', '\r')

async function survives(dir: string, file: string): Promise<void> {
  for (const command of ['parse', 'curl']) {
    const started = Date.now()
    const result = await runCli(command === 'curl' ? [command, file, '--var', 'a=1'] : [command, file], { cwd: dir })
    expect(result.stderr, `${command} ${file}`).not.toContain('reqchain crashed')
    expect(result.exitCode, result.stderr).not.toBe(70)
    expect(command === 'parse' ? [0, 2] : [0, 2, 3], result.stderr).toContain(result.exitCode)
    if (result.exitCode !== 0) expect(result.stderr).toMatch(/^error: /m)
    expect(Date.now() - started, `${command} ${file}`).toBeLessThan(5000)
  }
}

describe('hostile request files through the CLI', () => {
  it('.http files: exit 0 or a clear error, never 70', async () => {
    const dir = tempDir('fuzz')
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.array(httpPiece, { maxLength: 12 }), lineEnd, async (pieces, eol) => {
        const file = `f${n++}.http`
        writeFileSync(join(dir, file), pieces.join(eol))
        await survives(dir, file)
      }),
      { numRuns: 400 },
    )
  }, 60_000)

  it('.json files: exit 0 or a clear error, never 70', async () => {
    const dir = tempDir('fuzz-json')
    let n = 0
    await fc.assert(
      fc.asyncProperty(jsonFile, async (text) => {
        const file = `f${n++}.json`
        writeFileSync(join(dir, file), text)
        await survives(dir, file)
      }),
      { numRuns: 300 },
    )
  }, 60_000)
})
