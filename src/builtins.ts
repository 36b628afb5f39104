// Node built-ins that only some runs need, loaded on first use: each would cost a run that never
// uses it 1–4 ms of start-up.
import { createRequire } from 'node:module'

function onFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined
  return () => (loaded ??= load())
}

const requireFromHere = onFirstUse(() => createRequire(import.meta.url))
const requireBuiltin = (id: string): unknown => requireFromHere()(id)

/** For {{$uuid}} and the random helpers. */
export const nodeCrypto = onFirstUse(() => requireBuiltin('node:crypto') as typeof import('node:crypto'))
/** For compressed response bodies. */
export const nodeZlib = onFirstUse(() => requireBuiltin('node:zlib') as typeof import('node:zlib'))

/** Milliseconds on a monotonic clock; the global `performance` loads perf_hooks (nine modules). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
