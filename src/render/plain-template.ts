// The fast path: a template of plain `{{name}}`, `{{a.b}}`, `{{$dynamic}}` and request references
// only — most URLs, headers and JSON bodies — is rendered without Handlebars, the same as
// Handlebars would (a test holds the two to the same output).
import type { Text } from '../model.js'
import { isHelper } from './handlebars-template.js'
import {
  type MustacheInfo,
  type RenderMode,
  SPECIAL_AT,
  type Special,
  type TemplateRuntime,
  spanAt,
  stringify,
  undefinedVariable,
} from './template-parts.js'
/**
 * The fast path: a text whose mustaches are all plain variables (`{{name}}`, `{{a.b}}`), dynamic
 * variables or request references needs no Handlebars at all — it is literal pieces and lookups,
 * with each lookup's place inside or outside a JSON string known from the literals alone. Same
 * output, same errors; no compile, and Handlebars is not even loaded for files made only of these.
 */
export type Plain = {
  readonly kind: 'plain'
  /** One more than `refs`: literal, ref, literal, …, literal. */
  readonly literals: readonly string[]
  readonly refs: readonly PlainRef[]
  /** Per ref: whether it stands inside a JSON string, were the text JSON. */
  readonly inString: readonly boolean[]
}
type PlainRef =
  | { readonly kind: 'var'; readonly path: readonly string[]; readonly info: MustacheInfo }
  | { readonly kind: 'special'; readonly special: Special; readonly info: MustacheInfo }

const PLAIN_VAR = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/y
/** Names Handlebars gives another meaning: keywords, literals and helpers. */
const NOT_VARIABLES = new Set([
  'this',
  'else',
  'true',
  'false',
  'null',
  'undefined',
  'if',
  'unless',
  'each',
  'with',
  'lookup',
  'log',
  'helperMissing',
  'blockHelperMissing',
])

export function plainParts(raw: string):
  | {
      literals: string[]
      refs: (
        | { kind: 'var'; name: string; start: number; length: number }
        | { kind: 'special'; source: string; start: number; length: number }
      )[]
    }
  | undefined {
  if (raw.includes('\\{{')) return undefined
  const literals: string[] = []
  const refs: (
    | { kind: 'var'; name: string; start: number; length: number }
    | { kind: 'special'; source: string; start: number; length: number }
  )[] = []
  let last = 0
  for (let at = raw.indexOf('{{'); at >= 0; at = raw.indexOf('{{', last)) {
    SPECIAL_AT.lastIndex = at
    const special = SPECIAL_AT.exec(raw)
    if (special) {
      refs.push({ kind: 'special', source: special[1]!.trim(), start: at, length: special[0].length })
    } else {
      PLAIN_VAR.lastIndex = at
      const plain = PLAIN_VAR.exec(raw)
      if (!plain || NOT_VARIABLES.has(plain[1]!.split('.')[0]!) || isHelper(plain[1]!.split('.')[0]!)) return undefined
      refs.push({ kind: 'var', name: plain[1]!, start: at, length: plain[0].length })
    }
    literals.push(raw.slice(last, at))
    last = at + refs[refs.length - 1]!.length
  }
  literals.push(raw.slice(last))
  return { literals, refs }
}

export function compilePlain(text: Text): Plain | undefined {
  const parts = plainParts(text.raw)
  if (!parts) return undefined
  const inString: boolean[] = []
  let quoted = false
  for (let i = 0; i < parts.literals.length; i++) {
    const literal = parts.literals[i]!
    for (let j = 0; j < literal.length; j++) {
      const c = literal[j]
      if (c === '\\' && quoted) j++
      else if (c === '"') quoted = !quoted
    }
    if (i < parts.refs.length) inString.push(quoted)
  }
  const refs = parts.refs.map((ref): PlainRef => {
    const span = spanAt(text, ref.start, ref.length)
    if (ref.kind === 'special')
      return {
        kind: 'special',
        special: { source: ref.source, span },
        info: { name: '$special', span, isHelper: false },
      }
    return { kind: 'var', path: ref.name.split('.'), info: { name: ref.name, span, isHelper: false } }
  })
  return { kind: 'plain', literals: parts.literals, refs, inString }
}

/**
 * A variable whose name has a dot in it (`@Flaminco.POC_HostAddress`, Visual Studio's template for
 * a project name with a dot) is that variable; any other dotted name is a path into a value.
 */
function lookupVariable(context: object, path: readonly string[]): unknown {
  if (path.length > 1) {
    const name = path.join('.')
    if (Object.prototype.hasOwnProperty.call(context, name)) return (context as Record<string, unknown>)[name]
  }
  return lookupPath(context, path)
}

/** Handlebars' own lookup: an own property of each step, and nothing from a prototype. */
function lookupPath(context: object, path: readonly string[]): unknown {
  let value: unknown = context
  for (const key of path) {
    if (value === null || value === undefined) return value
    const next = (value as Record<string, unknown>)[key]
    if (next !== null && next !== undefined && !Object.prototype.hasOwnProperty.call(value, key)) return undefined
    value = next
  }
  return value
}

export function renderPlain(plain: Plain, context: object, runtime: TemplateRuntime, mode: RenderMode): unknown {
  const values: unknown[] = new Array(plain.refs.length)
  for (let i = 0; i < plain.refs.length; i++) {
    const ref = plain.refs[i]!
    const value = ref.kind === 'special' ? runtime.special(ref.special) : lookupVariable(context, ref.path)
    if (value === undefined) throw undefinedVariable(ref.info, runtime)
    values[i] = value
  }
  if (mode === 'value' && values.length === 1 && plain.literals[0] === '' && plain.literals[1] === '') return values[0]
  let out = plain.literals[0]!
  for (let i = 0; i < values.length; i++) {
    const text = stringify(values[i])
    out += (mode === 'json' && plain.inString[i] ? JSON.stringify(text).slice(1, -1) : text) + plain.literals[i + 1]!
  }
  return out
}
