// JSONPath through jsonpath-plus, with our error type. Evaluation is pure: no script filters run
// user JavaScript (jsonpath-plus' safe evaluator is the default in v10).
// The library loads only for runs that can query JSONPath (a capture, an assertion, a template
// that may reference a response, --extract): run preparation awaits loadJsonPath().
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus'

export type PathResult = { readonly ok: true; readonly matches: unknown[] } | { readonly ok: false; readonly message: string }

let jsonPath: typeof JsonPathFunction | undefined

export async function loadJsonPath(): Promise<void> {
  jsonPath ??= (await import('jsonpath-plus')).JSONPath
}

export function queryJsonPath(path: string, json: unknown): PathResult {
  if (!jsonPath) throw new Error('jsonpath-plus was not loaded before a query: prepare the run with loadJsonPath()')
  try {
    const matches = jsonPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[] | undefined
    return { ok: true, matches: matches ?? [] }
  } catch (error) {
    if (error instanceof RangeError) throw error // too deep to walk: the caller locates it
    return { ok: false, message: (error as Error).message }
  }
}
