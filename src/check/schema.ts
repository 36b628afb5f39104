// JSON Schema validation through ajv, compiled once per schema. ajv loads only for runs whose
// assertions use a schema predicate (it costs about 20 ms to load).
import type AjvModule from 'ajv'

type Ajv = InstanceType<typeof AjvModule.default>
let ajv: Ajv | undefined
const compiled = new WeakMap<object, ReturnType<Ajv['compile']>>()

export const SCHEMA_PREDICATES = new Set(['matchesSchema', 'matchesResponseFormat', 'matchesToolSchemas'])

export async function loadSchemaValidator(): Promise<void> {
  if (ajv) return
  const { default: Ajv } = await import('ajv')
  ajv = new (Ajv as unknown as typeof AjvModule.default)({ allErrors: true, strict: false, validateFormats: false })
}

export function validateSchema(schema: unknown, value: unknown): { ok: boolean; why?: string } {
  if (typeof schema !== 'object' || schema === null) return { ok: true }
  if (!ajv) throw new Error('loadSchemaValidator() must run before a schema is checked')
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
