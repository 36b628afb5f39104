// JSONPath through jsonpath-plus, with our error type. Evaluation is pure: no script filters run
// user JavaScript (jsonpath-plus' safe evaluator is the default in v10).
// The library loads only for runs that can query JSONPath (a capture, an assertion, a template
// that may reference a response, --extract): run preparation awaits loadJsonPath().
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus'

export type PathResult =
  { readonly ok: true; readonly matches: unknown[] } | { readonly ok: false; readonly message: string }

let jsonPath: typeof JsonPathFunction | undefined

export async function loadJsonPath(): Promise<void> {
  jsonPath ??= (await import('jsonpath-plus')).JSONPath
}

/** `$.a.b[0].c`: names and indexes only, the paths most captures are. */
const SIMPLE_PATH = /^\$((?:\.[A-Za-z_$][\w$]*|\[\d+\])+)$/
const STEP = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g
const simplePaths = new Map<string, readonly (string | number)[] | null>()

/**
 * A simple path walked directly: what jsonpath-plus returns for it (the value when every step is an
 * own property of an object or array, else nothing), without its parse and trace on every request.
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
    if (typeof value !== 'object' || value === null)
      return typeof value === 'string' ? undefined : { ok: true, matches: [] }
    if (!Object.prototype.hasOwnProperty.call(value, step)) return { ok: true, matches: [] }
    value = (value as Record<string | number, unknown>)[step]
  }
  return { ok: true, matches: [value] }
}

export function queryJsonPath(path: string, json: unknown): PathResult {
  const simple = walkSimple(path, json)
  if (simple) return simple
  if (!jsonPath) throw new Error('jsonpath-plus was not loaded before a query: prepare the run with loadJsonPath()')
  try {
    const matches = jsonPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[] | undefined
    return { ok: true, matches: matches ?? [] }
  } catch (error) {
    if (error instanceof RangeError) throw error // too deep to walk: the caller locates it
    return { ok: false, message: (error as Error).message }
  }
}
