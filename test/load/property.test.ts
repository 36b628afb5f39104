// On any input the loaders return templates or throw their own located error — nothing else.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LoadError } from '../../src/errors.js'
import { parseHttpFile } from '../../src/load/http-file.js'
import { parseJsonFile } from '../../src/load/json-file.js'

const fragments = [
  '###',
  '### title',
  '# @name x',
  '// @name y',
  '# @name = z',
  '# @capture a = $.b',
  '# @capture? a = header X',
  '# @assert status == 200',
  '# @assert $.a count >= 1',
  '# @assert regex "(x',
  '?? status == 200',
  '?? js response.ok',
  '@v = {{w}}',
  'GET http://h/a',
  'POST {{base}}/x HTTP/1.1',
  'GET /x HTTP/9',
  'QUERY h',
  'Content-Type: application/json',
  'Bad header',
  '  continued',
  '?q=1',
  '&r=2',
  '',
  '',
  '{"a": "{{b}}"}',
  '< ./missing.json',
  '<@ ./t.json',
  '> {%',
  '%}',
  '< {%',
  '<> saved.json',
  '>> out.json',
  '{{',
  '}}',
  'HTTP/1.1 200 OK',
  'curl http://x',
  '// comment',
  '# comment',
  '\t',
  '\r',
  '@',
]

function check(run: () => unknown): void {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(LoadError)
    const span = (error as LoadError).span
    if (span) {
      expect(span.line).toBeGreaterThanOrEqual(1)
      expect(span.column).toBeGreaterThanOrEqual(1)
    }
  }
}

describe('loaders on arbitrary input', () => {
  it('.http: templates or a located LoadError, for random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => check(() => parseHttpFile(text, 'p.http'))),
      { numRuns: 500 },
    )
  })

  it('.http: templates or a located LoadError, for lines built from real syntax', () => {
    const line = fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 20 }))
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) =>
        check(() => parseHttpFile(lines.join(eol), 'p.http')),
      ),
      { numRuns: 1000 },
    )
  })

  it('.json: templates or a located LoadError, for any JSON value and random text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => check(() => parseJsonFile(JSON.stringify(value), 'p.json'))),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => check(() => parseJsonFile(text, 'p.json'))),
      { numRuns: 500 },
    )
    const request = fc.record(
      {
        url: fc.string(),
        method: fc.string(),
        capture: fc.dictionary(fc.string(), fc.string()),
        assert: fc.array(fc.string()),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(fc.array(request), (requests) => check(() => parseJsonFile(JSON.stringify({ requests }), 'p.json'))),
      { numRuns: 500 },
    )
  })
})
