// JSON Schema validation through ajv, compiled once per schema, with the validator of the draft the
// schema's `$schema` names (2020-12, 2019-09, else draft-07). ajv loads only for runs whose
// assertions use a schema predicate (it costs about 20 ms to load).
import type AjvModule from 'ajv'

type Ajv = InstanceType<typeof AjvModule.default>
type AjvClass = new (options: object) => Ajv
type Draft = 'draft-07' | '2019-09' | '2020-12'
let classes: Record<Draft, AjvClass> | undefined
const validators = new Map<Draft, Ajv>()
const compiled = new WeakMap<object, ReturnType<Ajv['compile']>>()

export const SCHEMA_PREDICATES = new Set(['matchesSchema', 'matchesResponseFormat', 'matchesToolSchemas'])

export async function loadSchemaValidator(): Promise<void> {
  if (classes) return
  const [draft07, draft2019, draft2020] = await Promise.all([
    import('ajv'),
    import('ajv/dist/2019.js'),
    import('ajv/dist/2020.js'),
  ])
  classes = {
    'draft-07': draft07.default as unknown as AjvClass,
    '2019-09': draft2019.default as unknown as AjvClass,
    '2020-12': draft2020.default as unknown as AjvClass,
  }
}

/** The validator for the draft the schema names in `$schema` (draft-07 when it names none). */
function validatorFor(schema: object): Ajv {
  if (!classes) throw new Error('loadSchemaValidator() must run before a schema is checked')
  const declared = String((schema as { $schema?: unknown }).$schema ?? '')
  const draft: Draft = declared.includes('2020-12') ? '2020-12' : declared.includes('2019-09') ? '2019-09' : 'draft-07'
  let validator = validators.get(draft)
  if (!validator) {
    validator = new classes[draft]({ allErrors: true, strict: false, validateFormats: false })
    validators.set(draft, validator)
  }
  return validator
}

export function validateSchema(schema: unknown, value: unknown): { ok: boolean; why?: string } {
  if (typeof schema !== 'object' || schema === null) return { ok: true }
  let validate = compiled.get(schema)
  if (!validate) {
    try {
      validate = validatorFor(schema).compile(schema)
    } catch (error) {
      return { ok: false, why: `the schema itself is invalid: ${(error as Error).message}` }
    }
    compiled.set(schema, validate)
  }
  if (validate(value)) return { ok: true }
  const why = (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ')
  return { ok: false, why: `not valid against the schema: ${why}` }
}
