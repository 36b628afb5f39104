// JSONPath as RFC 9535 defines it: the standard's compliance suite (test/fixtures/jsonpath-cts,
// BSD-2), the direct walk for simple paths against the standard's engine on any JSON, and
// jsonpath-plus' extensions still answered by jsonpath-plus.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { query } from 'jsonpath-rfc9535'
import { beforeAll, describe, expect, it } from 'vitest'
import { jsonPathEngine, loadJsonPath, queryJsonPath } from '../../src/check/jsonpath.js'
import { runCli } from '../helpers/run-cli.js'
import { json, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

beforeAll(loadJsonPath)

type Case = {
  name: string
  selector: string
  document?: unknown
  result?: unknown[]
  results?: unknown[][]
  invalid_selector?: boolean
}

const suite = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'jsonpath-cts', 'cts.json'), 'utf8')) as {
    tests: Case[]
  }
).tests

/** The suite's shares, as the README prints them. */
export function compliance(): { valid: number; validOk: number; invalid: number; refused: number; wrong: string[] } {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  let validOk = 0
  let refused = 0
  const wrong: string[] = []
  for (const test of suite) {
    const result = queryJsonPath(test.selector, test.invalid_selector ? {} : test.document)
    if (test.invalid_selector) {
      if (!result.ok) refused++
      continue
    }
    const right =
      result.ok &&
      (test.result ? same(result.matches, test.result) : test.results!.some((r) => same(result.matches, r)))
    if (right) validOk++
    else wrong.push(test.name)
  }
  const invalid = suite.filter((t) => t.invalid_selector).length
  return { valid: suite.length - invalid, validOk, invalid, refused, wrong }
}

describe('JSONPath', () => {
  it("gives the standard's result for at least 95 % of the compliance suite's valid selectors and refuses 80 % of its invalid ones", () => {
    const { valid, validOk, invalid, refused, wrong } = compliance()
    expect(valid + invalid).toBe(703)
    expect(validOk / valid, wrong.join('\n')).toBeGreaterThanOrEqual(0.95)
    expect(refused / invalid).toBeGreaterThanOrEqual(0.8)
    // The figures the README states.
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
    expect(readme).toContain(`${validOk} of its ${valid} valid selectors`)
    expect(readme).toContain(`refuses ${refused} of its ${invalid} invalid ones`)
  })

  it('walks simple paths as the standard does, on any value', () => {
    const key = fc.constantFrom('a', 'b', 'n', '_x1', 'length', 'constructor', '__proto__', 'toString')
    const step = fc.oneof(
      key.map((k) => `.${k}`),
      fc.nat(3).map((i) => `[${i}]`),
      fc.constantFrom('[01]', '.$x', '.1a'),
    )
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
        fc.array(tie('value'), { maxLength: 4 }),
      ),
    })).value
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 4 }), json, (steps, value) => {
        const path = `$${steps.join('')}`
        let expected: unknown
        try {
          expected = { ok: true, matches: query(value as never, path) }
        } catch {
          expected = { ok: false }
        }
        expect(queryJsonPath(path, value)).toMatchObject(expected as object)
      }),
      { numRuns: 2000 },
    )
  })

  it("answers jsonpath-plus' extensions with jsonpath-plus, and says where a query does not parse", () => {
    const books = {
      store: {
        book: [
          { title: 'A', price: 8 },
          { title: 'B', price: 12 },
        ],
      },
    }
    expect(jsonPathEngine('$.store.book[?(@.price < 10)].title')).toBe('standard')
    expect(queryJsonPath('$.store.book[?(@.price < 10)].title', books)).toEqual({ ok: true, matches: ['A'] })
    expect(queryJsonPath('$.store.book[-1].title', books)).toEqual({ ok: true, matches: ['B'] })
    expect(jsonPathEngine('$.store.book[0]^')).toBe('extended')
    expect(queryJsonPath('$.store.*~', books)).toEqual({ ok: true, matches: ['book'] })
    expect(queryJsonPath('$.store.book[(@.length-1)].title', books)).toEqual({ ok: true, matches: ['B'] })
    expect(queryJsonPath('$.store.book[?(@.price === 12)].title', books)).toEqual({ ok: true, matches: ['B'] })
    // In a quoted name, `^` and `~` are characters, not jsonpath-plus' operators.
    expect(jsonPathEngine("$['a^b~c']")).toBe('standard')
    expect(queryJsonPath('$.[', books)).toEqual({ ok: false, message: 'unexpected "[" at column 3', column: 3 })
    expect(queryJsonPath('$.store.book[?@.price <]', books)).toMatchObject({ ok: false, column: 24 })
  })

  it('refuses a query that does not parse before anything is sent: exit 2 where it is written, exit 1 for --extract', async () => {
    let hits = 0
    const server = await startServer({
      'GET /items': (_req, res) => {
        hits++
        json(res, {
          items: [
            { id: 1, name: 'a' },
            { id: 2, name: 'b' },
          ],
        })
      },
    })
    try {
      const dir = tempDir('jsonpath')
      writeFileSync(
        join(dir, 'ok.http'),
        `# @assert $.items[-1].name == "b"\n# @assert $.items[?@.id == 2].name == "b"\nGET ${server.url}/items\n`,
      )
      const ok = await runCli(['test', 'ok.http'], { cwd: dir })
      expect(ok.exitCode, ok.stderr).toBe(0)
      writeFileSync(join(dir, 'bad.http'), `GET ${server.url}/items\n\n# @assert $.items[?@.id ==] == 2\n`)
      hits = 0
      const bad = await runCli(['test', 'bad.http'], { cwd: dir })
      expect(bad.exitCode).toBe(2)
      expect(bad.stderr).toContain('bad.http:3:')
      expect(bad.stderr).toContain('Invalid JSONPath `$.items[?@.id ==]`: unexpected "]" at column 17')
      expect(hits).toBe(0)
      const extract = await runCli(['run', 'ok.http', '-e', '$.['], { cwd: dir })
      expect(extract.exitCode).toBe(1)
      expect(extract.stdout).toBe('')
      expect(extract.stderr).toContain('--extract: Invalid JSONPath `$.[`: unexpected "[" at column 3')
      expect(hits).toBe(0)
      const last = await runCli(['run', 'ok.http', '-e', '$.items[-1].name', '-r'], { cwd: dir })
      expect(last.stdout).toBe('b\n')
    } finally {
      await server.close()
    }
  })
})
