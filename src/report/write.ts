// Writes reports whole or not at all: each goes to a temporary file beside its target and is
// renamed over it, so a reader never sees half a report, even when the run failed or was interrupted.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { ReportTarget } from '../cli/options.js'
import { ReportError, ReqchainError, tooDeep } from '../errors.js'
import type { RunResult } from '../run.js'
import type { Secrets } from '../secrets.js'
import type { Sources } from '../source.js'
import { toJson } from './json.js'
import { toJunit } from './junit.js'
import { toMarkdown } from './markdown.js'

/** Writes every report it can; returns the failures, one per report that could not be written. */
export function writeReports(run: RunResult, targets: readonly ReportTarget[], context: { cwd: string; secrets: Secrets; sources: Sources }): ReportError[] {
  const failures: ReportError[] = []
  for (const target of targets) {
    try {
      const text = target.format === 'junit' ? toJunit(run, context.secrets, context.sources) : target.format === 'json' ? toJson(run, context.secrets) : toMarkdown(run, context.secrets)
      writeAtomically(resolve(context.cwd, target.path), text)
    } catch (error) {
      const failure = tooDeep(error, undefined)
      if (failure instanceof ReportError) failures.push(failure)
      else if (failure instanceof ReqchainError) failures.push(new ReportError('REPORT_WRITE', `Cannot write the ${target.format} report ${target.path}: ${failure.message}`, undefined, failure.hint, { cause: failure }))
      else throw failure
    }
  }
  return failures
}

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(temporary, text)
    renameSync(temporary, path)
  } catch (error) {
    try { rmSync(temporary, { force: true }) } catch { /* the folder itself is unusable: nothing was written */ }
    throw new ReportError('REPORT_WRITE', `Cannot write the report ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, undefined, 'check that the folder is writable', { cause: error })
  }
}
