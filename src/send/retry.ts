// Retrying what failed for a passing reason, as curl's --retry does: a connection that could not be
// made or broke, a timeout, and the statuses 408, 429, 500, 502, 503 and 504. The wait doubles from
// --retry-delay with jitter, or is what `Retry-After` asks (seconds or a date); --retry-max-time
// bounds the whole. A request that may have reached the server is retried only when its method is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), unless --retry-all: a POST that timed out
// may have been done. A 429 says the request was refused undone, so it is retried whatever the method.
import type { HeaderPairs } from '../model.js'

export type RetryPolicy = {
  readonly count: number
  /** The first wait; each next one doubles. */
  readonly delayMs: number
  /** No retry starts after this long from the first attempt; 0 for no limit. */
  readonly maxTimeMs: number
  /** Retry non-idempotent requests that may have reached the server too. */
  readonly all: boolean
  readonly onRetry?: (retry: { attempt: number; count: number; waitMs: number; reason: string }) => void
}

export const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
/** The longest wait taken from a Retry-After or the doubling. */
const MAX_WAIT_MS = 10 * 60 * 1000

export function mayRetry(method: string, reachedServer: boolean, policy: RetryPolicy): boolean {
  return !reachedServer || IDEMPOTENT.has(method.toUpperCase()) || policy.all
}

/** How long to wait before attempt `attempt + 1` (0-based), honouring `Retry-After`. */
export function waitBefore(attempt: number, policy: RetryPolicy, headers?: HeaderPairs, now = Date.now()): number {
  const asked = headers?.find(([name]) => name.toLowerCase() === 'retry-after')?.[1]?.trim()
  if (asked) {
    const seconds = /^\d+$/.test(asked) ? Number(asked) * 1000 : Date.parse(asked) - now
    if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds), MAX_WAIT_MS)
  }
  const doubled = Math.min(policy.delayMs * 2 ** attempt, MAX_WAIT_MS)
  return Math.round(doubled * (0.5 + Math.random() * 0.5)) // jitter: many clients do not retry in step
}

/** A wait that Ctrl-C ends early. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
