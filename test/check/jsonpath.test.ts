// The direct walk for simple paths gives what jsonpath-plus gives, on any JSON.
import fc from 'fast-check'
import { JSONPath } from 'jsonpath-plus'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadJsonPath, queryJsonPath } from '../../src/check/jsonpath.js'

beforeAll(loadJsonPath)

describe('simple JSONPath', () => {
  it('matches jsonpath-plus for names and indexes on any value', () => {
    const key = fc.constantFrom('a', 'b', 'n', '$x', 'length', 'constructor', '__proto__', 'toString')
    const step = fc.oneof(
      key.map((k) => `.${k}`),
      fc.nat(3).map((i) => `[${i}]`),
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
        const expected = JSONPath({ path, json: value as object, wrap: true, eval: 'safe' }) ?? []
        const actual = queryJsonPath(path, value)
        expect(actual).toEqual({ ok: true, matches: expected })
      }),
      { numRuns: 2000 },
    )
  })
})
