// Results of a data-driven run: one JSON line per row (a chain: one file for one row) written the
// moment the row finishes, so a crash at row 150 keeps 149; and the summary at the end — rows
// passed and failed, p50/p90/p99 of latency and time to first token, tokens, mean tokens per second.
//   {"row":1,"values":{"question":"…"},"status":"passed","requests":1,"totalMs":412.5,"ttftMs":88.1,
//    "reply":"Paris.","usage":{"prompt_tokens":12,"completion_tokens":3},"tokensPerSecond":41.2,…}
import { closeSync, openSync, writeSync } from 'node:fs'
import { ReportError } from '../errors.js'
import type { Exchange } from '../model.js'
import { type StepResult, statusOf } from '../outcome.js'
import type { Plan } from '../chain.js'
import type { Secrets } from '../secrets.js'
import { responseJson } from '../check/extract.js'
import { tokensPerSecond } from '../check/llm.js'

type Usage = { prompt_tokens?: number; completion_tokens?: number }

/** A CSV results file: its columns (dotted paths into a results line) and csv-stringify's writer. */
export type CsvResults = { readonly columns: readonly string[]; readonly stringify: (records: string[][]) => string }

/** The columns of a CSV results file when --columns does not choose: the row's own fields first. */
export function defaultColumns(valueNames: readonly string[]): string[] {
  return [
    'row',
    ...valueNames.map((name) => `values.${name}`),
    'status',
    'reply',
    'ttftMs',
    'totalMs',
    'tokensPerSecond',
    'usage.prompt_tokens',
    'usage.completion_tokens',
    'error.message',
  ]
}

/** A column of a results line as spreadsheet text: strings as they are, other values as JSON, absent as empty. */
function cell(line: ResultLine, column: string): string {
  let value: unknown = line
  for (const key of column.split('.')) {
    value =
      typeof value === 'object' && value !== null && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined
  }
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): a cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which spreadsheets
 * show as text. A number (`-3`, `+1.5e3`) is left as it is. The server's reply is a cell like any other.
 */
export function inert(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell) ? `'${cell}` : cell
}

/** One line of a results file. */
export type ResultLine = {
  row: number
  values: Record<string, unknown>
  file: string
  status: 'passed' | 'failed' | 'error' | 'skipped'
  requests: number
  asserts: { passed: number; failed: number }
  captures: Record<string, unknown>
  reply?: unknown
  toolCalls?: unknown
  usage?: Usage
  totalMs: number
  ttftMs?: number
  tokensPerSecond?: number
  error?: { code: string; message: string }
  /** `K/N` when the run was one shard of N (--shard): merge checks that every shard is there, once. */
  shard?: string
  /** Which run of the row, with --repeat N. */
  repeat?: number
  /** Its --matrix combination (and `env` with several --env). */
  matrix?: Readonly<Record<string, string>>
}

export type ResultsSummary = {
  rows: number
  passed: number
  failed: number
  /** Rows that never ran: a run stopped (Ctrl-C, --bail) before them. */
  skipped: number
  /** Of the failed rows, those that ended in an error rather than a failed assertion. */
  errors: number
  latencyMs: { p50: number; p90: number; p99: number } | null
  ttftMs: { p50: number; p90: number; p99: number } | null
  promptTokens: number
  completionTokens: number
  /** Completion tokens over generation time, all rows together (never a mean of the rows' rates). */
  tokensPerSecond: number | null
}

export class Results {
  private readonly fd: number | undefined
  private readonly latencies: number[] = []
  private readonly ttfts: number[] = []
  /** Completion tokens, and the seconds generating them took, of the rows with a speed: the run's speed is one over the other. */
  private generatedTokens = 0
  private generationSeconds = 0
  private rows = 0
  private passed = 0
  private skipped = 0
  private errors = 0
  private promptTokens = 0
  private completionTokens = 0
  /** The first write that failed (a full disk): no line is written after it, and the run says so at its end. */
  private writeFailure: ReportError | undefined

  /**
   * `path` is opened now (a bad path fails before anything is sent); undefined only summarises.
   * With `csv`, each row is a CSV record of the chosen columns instead of a JSON line.
   */
  constructor(
    path: string | undefined,
    private readonly secrets: Secrets,
    private readonly csv?: CsvResults,
    /** `K/N` of a --shard run, written on every line. */
    private readonly shard?: string,
  ) {
    this.fd = path === undefined ? undefined : openSync(path, 'w')
    this.path = path
    if (csv) this.append(csv.stringify([csv.columns.map(inert)]))
  }

  private readonly path: string | undefined

  get failure(): ReportError | undefined {
    return this.writeFailure
  }

  private append(text: string): void {
    if (this.fd === undefined || this.writeFailure) return
    try {
      writeSync(this.fd, text)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
      this.writeFailure = new ReportError(
        'REPORT_WRITE',
        `Cannot write the results file ${this.path} (${code}): the rows from here on are not in it`,
        undefined,
        'check the free space and the path given to --results',
        { cause: error },
      )
    }
  }

  /** A row's chain has finished: its line is written at once. */
  /** Writes the row's line and counts it; returns the line. */
  add(plan: Plan, steps: readonly StepResult[]): ResultLine {
    const ran = steps.filter((s) => s.exchange)
    const failed = steps.some((s) => statusOf(s) === 'failed' || statusOf(s) === 'error')
    const status = failed
      ? steps.some((s) => s.error)
        ? 'error'
        : 'failed'
      : steps.every((s) => s.skipped)
        ? 'skipped'
        : 'passed'
    const totalMs = ran.reduce((sum, s) => sum + s.exchange!.timings.totalMs, 0)
    const last = ran[ran.length - 1]?.exchange
    const ttft = ran.map((s) => s.exchange!.timings.firstTokenMs).find((t) => t !== undefined)
    const usage = ran.reduce<Usage>((sum, s) => addUsage(sum, usageOf(s.exchange!)), {})
    const rate = last ? tokensPerSecond(last) : undefined
    const error = steps.find((s) => s.error)?.error
    const line: ResultLine = {
      row: (plan.row?.index ?? 0) + 1,
      values: plan.row?.values ?? {},
      file: plan.file.path,
      status,
      requests: ran.length,
      asserts: {
        passed: steps.reduce((n, s) => n + s.asserts.filter((a) => a.ok).length, 0),
        failed: steps.reduce((n, s) => n + s.asserts.filter((a) => !a.ok).length, 0),
      },
      captures: Object.assign({}, ...steps.map((s) => s.captures)) as Record<string, unknown>,
      ...(last ? replyOf(last) : {}),
      ...(usage.prompt_tokens !== undefined || usage.completion_tokens !== undefined ? { usage } : {}),
      totalMs: round(totalMs),
      ...(ttft !== undefined ? { ttftMs: round(ttft) } : {}),
      ...(rate !== undefined ? { tokensPerSecond: round(rate) } : {}),
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      ...(this.shard ? { shard: this.shard } : {}),
      ...(steps[0]?.repeat !== undefined ? { repeat: steps[0].repeat } : {}),
      ...(steps[0]?.matrix ? { matrix: steps[0].matrix } : {}),
    }
    this.count(line)
    if (!this.csv) this.append(`${this.secrets.mask(JSON.stringify(line))}\n`)
    else
      this.append(this.csv.stringify([this.csv.columns.map((column) => inert(this.secrets.mask(cell(line, column))))]))
    return line
  }

  /** Counts one row's line into the summary: a finished row, or a line read back by `merge`. */
  count(line: ResultLine): void {
    this.rows++
    if (line.status === 'passed') this.passed++
    if (line.status === 'skipped') this.skipped++
    if (line.status === 'error') this.errors++
    if (line.requests > 0) this.latencies.push(line.totalMs)
    if (line.ttftMs !== undefined) this.ttfts.push(line.ttftMs)
    const tokens = line.usage?.completion_tokens
    if (line.tokensPerSecond !== undefined && line.tokensPerSecond > 0 && typeof tokens === 'number' && tokens > 0) {
      this.generatedTokens += tokens
      this.generationSeconds += tokens / line.tokensPerSecond
    }
    this.promptTokens += line.usage?.prompt_tokens ?? 0
    this.completionTokens += line.usage?.completion_tokens ?? 0
  }

  /** Writes a line as it is (merge: the shards masked it when they wrote it). */
  write(line: ResultLine): void {
    this.append(`${JSON.stringify(line)}\n`)
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
  }

  /** What a progress line shows, without the summary's sorting. */
  counts(): { rows: number; failed: number; completionTokens: number } {
    return { rows: this.rows, failed: this.rows - this.passed - this.skipped, completionTokens: this.completionTokens }
  }

  summary(): ResultsSummary {
    return {
      rows: this.rows,
      passed: this.passed,
      failed: this.rows - this.passed - this.skipped,
      skipped: this.skipped,
      errors: this.errors,
      latencyMs: percentiles(this.latencies),
      ttftMs: percentiles(this.ttfts),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      tokensPerSecond: this.generationSeconds > 0 ? round(this.generatedTokens / this.generationSeconds) : null,
    }
  }
}

/** The summary as the lines printed at the end of a data-driven run. */
export function formatSummary(summary: ResultsSummary): string {
  const p = (x: ResultsSummary['latencyMs']) => (x ? `p50 ${x.p50} ms · p90 ${x.p90} ms · p99 ${x.p99} ms` : 'none')
  return [
    `rows: ${summary.passed} passed, ${summary.failed} failed${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''} of ${summary.rows}`,
    `latency: ${p(summary.latencyMs)}`,
    ...(summary.ttftMs ? [`time to first token: ${p(summary.ttftMs)}`] : []),
    ...(summary.promptTokens + summary.completionTokens > 0
      ? [`tokens: ${summary.promptTokens} prompt, ${summary.completionTokens} completion`]
      : []),
    ...(summary.tokensPerSecond !== null
      ? [`speed: ${summary.tokensPerSecond} tok/s (all rows' tokens over their generation time)`]
      : []),
  ].join('\n')
}

/** Nearest-rank percentiles, so any set of rows — split over shards or not — gives the same figures. */
export function percentiles(values: readonly number[]): { p50: number; p90: number; p99: number } | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!)
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) }
}

function replyOf(exchange: Exchange): { reply?: unknown; toolCalls?: unknown } {
  const json = responseJson(exchange)
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return {}
  const value = json.value as {
    choices?: { message?: { content?: unknown; tool_calls?: unknown }; text?: unknown }[]
    message?: { content?: unknown; tool_calls?: unknown }
    response?: unknown
  }
  const message = value.choices?.[0]?.message ?? value.message
  const reply = message?.content ?? value.choices?.[0]?.text ?? value.response
  const toolCalls = message?.tool_calls
  return { ...(reply !== undefined ? { reply } : {}), ...(toolCalls !== undefined ? { toolCalls } : {}) }
}

function usageOf(exchange: Exchange): Usage {
  const json = responseJson(exchange)
  if (!json.ok) return {}
  const value = json.value as {
    usage?: Usage & { input_tokens?: number; output_tokens?: number }
    prompt_eval_count?: number
    eval_count?: number
  } | null
  // The Responses and Anthropic APIs count input and output tokens: the same two numbers.
  if (value?.usage && (value.usage.input_tokens !== undefined || value.usage.output_tokens !== undefined))
    return { prompt_tokens: value.usage.input_tokens ?? 0, completion_tokens: value.usage.output_tokens ?? 0 }
  if (value?.usage) return value.usage
  if (typeof value?.eval_count === 'number')
    return { prompt_tokens: value.prompt_eval_count ?? 0, completion_tokens: value.eval_count }
  return {}
}

function addUsage(a: Usage, b: Usage): Usage {
  if (b.prompt_tokens === undefined && b.completion_tokens === undefined) return a
  return {
    prompt_tokens: (a.prompt_tokens ?? 0) + (b.prompt_tokens ?? 0),
    completion_tokens: (a.completion_tokens ?? 0) + (b.completion_tokens ?? 0),
  }
}

/** The server-counted tokens over the time from the first token to the last; none under a millisecond. */

function round(n: number): number {
  return Math.round(n * 10) / 10
}
