// What a run gives back: a step per request (what was sent and received, the captures and
// assertions, the error), counted by outcome. Reports, records and the CLI read these; run.ts
// makes them.
import type { ReqchainError } from './errors.js'
import type { AssertResult, Exchange, HttpRequest, RequestFile, RequestTemplate } from './model.js'

export type StepResult = {
  readonly file: RequestFile
  readonly template: RequestTemplate
  readonly request?: HttpRequest
  readonly exchange?: Exchange
  readonly captures: Readonly<Record<string, unknown>>
  readonly asserts: readonly AssertResult[]
  readonly error?: ReqchainError
  /** Not run: an earlier request of its file failed and the run stops at failures (--bail), or `# @disabled`. */
  readonly skipped?: boolean
  /** Which time it was sent, 1-based, for a request that loops (`# @loop`). */
  readonly iteration?: number
  /** Why it was not run, when not because the run stopped: `@disabled`. */
  readonly skippedBecause?: string
  /** How many times it was sent, when polled (`# @retry`) past the first. */
  readonly attempts?: number
  /** How long it took when it ended in an error before a response (a timeout, a refused connection). */
  readonly elapsedMs?: number
  /** What its scripts logged (`client.log`, `console.*`), the first 64 KiB, for the reports. */
  readonly logs?: readonly string[]
  /** Variables its scripts cleared (`client.global.clear`): no longer set for the requests after it. */
  readonly released?: readonly string[]
  /** The --dataset row it ran for, 1-based, and that row's fields. */
  readonly row?: number
  readonly rowValues?: Readonly<Record<string, unknown>>
  /** Which run of its chain, 1-based, with --repeat N. */
  readonly repeat?: number
  /** Its --matrix combination. */
  readonly matrix?: Readonly<Record<string, string>>
}

/** Steps counted by outcome. */
export type Tally = { passed: number; failed: number; errors: number; skipped: number }

export type RunResult = {
  /** Every step, in order, when the run keeps them (`keepSteps`); otherwise empty. */
  readonly steps: readonly StepResult[]
  readonly tally: Tally
  /** The last step that got a response: what stdout, -o and --extract show. */
  readonly last?: StepResult
  readonly interrupted: boolean
  readonly durationMs: number
}

export function isFailed(step: StepResult): boolean {
  return step.error !== undefined || step.asserts.some((a) => !a.ok)
}

export type StepStatus = 'passed' | 'failed' | 'error' | 'skipped'

export function statusOf(step: StepResult): StepStatus {
  if (step.skipped) return 'skipped'
  if (step.error) return 'error'
  return isFailed(step) ? 'failed' : 'passed'
}

export function emptyTally(): Tally {
  return { passed: 0, failed: 0, errors: 0, skipped: 0 }
}

export function count(tally: Tally, step: StepResult): void {
  const status = statusOf(step)
  if (status === 'error') tally.errors++
  else tally[status]++
}

/** Requests counted by outcome; an error counts as failed. */
export function summaryOf(run: RunResult): { passed: number; failed: number; skipped: number; interrupted: boolean } {
  const { passed, failed, errors, skipped } = run.tally
  return { passed, failed: failed + errors, skipped, interrupted: run.interrupted }
}

/** Why a skipped step was not run, as the reports say it. */
export function notRunBecause(step: StepResult): string {
  return step.skippedBecause === '@disabled'
    ? 'Not run: disabled (`@disabled`).'
    : 'Not run: an earlier request failed.'
}
