// GitHub Actions annotations: one workflow command per failed assertion and per error, so the
// failure shows on the pull request's diff at the request file's line and column.
//   ::error file=api/login.http,line=12,col=23,title=reqchain%3A Undefined variable::`token` is not set
// Property values escape % CR LF : and , ; the message escapes % CR LF
// (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions).
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { StepResult } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import type { ReportFormatter } from './formatter.js'

export function githubFormatter(secrets: Secrets, cwd: string, workspace: string | undefined): ReportFormatter {
  // GitHub places an annotation by its path from the repository's root (GITHUB_WORKSPACE), not
  // from where reqchain ran; a file outside the workspace keeps the path it was given.
  const fromRoot = (file: string) => {
    if (!workspace) return file
    const path = relative(workspace, resolve(cwd, file))
    return path.startsWith('..') || isAbsolute(path) ? file : path.split(sep).join('/')
  }
  return {
    step: (step) => annotations(step, secrets, fromRoot).join(''),
    finish: () => ({ head: '', tail: '' }),
  }
}

function annotations(step: StepResult, secrets: Secrets, fromRoot: (file: string) => string): string[] {
  const out: string[] = []
  const where = (span: { file: string; line: number; column: number } | undefined) =>
    span
      ? `file=${property(fromRoot(span.file))},line=${span.line},col=${span.column},`
      : `file=${property(fromRoot(step.file.path))},line=${step.template.span.line},`
  for (const result of step.asserts) {
    if (result.ok) continue
    out.push(
      `::error ${where(result.assertion.span)}title=${property('reqchain: assertion failed')}::${data(secrets.mask(result.message))}\n`,
    )
  }
  if (step.error) {
    const message = `${step.error.message}${step.error.hint ? ` (${step.error.hint})` : ''}`
    out.push(
      `::error ${where(step.error.span)}title=${property(`reqchain: ${step.error.code}`)}::${data(secrets.mask(message))}\n`,
    )
  }
  return out
}

function data(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function property(text: string): string {
  return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
