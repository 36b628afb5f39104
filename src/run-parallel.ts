// `reqchain test --parallel N`: files run concurrently, each file's requests still in order. Each
// file's steps are held until it and every file before it have finished, then reported together,
// so the output reads as a sequential run would: file by file, in the order given.
import { monotonicMs } from './builtins.js'
import { type RunEvent, type RunOptions, run } from './run.js'
import { type RunResult, type StepResult, emptyTally, isFailed } from './outcome.js'
import type { Plan } from './chain.js'

export async function runParallel(
  plans: readonly Plan[],
  options: RunOptions,
  concurrency: number,
): Promise<RunResult> {
  const start = monotonicMs()
  const results: StepResult[][] = new Array(plans.length)
  const events: (RunEvent[] | undefined)[] = new Array(plans.length)
  const finished: boolean[] = new Array(plans.length).fill(false)
  const tally = emptyTally()
  let next = 0
  let reported = 0
  // With --bail the first failure anywhere stops every chain: requests not yet started are skipped.
  let failed = false
  const stopped = () => options.bail && failed
  const worker = async () => {
    while (next < plans.length) {
      const index = next++
      const buffered: RunEvent[] = []
      const onEvent = (event: RunEvent) => {
        if (event.kind === 'sending' || event.kind === 'retry') return
        buffered.push(event)
        if (event.kind !== 'log' && isFailed(event.step)) failed = true
      }
      const result = await run([plans[index]!], { ...options, onEvent, stopped, listenerFor: () => undefined })
      results[index] = [...result.steps]
      for (const key of ['passed', 'failed', 'errors', 'skipped'] as const) tally[key] += result.tally[key]
      events[index] = buffered
      finished[index] = true
      while (reported < plans.length && finished[reported]) {
        for (const event of events[reported]!) options.onEvent?.(event)
        events[reported++] = undefined // reported: not held any longer
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, worker))
  return {
    steps: results.flat(),
    tally,
    interrupted: options.signal?.aborted ?? false,
    durationMs: monotonicMs() - start,
  }
}
