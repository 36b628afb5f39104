// What a report is, for the formatters that make one and for the CLI that asks for one: its format
// and path, and the formatter's shape (report/write.ts drives each formatter as the run goes).
import type { RunResult, StepResult } from '../outcome.js'
import type { ResultsSummary } from './results.js'
import type { MatrixRow } from './matrix.js'

/** What a run sums up beyond its steps: a --dataset run's rows, a --matrix run's combinations. */
export type RunSummaries = { readonly dataset?: ResultsSummary; readonly matrix?: readonly MatrixRow[] }

export type ReportFormat = 'junit' | 'json' | 'markdown' | 'github' | 'har' | 'html'

/** `--report FORMAT=PATH` (`-` for stdout). */
export type ReportTarget = { readonly format: ReportFormat; readonly path: string }

export type ReportFormatter = {
  /** The text a step adds, in order (possibly nothing yet: JUnit holds a file's cases). */
  readonly step: (step: StepResult) => string
  /** `summaries`: of a --dataset run's rows and a --matrix run's combinations, for the formats that carry them. */
  readonly finish: (run: RunResult, summaries?: RunSummaries) => { readonly head: string; readonly tail: string }
}
