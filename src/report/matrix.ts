// --matrix: the same collection against several models or servers in one run, summed up per
// combination — pass rate, latency, time to first token, speed and tokens — so one table says
// which is fast and right:
//
//   matrix:
//     model=llama3      12/12 passed  p50 412 ms  p90 880 ms  ttft p50 95 ms  61.2 tok/s  1,904 tokens
//     model=qwen2.5     10/12 passed  p50 301 ms  …
import { llmValues, tokensPerSecond } from '../check/llm.js'
import { responseJson } from '../check/extract.js'
import { type StepResult, statusOf } from '../outcome.js'
import { type ResultLine, percentiles } from './results.js'

type Group = {
  readonly matrix: Readonly<Record<string, string>>
  /** What was counted: each request, or in a --dataset run each row (a row passes when all its requests do). */
  counted: number
  requests: number
  passed: number
  readonly latencies: number[]
  readonly ttfts: number[]
  tokens: number
  generatedTokens: number
  generationSeconds: number
}

/** One combination's figures, as the JSON report holds them. */
export type MatrixRow = {
  readonly matrix: Readonly<Record<string, string>>
  /** In a --dataset run: the rows, which `passed` and `passRate` count. */
  readonly rows?: number
  readonly requests: number
  readonly passed: number
  readonly passRate: number
  readonly latencyMs: { p50: number; p90: number } | null
  readonly ttftMs: { p50: number; p90: number } | null
  readonly tokensPerSecond: number | null
  readonly completionTokens: number
}

/** What one request, or one --dataset row (a results line), adds to its combination. */
type Counted = {
  readonly requests: number
  readonly passed: boolean
  readonly latencyMs?: number
  readonly ttftMs?: number
  readonly completionTokens?: number
  readonly tokensPerSecond?: number
}

export class MatrixTable {
  private readonly groups = new Map<string, Group>()

  /** `byRow`: a --dataset run counts rows (its results lines), others each request. */
  constructor(private readonly byRow = false) {}

  /** A request's step, in a run without --dataset. */
  add(step: StepResult): void {
    const exchange = step.exchange
    const rate = exchange ? tokensPerSecond(exchange) : undefined
    this.count(step.matrix, {
      requests: exchange ? 1 : 0,
      passed: statusOf(step) === 'passed',
      ...(exchange ? { latencyMs: exchange.timings.totalMs } : {}),
      ...(exchange?.timings.firstTokenMs !== undefined ? { ttftMs: exchange.timings.firstTokenMs } : {}),
      ...(exchange ? optional('completionTokens', completionTokens(step)) : {}),
      ...optional('tokensPerSecond', rate),
    })
  }

  /** A --dataset row as its results line has it (as it ends, or read back by `merge`). */
  addLine(line: ResultLine): void {
    this.count(line.matrix, {
      requests: line.requests,
      passed: line.status === 'passed',
      ...(line.requests > 0 ? { latencyMs: line.totalMs } : {}),
      ...optional('ttftMs', line.ttftMs),
      ...optional('completionTokens', line.usage?.completion_tokens),
      ...optional('tokensPerSecond', line.tokensPerSecond),
    })
  }

  private count(matrix: Readonly<Record<string, string>> = {}, counted: Counted): void {
    const key = JSON.stringify(matrix)
    let group = this.groups.get(key)
    if (!group) {
      group = {
        matrix,
        counted: 0,
        requests: 0,
        passed: 0,
        latencies: [],
        ttfts: [],
        tokens: 0,
        generatedTokens: 0,
        generationSeconds: 0,
      }
      this.groups.set(key, group)
    }
    group.counted++
    group.requests += counted.requests
    if (counted.passed) group.passed++
    if (counted.latencyMs !== undefined) group.latencies.push(counted.latencyMs)
    if (counted.ttftMs !== undefined) group.ttfts.push(counted.ttftMs)
    const tokens = counted.completionTokens
    if (tokens === undefined) return
    group.tokens += tokens
    const rate = counted.tokensPerSecond
    if (rate !== undefined && rate > 0 && tokens > 0) {
      group.generatedTokens += tokens
      group.generationSeconds += tokens / rate
    }
  }

  rows(): MatrixRow[] {
    return [...this.groups.values()].map((g) => ({
      matrix: g.matrix,
      ...(this.byRow ? { rows: g.counted } : {}),
      requests: g.requests,
      passed: g.passed,
      passRate: g.counted > 0 ? round(g.passed / g.counted, 1000) : 0,
      latencyMs: p50p90(g.latencies),
      ttftMs: p50p90(g.ttfts),
      tokensPerSecond: g.generationSeconds > 0 ? round(g.generatedTokens / g.generationSeconds) : null,
      completionTokens: g.tokens,
    }))
  }

  format(): string {
    return formatMatrix(this.rows())
  }
}

/** The table as stderr (and `merge`) print it. */
export function formatMatrix(rows: readonly MatrixRow[]): string {
  const width = Math.max(...rows.map((r) => matrixLabel(r).length)) + 2
  return [
    'matrix:',
    ...rows.map((row) =>
      [
        `  ${matrixLabel(row).padEnd(width)}${passedOf(row)}`,
        row.latencyMs ? `p50 ${row.latencyMs.p50} ms  p90 ${row.latencyMs.p90} ms` : undefined,
        row.ttftMs ? `ttft p50 ${row.ttftMs.p50} ms` : undefined,
        row.tokensPerSecond !== null ? `${row.tokensPerSecond} tok/s` : undefined,
        row.completionTokens > 0 ? `${row.completionTokens} tokens` : undefined,
      ]
        .filter((part) => part !== undefined)
        .join('  '),
    ),
  ].join('\n')
}

/** `model=llama3 temperature=0`. */
export function matrixLabel(row: MatrixRow): string {
  return Object.entries(row.matrix)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')
}

/** `12/12 passed`, or in a --dataset run `9/10 rows passed`. */
export function passedOf(row: MatrixRow): string {
  return row.rows !== undefined ? `${row.passed}/${row.rows} rows passed` : `${row.passed}/${row.requests} passed`
}

function optional<K extends string>(key: K, value: number | undefined): { [key in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [key in K]?: number }
}

function completionTokens(step: StepResult): number | undefined {
  const exchange = step.exchange!
  if (exchange.stream?.completionTokens !== undefined) return exchange.stream.completionTokens
  const json = responseJson(exchange)
  if (!json.ok) return undefined
  const [usage] = llmValues(json.value, 'usage') as (Record<string, unknown> | undefined)[]
  const tokens = usage?.['completion_tokens'] ?? usage?.['output_tokens']
  return typeof tokens === 'number' ? tokens : undefined
}

function round(n: number, by = 10): number {
  return Math.round(n * by) / by
}

/** The dataset summary's nearest-rank percentiles, p50 and p90. */
function p50p90(values: readonly number[]): { p50: number; p90: number } | null {
  const all = percentiles(values)
  return all ? { p50: all.p50, p90: all.p90 } : null
}
