// --repeat N: how often each request, and each of its assertions, passed over the runs — the
// figure that says whether an LLM collection is right, when one run of it cannot.
//
//   pass rate over 10 runs:
//     ask (chat.http:3)                 9/10  90%
//       reply contains "Paris"          9/10
import { describeQuery } from '../check/extract.js'
import { type StepResult, statusOf } from '../outcome.js'

type Count = { passed: number; runs: number }

export class PassRates {
  private readonly requests = new Map<string, Count & { label: string; asserts: Map<string, Count> }>()

  constructor(private readonly repeat: number) {}

  /** One run of one request. A request not run (skipped) counts as a run that did not pass. */
  add(step: StepResult): void {
    const { template, file } = step
    // With --matrix, each combination's runs are counted apart.
    const combination = step.matrix
      ? ` [${Object.entries(step.matrix)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ')}]`
      : ''
    const key = `${file.path}\0${template.span.line}\0${combination}`
    let request = this.requests.get(key)
    if (!request) {
      const name = template.name ?? `${template.method} ${template.url.raw}`
      request = {
        label: `${name} (${file.path}:${template.span.line})${combination}`,
        passed: 0,
        runs: 0,
        asserts: new Map(),
      }
      this.requests.set(key, request)
    }
    request.runs++
    if (statusOf(step) === 'passed') request.passed++
    for (const result of step.asserts) {
      const { assertion } = result
      const text = `${describeQuery(assertion.query)} ${assertion.negated ? 'not ' : ''}${assertion.predicate}${assertion.expected !== undefined ? ` ${assertion.expected}` : ''}`
      const count = request.asserts.get(text) ?? { passed: 0, runs: 0 }
      count.runs++
      if (result.ok) count.passed++
      request.asserts.set(text, count)
    }
  }

  /** Every request passed in at least `share` of its runs. */
  meets(share: number): boolean {
    return [...this.requests.values()].every((r) => r.runs > 0 && r.passed / r.runs >= share)
  }

  format(): string {
    const rows: [string, string][] = []
    for (const request of this.requests.values()) {
      rows.push([`  ${request.label}`, `${request.passed}/${request.runs}  ${percent(request.passed, request.runs)}`])
      for (const [text, count] of request.asserts) rows.push([`    ${text}`, `${count.passed}/${count.runs}`])
    }
    const width = Math.min(60, Math.max(...rows.map(([label]) => label.length)) + 2)
    return [
      `pass rate over ${this.repeat} runs:`,
      ...rows.map(([label, figure]) => `${label.length >= width ? `${label} ` : label.padEnd(width)}${figure}`),
    ].join('\n')
  }
}

function percent(passed: number, runs: number): string {
  return `${Math.round((passed / runs) * 1000) / 10}%`
}
