// JSONPath as RFC 9535 defines it, with jsonpath-plus' extensions kept. A query in the standard's
// syntax runs on jsonpath-rfc9535, which gives the standard's answer for 453 of the 456 valid
// selectors of its compliance suite and refuses 209 of the 247 invalid ones (jsonpath-plus alone:
// 101 and 6 — it reads `$.items[-1]` or `$[?@.id==2]` otherwise, and takes `$.[` for the root). A query
// that uses what only jsonpath-plus has — `^` (parent), `~` (property names), `@parent`,
// `@property`, `@path`, `@root`, its type selectors (`@string()`), script expressions `[(…)]`,
// JavaScript's `===` — runs on jsonpath-plus, as VS Code REST Client runs `{{name.response.body.$.x}}`
// with it. Evaluation is pure either way: no filter runs user JavaScript (jsonpath-plus' safe
// evaluator). The libraries load only for runs that can query JSONPath: run preparation awaits
// loadJsonPath().
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus'
import type { query as QueryFunction } from 'jsonpath-rfc9535'
import { LoadError } from '../errors.js'
import type { SourceSpan } from '../model.js'

export type PathResult =
  | { readonly ok: true; readonly matches: unknown[] }
  | { readonly ok: false; readonly message: string; readonly column?: number }

let standard: typeof QueryFunction | undefined
let extended: typeof JsonPathFunction | undefined

export async function loadJsonPath(): Promise<void> {
  ;[standard, extended] = await Promise.all([
    standard ?? import('jsonpath-rfc9535').then((m) => m.query),
    extended ?? import('jsonpath-plus').then((m) => m.JSONPath),
  ])
}

/** `$.a.b[0].c`: names and indexes only, the paths most captures are. */
const SIMPLE_PATH = /^\$((?:\.[A-Za-z_]\w*|\[(?:0|[1-9]\d{0,14})\])+)$/
const STEP = /\.([A-Za-z_]\w*)|\[(\d+)\]/g
const simplePaths = new Map<string, readonly (string | number)[] | null>()

/**
 * A simple path walked directly: what both engines return for it (the value when every step is an
 * own property of an object or array, else nothing), without a parse on every request.
 */
function walkSimple(path: string, json: unknown): PathResult | undefined {
  let steps = simplePaths.get(path)
  if (steps === undefined) {
    const match = path.match(SIMPLE_PATH)
    steps = match ? [...match[1]!.matchAll(STEP)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2]))) : null
    simplePaths.set(path, steps)
  }
  if (steps === null) return undefined
  let value = json
  for (const step of steps) {
    if (typeof value !== 'object' || value === null || (typeof step === 'number') !== Array.isArray(value))
      return { ok: true, matches: [] }
    if (!Object.prototype.hasOwnProperty.call(value, step)) return { ok: true, matches: [] }
    value = (value as Record<string | number, unknown>)[step]
  }
  return { ok: true, matches: [value] }
}

/** What only jsonpath-plus has, outside quoted names and strings. */
const EXTENSION =
  /\^|~|`|@(?:parent|parentProperty|property|path|root)\b|@(?:string|number|boolean|integer|null|object|array|scalar|other|undefined|function|nonFinite)\(\)|\[\s*\(|===|!==/
const QUOTED = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g
const engines = new Map<string, 'standard' | 'extended'>()

/** Which engine answers this query: jsonpath-plus for its extensions, RFC 9535 for the rest. */
export function jsonPathEngine(path: string): 'standard' | 'extended' {
  let engine = engines.get(path)
  if (!engine) {
    engine = EXTENSION.test(path.replace(QUOTED, '""')) ? 'extended' : 'standard'
    if (engines.size < 10_000) engines.set(path, engine)
  }
  return engine
}

export function queryJsonPath(path: string, json: unknown): PathResult {
  const simple = walkSimple(path, json)
  if (simple) return simple
  if (!standard || !extended)
    throw new Error('JSONPath was not loaded before a query: prepare the run with loadJsonPath()')
  try {
    if (jsonPathEngine(path) === 'standard')
      return { ok: true, matches: standard(json as Parameters<typeof QueryFunction>[0], path) as unknown[] }
    const matches = extended({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[] | undefined
    return { ok: true, matches: matches ?? [] }
  } catch (error) {
    if (error instanceof RangeError) throw error // too deep to walk: the caller locates it
    return syntaxError(error as Error)
  }
}

/** Whether the query parses; a message and the column (1-based, in the query) where it does not. */
export function checkJsonPath(path: string): PathResult {
  return queryJsonPath(path, null)
}

/** A JSONPath of a request file that does not parse: a load error where it is written (exit 2). */
export function checkQuery(path: string, span: SourceSpan): void {
  const checked = checkJsonPath(path)
  if (!checked.ok)
    throw new LoadError('LOAD_SYNTAX', `Invalid JSONPath \`${path}\`: ${checked.message}`, span, JSONPATH_HINT)
}

export const JSONPATH_HINT =
  'JSONPath as RFC 9535 writes it: $.items[0].id, $.items[-1], $..id, $.items[?@.id == 2], $.items[*].name'

/** The parser's error, said shortly: what it found where, and what it expected. */
function syntaxError(error: Error & { location?: { start?: { column?: number } }; found?: string | null }): PathResult {
  const column = error.location?.start?.column
  if (column === undefined) return { ok: false, message: error.message }
  const found = error.found === null || error.found === undefined ? 'the end' : JSON.stringify(error.found)
  return {
    ok: false,
    message: `unexpected ${found} at column ${column}`,
    column,
  }
}
