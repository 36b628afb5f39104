// The whole-request limit (--max-time) as one timer, and Ctrl-C: the one thing undici is given as
// `signal` for a request.
/** setTimeout holds at most 2^31-1 ms (24.8 days); longer limits are re-armed. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * The whole-request limit: one timer, and the one thing undici is given as `signal` (it takes any
 * object with `aborted` and `addEventListener`, as its types say). An AbortController per request
 * with a listener on the run's own signal cost more than the rest of sending; the run's signal
 * (Ctrl-C) gets one listener per run, which aborts whatever is in flight.
 */
export class Deadline {
  aborted = false
  reason: unknown
  timedOut = false
  private listener: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    maxTimeMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    if (outer?.aborted) this.aborted = true
    else if (outer) inFlightFor(outer).add(this)
    if (maxTimeMs > 0) this.arm(maxTimeMs)
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener
  }
  removeEventListener(): void {
    this.listener = undefined
  }

  abort(reason?: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.listener?.()
  }

  clear(): void {
    clearTimeout(this.timer)
    if (this.outer) inFlightFor(this.outer).delete(this)
  }

  private arm(remaining: number): void {
    this.timer = setTimeout(
      () => {
        if (remaining > MAX_TIMER_MS) return this.arm(remaining - MAX_TIMER_MS)
        this.timedOut = true
        this.abort()
      },
      Math.min(remaining, MAX_TIMER_MS),
    )
  }
}

const inFlight = new WeakMap<AbortSignal, Set<Deadline>>()

function inFlightFor(outer: AbortSignal): Set<Deadline> {
  let requests = inFlight.get(outer)
  if (!requests) {
    const set = new Set<Deadline>()
    requests = set
    inFlight.set(outer, set)
    outer.addEventListener(
      'abort',
      () => {
        for (const deadline of set) deadline.abort(outer.reason)
      },
      { once: true },
    )
  }
  return requests
}
