// toJunit(run) → JUnit XML that GitHub Actions, GitLab and Jenkins read: one <testsuite> per file,
// one <testcase> per request; <failure> for failed assertions, <error> for runtime errors, each
// with the code frame in its text.
//   <testsuites name="reqchain" tests="3" failures="1" errors="0" skipped="0" time="0.042">
//     <testsuite name="requests/chat.http" …><testcase name="ask" classname="requests/chat.http" time="0.012"/>
import { type RunResult, type StepResult, statusOf } from '../run.js'
import type { Secrets } from '../secrets.js'
import { formatAssertionFrame, formatCodeFrame, type Sources } from '../source.js'

export function toJunit(run: RunResult, secrets: Secrets, sources: Sources): string {
  const byFile = new Map<string, StepResult[]>()
  for (const step of run.steps) byFile.set(step.file.path, [...(byFile.get(step.file.path) ?? []), step])
  const count = (steps: readonly StepResult[], status: string) => steps.filter((s) => statusOf(s) === status).length
  const seconds = (steps: readonly StepResult[]) => (steps.reduce((sum, s) => sum + (s.exchange?.timings.totalMs ?? 0), 0) / 1000).toFixed(3)
  const suites = [...byFile.entries()].map(([file, steps]) => {
    const cases = steps.map((step) => {
      const name = `${step.template.name ?? `${step.template.method} ${secrets.mask(step.request?.url ?? step.template.url.raw)}`} (line ${step.template.span.line})`
      const time = ((step.exchange?.timings.totalMs ?? 0) / 1000).toFixed(3)
      const open = `    <testcase name="${xml(name)}" classname="${xml(file)}" file="${xml(file)}" line="${step.template.span.line}" time="${time}"`
      const children: string[] = []
      if (step.skipped) children.push('      <skipped message="not run: an earlier request failed"/>')
      for (const result of step.asserts) {
        if (result.ok) continue
        children.push(`      <failure message="${xml(secrets.mask(result.message))}" type="assertion">${xml(secrets.mask(formatAssertionFrame(result, sources)))}</failure>`)
      }
      if (step.error) {
        children.push(`      <error message="${xml(secrets.mask(step.error.message))}" type="${step.error.code}">${xml(secrets.mask(formatCodeFrame(step.error, sources)))}</error>`)
      }
      return children.length === 0 ? `${open}/>` : `${open}>\n${children.join('\n')}\n    </testcase>`
    })
    return `  <testsuite name="${xml(file)}" tests="${steps.length}" failures="${count(steps, 'failed')}" errors="${count(steps, 'error')}" skipped="${count(steps, 'skipped')}" time="${seconds(steps)}">\n${cases.join('\n')}\n  </testsuite>`
  })
  const all = run.steps
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="reqchain" tests="${all.length}" failures="${count(all, 'failed')}" errors="${count(all, 'error')}" skipped="${count(all, 'skipped')}" time="${(run.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot hold. */
function xml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
