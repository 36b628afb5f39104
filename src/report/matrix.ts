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
import { percentiles } from './results.js'

type Group = {
  readonly matrix: Readonly<Record<string, string>>
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
  readonly requests: number
  readonly passed: number
  readonly passRate: number
  readonly latencyMs: { p50: number; p90: number } | null
  readonly ttftMs: { p50: number; p90: number } | null
  readonly tokensPerSecond: number | null
  readonly completionTokens: number
}

export class MatrixTable {
  private readonly groups = new Map<string, Group>()

  add(step: StepResult): void {
    const matrix = step.matrix ?? {}
    const key = JSON.stringify(matrix)
    let group = this.groups.get(key)
    if (!group) {
      group = {
        matrix,
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
    group.requests++
    if (statusOf(step) === 'passed') group.passed++
    const exchange = step.exchange
    if (!exchange) return
    group.latencies.push(exchange.timings.totalMs)
    if (exchange.timings.firstTokenMs !== undefined) group.ttfts.push(exchange.timings.firstTokenMs)
    const tokens = completionTokens(step)
    if (tokens === undefined) return
    group.tokens += tokens
    const rate = tokensPerSecond(exchange)
    if (rate !== undefined && rate > 0) {
      group.generatedTokens += tokens
      group.generationSeconds += tokens / rate
    }
  }

  rows(): MatrixRow[] {
    return [...this.groups.values()].map((g) => ({
      matrix: g.matrix,
      requests: g.requests,
      passed: g.passed,
      passRate: g.requests > 0 ? round(g.passed / g.requests, 1000) : 0,
      latencyMs: p50p90(g.latencies),
      ttftMs: p50p90(g.ttfts),
      tokensPerSecond: g.generationSeconds > 0 ? round(g.generatedTokens / g.generationSeconds) : null,
      completionTokens: g.tokens,
    }))
  }

  format(): string {
    const rows = this.rows()
    const label = (row: MatrixRow) =>
      Object.entries(row.matrix)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')
    const width = Math.max(...rows.map((r) => label(r).length)) + 2
    return [
      'matrix:',
      ...rows.map((row) =>
        [
          `  ${label(row).padEnd(width)}${row.passed}/${row.requests} passed`,
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
