// Reports written as the run goes, whole or not at all. Each step is rendered by each report's
// formatter the moment it ends and appended to a spool file (in the temporary folder, unlinked at
// once), so a run of any length holds no step for its reports. When the run is over the report is
// put together — its head (which holds the summary), the spooled steps, its tail — and written by
// output-file.ts's rules: a temporary file renamed over a regular target, so a reader never sees
// half a report, even when the run failed or was interrupted; a device or FIFO written in place.
//
// The spooled text is masked again as it is copied, with every secret the run learned by its end:
// a value captured by the tenth request is masked in the first request's response too.
import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ReportError, ReqchainError, tooDeep } from '../errors.js'
import type { RunResult, StepResult } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import type { Sources } from '../source.js'
import type { OutStream } from '../io.js'
import { type OutputFile, type OutputOptions, openOutput, rmQuietly, writeOutput } from '../output-file.js'
import type { ReportFormatter, ReportTarget } from './formatter.js'
import { githubFormatter } from './github.js'
import { harFormatter } from './har.js'
import { htmlFormatter } from './html.js'
import { jsonFormatter } from './json.js'
import { junitFormatter } from './junit.js'
import { markdownFormatter } from './markdown.js'
import type { RunSummaries } from './formatter.js'

type Context = {
  readonly cwd: string
  readonly secrets: Secrets
  readonly sources: Sources
  readonly stdout?: OutStream
  /** Where a report given as `-` goes when stdout carries the response body (`run` without -o). */
  readonly stderr?: OutStream
  readonly bodyOnStdout?: boolean
  /** GITHUB_WORKSPACE: annotations name files relative to the repository's root. */
  readonly workspace?: string
  readonly rowName?: string
  readonly junitCases?: 'request' | 'assertion'
}

type Report = {
  target: ReportTarget
  path: string
  spool: string
  fd?: number
  formatter: ReportFormatter
  failure?: ReportError
  held?: string[]
}

let spools = 0

export class ReportWriter {
  private readonly reports: Report[]

  constructor(
    targets: readonly ReportTarget[],
    private readonly context: Context,
  ) {
    this.reports = targets.map((target) => {
      const path = resolve(context.cwd, target.path)
      const report: Report = {
        target,
        path,
        spool: join(tmpdir(), `reqchain-${process.pid}-${++spools}.spool`),
        formatter: formatterFor(target, context),
      }
      if (target.path === '-') {
        report.held = [] // stdout: a few lines, written when the run is over
        return report
      }
      try {
        mkdirSync(dirname(path), { recursive: true })
        // The spool holds text not yet masked with what later steps teach: its owner's alone, and
        // (but on Windows) gone from the folder at once, so a killed run leaves none behind.
        report.fd = openSync(report.spool, 'w+', 0o600)
        if (process.platform !== 'win32') rmQuietly(report.spool)
      } catch (error) {
        report.failure = writeError(target, path, error)
      }
      return report
    })
  }

  add(step: StepResult): void {
    for (const report of this.reports) {
      if (report.failure) continue
      try {
        const text = report.formatter.step(step)
        if (text && report.held) report.held.push(text)
        else if (text) writeSync(report.fd!, text)
      } catch (error) {
        this.fail(report, error)
      }
    }
  }

  /** Writes every report it can; returns the failures, one per report that could not be written. */
  finish(run: RunResult, summaries?: RunSummaries): ReportError[] {
    for (const report of this.reports) {
      if (report.failure) continue
      if (report.held) {
        // Never glued to a body on stdout: with one there, the lines go to stderr (GitHub reads both).
        const { head, tail } = report.formatter.finish(run, summaries)
        const out = this.context.bodyOnStdout ? this.context.stderr : this.context.stdout
        out?.write(this.context.secrets.mask(`${head}${report.held.join('')}${tail}`))
        continue
      }
      let out: OutputFile | undefined
      try {
        const { head, tail } = report.formatter.finish(run, summaries)
        out = openOutput(report.path)
        writeSync(out.fd, this.context.secrets.mask(head))
        copyMasked(report.fd!, out.fd, this.context.secrets)
        writeSync(out.fd, this.context.secrets.mask(tail))
        out.commit()
        closeSync(report.fd!)
        report.fd = undefined
      } catch (error) {
        out?.discard()
        this.fail(report, error)
      }
      rmQuietly(report.spool)
    }
    for (const report of this.reports) rmQuietly(report.spool)
    return this.reports.flatMap((r) => (r.failure ? [r.failure] : []))
  }

  private fail(report: Report, error: unknown): void {
    if (report.fd !== undefined) {
      try {
        closeSync(report.fd)
      } catch {
        /* already unusable */
      }
      report.fd = undefined
    }
    rmQuietly(report.spool)
    const failure = tooDeep(error, undefined)
    if (!(failure instanceof ReqchainError) && !(failure instanceof Error && 'code' in failure)) throw failure
    report.failure =
      failure instanceof ReqchainError
        ? new ReportError(
            'REPORT_WRITE',
            `Cannot write the ${report.target.format} report ${report.target.path}: ${failure.message}`,
            undefined,
            failure.hint,
            { cause: failure },
          )
        : writeError(report.target, report.path, failure)
  }
}

function formatterFor(target: ReportTarget, context: Context): ReportFormatter {
  switch (target.format) {
    case 'junit':
      return junitFormatter(context.secrets, context.sources, context.rowName, context.junitCases === 'assertion')
    case 'json':
      return jsonFormatter(context.secrets)
    case 'markdown':
      return markdownFormatter(context.secrets)
    case 'github':
      return githubFormatter(context.secrets, context.cwd, context.workspace)
    case 'har':
      return harFormatter(context.secrets)
    case 'html':
      return htmlFormatter(context.secrets)
  }
}

/** Copies the spool line by line (a secret never spans lines; lines are bounded, bodies being cut at 1 MiB), masking each. */
function copyMasked(input: number, out: number, secrets: Secrets): void {
  const buffer = Buffer.allocUnsafe(1024 * 1024)
  const decoder = new TextDecoder()
  let carry = ''
  let position = 0
  for (
    let read = readSync(input, buffer, 0, buffer.length, position);
    read > 0;
    read = readSync(input, buffer, 0, buffer.length, position)
  ) {
    position += read
    const text = carry + decoder.decode(buffer.subarray(0, read), { stream: true })
    const end = text.lastIndexOf('\n') + 1
    if (end > 0) writeSync(out, secrets.mask(text.slice(0, end)))
    carry = text.slice(end)
  }
  carry += decoder.decode()
  if (carry) writeSync(out, secrets.mask(carry))
}

/** A file written whole or not at all (output-file.ts: a device or a FIFO is written in place). */
export function writeAtomically(path: string, text: string, options: OutputOptions = {}): void {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeOutput(path, text, options)
  } catch (error) {
    throw new ReportError(
      'REPORT_WRITE',
      `Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      undefined,
      'check that the folder is writable',
      { cause: error },
    )
  }
}

function writeError(target: ReportTarget, path: string, error: unknown): ReportError {
  return new ReportError(
    'REPORT_WRITE',
    `Cannot write the report ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    undefined,
    'check that the folder is writable',
    { cause: error },
  )
}
