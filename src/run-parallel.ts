// `reqchain test --parallel N`: files run concurrently, each file's requests still in order. Steps
// are reported file by file when a file finishes, so output from different files never interleaves.
import { type Plan, type RunEvent, type RunOptions, type RunResult, type StepResult, run } from './run.js'

export async function runParallel(plans: readonly Plan[], options: RunOptions, concurrency: number): Promise<RunResult> {
  const start = performance.now()
  const results: StepResult[][] = new Array(plans.length)
  let next = 0
  const worker = async () => {
    while (next < plans.length) {
      const index = next++
      const buffered: RunEvent[] = []
      const result = await run([plans[index]!], { ...options, onEvent: (event) => { if (event.kind === 'step') buffered.push(event) }, listenerFor: () => undefined })
      for (const event of buffered) options.onEvent?.(event)
      results[index] = [...result.steps]
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, worker))
  return { steps: results.flat(), interrupted: options.signal?.aborted ?? false, durationMs: performance.now() - start }
}
