// The JUnit report: XML that GitHub Actions, GitLab and Jenkins read: one <testsuite> per file,
// one <testcase> per request; <failure> for failed assertions, <error> for runtime errors, each
// with the code frame in its text.
//   <testsuites name="reqchain" tests="3" failures="1" errors="0" skipped="0" time="0.042">
//     <testsuite name="requests/chat.http" …><testcase name="ask" classname="requests/chat.http" time="0.012"/>
import { type StepResult, type Tally, count, emptyTally, notRunBecause } from '../outcome.js'
import type { ReportFormatter } from './formatter.js'
import type { Secrets } from '../secrets.js'
import { formatAssertionFrame, formatCodeFrame, type Sources } from '../source.js'
import type { AssertResult } from '../model.js'
import { describeQuery, responseJson } from '../check/extract.js'
import { llmDigest } from '../check/llm.js'

/**
 * In pieces as the run goes (report/write.ts): a file's test cases are held until its last step,
 * then its `<testsuite>` (whose attributes count them) is written; the root, with the run's
 * totals, comes last.
 */
export function junitFormatter(
  secrets: Secrets,
  sources: Sources,
  rowName?: string,
  perAssertion = false,
): ReportFormatter {
  let suite: { file: string; cases: string[]; tally: Tally; ms: number } | undefined
  const total = emptyTally() // per assertion, cases are not requests: the root counts what it holds
  const close = (): string => {
    if (!suite) return ''
    const { file, cases, tally, ms } = suite
    suite = undefined
    return `  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${tally.failed}" errors="${tally.errors}" skipped="${tally.skipped}" time="${(ms / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>\n`
  }
  return {
    step: (step) => {
      const done = suite && suite.file !== step.file.path ? close() : ''
      suite ??= { file: step.file.path, cases: [], tally: emptyTally(), ms: 0 }
      if (perAssertion && step.asserts.length > 0 && !step.error && !step.skipped) {
        for (const result of step.asserts) {
          suite.cases.push(assertionCase(step, result, suite.file, secrets, sources, rowName))
          for (const tally of [suite.tally, total]) tally[result.ok ? 'passed' : 'failed']++
        }
      } else {
        suite.cases.push(testCase(step, suite.file, secrets, sources, rowName))
        count(suite.tally, step)
        count(total, step)
      }
      suite.ms += step.exchange?.timings.totalMs ?? 0
      return done
    },
    finish: (run) => {
      const { passed, failed, errors, skipped } = total
      return {
        head: `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="reqchain" tests="${passed + failed + errors + skipped}" failures="${failed}" errors="${errors}" skipped="${skipped}" time="${(run.durationMs / 1000).toFixed(3)}">\n`,
        tail: `${close()}</testsuites>\n`,
      }
    },
  }
}

/**
 * Stable from run to run and under edits above the request: its name (with its line only when
 * another request of the file has the same name), else its method and URL as written (never the
 * rendered URL, whose port or ids change every run) and its line; then the dataset row (with
 * --row-name, that column's value too).
 */
function caseName(step: StepResult, secrets: Secrets, rowName: string | undefined): string {
  const key = rowName !== undefined ? step.rowValues?.[rowName] : undefined
  const keyText =
    key === undefined || key === null
      ? ''
      : ` ${secrets.mask(short(typeof key === 'string' ? key : JSON.stringify(key)))}`
  const { name, span } = step.template
  const named = name !== undefined && step.file.requests.filter((r) => r.name === name).length === 1
  const where = [
    ...(named ? [] : [`line ${span.line}`]),
    ...(step.row !== undefined ? [`row ${step.row}${keyText}`] : []),
    ...(step.iteration !== undefined ? [`iteration ${step.iteration}`] : []),
  ]
  const title = name ?? `${step.template.method} ${secrets.mask(step.template.url.raw)}`
  return where.length > 0 ? `${title} (${where.join(', ')})` : title
}

/** With --junit-cases assertion: one case per assertion, named by the request and the assertion as written. */
function assertionCase(
  step: StepResult,
  result: AssertResult,
  file: string,
  secrets: Secrets,
  sources: Sources,
  rowName: string | undefined,
): string {
  const { assertion } = result
  const text = `${describeQuery(assertion.query)} ${assertion.negated ? 'not ' : ''}${assertion.predicate}${assertion.expected !== undefined ? ` ${assertion.expected}` : ''}`
  const name = `${caseName(step, secrets, rowName)} › ${secrets.mask(text)}`
  const open = `    <testcase name="${xml(name)}" classname="${xml(file)}" file="${xml(file)}" line="${assertion.span.line}" time="0.000"`
  if (result.ok) return `${open}/>`
  return `${open}>\n      <failure message="${xml(secrets.mask(result.message))}" type="assertion">${xml(secrets.mask(formatAssertionFrame(result, sources)))}</failure>\n    </testcase>`
}

function testCase(
  step: StepResult,
  file: string,
  secrets: Secrets,
  sources: Sources,
  rowName: string | undefined,
): string {
  const name = caseName(step, secrets, rowName)
  const time = ((step.exchange?.timings.totalMs ?? step.elapsedMs ?? 0) / 1000).toFixed(3)
  const open = `    <testcase name="${xml(name)}" classname="${xml(file)}" file="${xml(file)}" line="${step.template.span.line}" time="${time}"`
  const children: string[] = []
  if (step.skipped)
    children.push(`      <skipped message="${xml(notRunBecause(step).toLowerCase().replace(/\.$/, ''))}"/>`)
  for (const result of step.asserts) {
    if (result.ok) continue
    children.push(
      `      <failure message="${xml(secrets.mask(result.message))}" type="assertion">${xml(secrets.mask(formatAssertionFrame(result, sources)))}</failure>`,
    )
  }
  if (step.error) {
    children.push(
      `      <error message="${xml(secrets.mask(step.error.message))}" type="${step.error.code}">${xml(secrets.mask(formatCodeFrame(step.error, sources)))}</error>`,
    )
  }
  // After the outcome, as the JUnit schema orders them: what was sent and what came back.
  const sent = step.request ?? step.exchange?.request
  if (sent) {
    const response = step.exchange
      ? ` → ${`${step.exchange.status} ${step.exchange.statusText}`.trim()} · ${Math.round(step.exchange.timings.totalMs)} ms · ${step.exchange.bodySize} bytes`
      : ''
    const json = step.exchange ? responseJson(step.exchange) : undefined
    const llm = step.exchange && json?.ok ? llmDigest(step.exchange, json.value) : undefined
    children.push(
      `      <system-out>${xml(secrets.mask(`${sent.method} ${sent.url}${response}${step.attempts ? ` · after ${step.attempts} attempts` : ''}${llm ? `\n${llm}` : ''}${step.logs ? `\n${step.logs.join('\n')}` : ''}`))}</system-out>`,
    )
  }
  return children.length === 0 ? `${open}/>` : `${open}>\n${children.join('\n')}\n    </testcase>`
}

/** A key column's value as part of a test name: one line, at most 60 characters. */
function short(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 60 ? `${line.slice(0, 59)}…` : line
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot hold. */
function xml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}
