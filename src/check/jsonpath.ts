// JSONPath through jsonpath-plus, with our error type. Evaluation is pure: no script filters run
// user JavaScript (jsonpath-plus' safe evaluator is the default in v10).
import { JSONPath } from 'jsonpath-plus'

export type PathResult = { readonly ok: true; readonly matches: unknown[] } | { readonly ok: false; readonly message: string }

export function queryJsonPath(path: string, json: unknown): PathResult {
  try {
    const matches = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[] | undefined
    return { ok: true, matches: matches ?? [] }
  } catch (error) {
    return { ok: false, message: (error as Error).message }
  }
}
