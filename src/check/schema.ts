// JSON Schema validation through ajv (draft 2020-12 and draft-07 keywords), compiled once per schema.
import Ajv from 'ajv'

const ajv = new (Ajv as unknown as typeof Ajv.default)({ allErrors: true, strict: false, validateFormats: false })
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>()

export function validateSchema(schema: unknown, value: unknown): { ok: boolean; why?: string } {
  if (typeof schema !== 'object' || schema === null) return { ok: true }
  let validate = compiled.get(schema)
  if (!validate) {
    try {
      validate = ajv.compile(schema)
    } catch (error) {
      return { ok: false, why: `the schema itself is invalid: ${(error as Error).message}` }
    }
    compiled.set(schema, validate)
  }
  if (validate(value)) return { ok: true }
  const why = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ')
  return { ok: false, why: `not valid against the schema: ${why}` }
}
