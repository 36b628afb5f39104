// Node built-ins that only some runs need, loaded on first use: each would cost a run that never
// uses it 1–4 ms of start-up.
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'

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

// Someone who sets WebAssembly flags for Node gets exactly those.
const wasmFlagsAreOurs = !process.execArgv.some((arg) => /liftoff|wasm/.test(arg))
let baselineCompiles = 0

/**
 * Runs `work` — a WebAssembly compile, or code running in one (V8 decides to tier a hot function up
 * while it runs) — with V8 told to keep WebAssembly on its baseline tier (Liftoff). Otherwise V8
 * also compiles the hot functions with its optimising tier in the background, and Node waits for
 * that at exit (about 100–150 ms and 35 MB on every run, for undici's HTTP parser as for the
 * script engine). Baseline code is fast enough for both. The flags are changed only while `work`
 * runs, then restored: while any V8
 * flag differs from its start-up value, V8 rejects the code caches of Node's own modules and of
 * reqchain, so whatever loads in that window compiles from scratch.
 */
export function onBaselineWasm<T>(work: () => T): T {
  enterBaseline()
  let result: T
  try {
    result = work()
  } catch (error) {
    leaveBaseline()
    throw error
  }
  // Asynchronous work (a module compiled in the background) keeps the flags until it has settled.
  if (result instanceof Promise) return result.finally(leaveBaseline) as T
  leaveBaseline()
  return result
}

function enterBaseline(): void {
  if (wasmFlagsAreOurs && baselineCompiles++ === 0) setFlagsFromString('--liftoff-only') // implies --no-wasm-tier-up --no-wasm-dynamic-tiering
}

function leaveBaseline(): void {
  if (wasmFlagsAreOurs && --baselineCompiles === 0) {
    setFlagsFromString('--no-liftoff-only')
    setFlagsFromString('--wasm-tier-up')
    setFlagsFromString('--wasm-dynamic-tiering')
  }
}
