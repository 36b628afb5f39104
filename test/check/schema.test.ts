// matchesSchema takes the validator of the draft a schema names: 2020-12 (the project's own
// schema is one), 2019-09, and draft-07 when it names none.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSchemaValidator, validateSchema } from '../../src/check/schema.js'

beforeAll(loadSchemaValidator)

describe('validateSchema', () => {
  it('validates against 2020-12 schemas, prefixItems included', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
    }
    expect(validateSchema(schema, ['a', 1])).toEqual({ ok: true })
    expect(validateSchema(schema, ['a', 'b']).ok).toBe(false)
    expect(validateSchema(schema, ['a', 1, 2]).ok).toBe(false)
  })

  it('validates against 2019-09 and draft-07 schemas', () => {
    expect(
      validateSchema(
        { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', required: ['a'] },
        { a: 1 },
      ),
    ).toEqual({ ok: true })
    expect(
      validateSchema(
        { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }] },
        ['x'],
      ),
    ).toEqual({ ok: true })
    expect(validateSchema({ type: 'object', required: ['a'] }, {}).ok).toBe(false)
  })

  it("validates the example request files against the project's own 2020-12 schema", () => {
    const root = join(import.meta.dirname, '..', '..')
    const schema = JSON.parse(readFileSync(join(root, 'schema/requests.schema.json'), 'utf8'))
    const example = JSON.parse(readFileSync(join(root, 'requests/chat-followup.json'), 'utf8'))
    expect(validateSchema(schema, example)).toEqual({ ok: true })
    expect(validateSchema(schema, { requests: [{ url: 1 }] }).ok).toBe(false)
  })
})
