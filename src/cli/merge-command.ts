// `reqchain merge A.jsonl B.jsonl …`: the results files of a dataset split with --shard K/N, read
// back into one summary — the same percentiles, counts and tokens one unsplit run would print —
// and, with --results, one results file ordered by file and row. A row in two shards is an error:
// counted twice it would bend every figure. The shards' JUnit (.xml) and JSON (.json) reports
// given beside them are joined into --junit and --json files.
import { createReadStream } from 'node:fs'
import { InputFileError, readInputFile } from '../load/input-file.js'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { LoadError, UsageError } from '../errors.js'
import { ExitCode } from './exit-code.js'
import type { Io } from '../io.js'
import { canonical } from './outputs.js'
import { Secrets } from '../secrets.js'
import type { MatrixRow, MatrixTable } from '../report/matrix.js'

export type MergeOptions = {
  readonly paths: readonly string[]
  readonly results?: string
  readonly junit?: string
  readonly json?: string
}

const STATUSES = new Set(['passed', 'failed', 'error', 'skipped'])

export async function mergeCommand(options: MergeOptions, io: Io): Promise<ExitCode> {
  const { Results, formatSummary } = await import('../report/results.js')
  type Line = Parameters<InstanceType<typeof Results>['count']>[0]
  if (options.paths.length === 0)
    throw new UsageError(
      'merge needs the results files to merge',
      'for example: reqchain merge shard-1.jsonl shard-2.jsonl',
    )
  const inputs = new Set<string>()
  for (const path of options.paths) {
    const key = canonical(resolve(io.cwd, path))
    if (inputs.has(key)) throw new UsageError(`${path} is named twice`, 'merge each results file once')
    inputs.add(key)
  }
  for (const [flag, out] of [
    ['--results', options.results],
    ['--junit', options.junit],
    ['--json', options.json],
  ] as const) {
    if (out !== undefined && inputs.has(canonical(resolve(io.cwd, out))))
      throw new UsageError(
        `${flag} ${out} would overwrite one of the files being merged`,
        'write the merged file to a new path',
      )
  }
  const kindOf = (path: string) => (/\.xml$/i.test(path) ? 'junit' : /\.json$/i.test(path) ? 'json' : 'results')
  const junitInputs = options.paths.filter((p) => kindOf(p) === 'junit')
  const jsonInputs = options.paths.filter((p) => kindOf(p) === 'json')
  if (junitInputs.length > 0 && options.junit === undefined)
    throw new UsageError(
      'JUnit reports to merge need --junit OUT.xml',
      'for example: reqchain merge s1.jsonl s2.jsonl s1.xml s2.xml --junit all.xml',
    )
  if (jsonInputs.length > 0 && options.json === undefined)
    throw new UsageError(
      'JSON reports to merge need --json OUT.json',
      'for example: reqchain merge s1.jsonl s2.jsonl s1.json s2.json --json all.json',
    )
  const { writeAtomically } = await import('../report/write.js')
  const lines: Line[] = []
  const seen = new Map<string, string>()
  /** The `K/N` each results file's lines carry (--shard), or undefined for a file with none (no rows, or no --shard). */
  const shards = new Map<string, string | undefined>()
  for (const path of options.paths.filter((p) => kindOf(p) === 'results')) {
    shards.set(path, undefined)
    let number = 0
    const input = createReadStream(resolve(io.cwd, path))
    const opened = new Promise<void>((ok, fail) => {
      input.once('open', () => ok())
      input.once('error', fail)
    })
    try {
      await opened
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `Cannot read ${path}: ${code === 'ENOENT' ? 'not found' : (code ?? 'error')}`,
        undefined,
        'name the files --results wrote',
      )
    }
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      number++
      if (text.trim() === '') continue
      const at = { file: path, line: number, column: 1 }
      let line: Line
      try {
        line = JSON.parse(text) as Line
      } catch {
        throw new LoadError(
          'LOAD_JSON',
          `${path}:${number} is not JSON`,
          at,
          'a results file has one JSON object per line, as --results writes it',
        )
      }
      if (!isResultLine(line))
        throw new LoadError(
          'LOAD_SYNTAX',
          `${path}:${number} is not a results line`,
          at,
          'it needs at least row, file, status, requests and totalMs, as --results writes them',
        )
      const key = `${line.file}\0${line.row}\0${line.repeat ?? ''}\0${line.matrix ? JSON.stringify(line.matrix) : ''}`
      const earlier = seen.get(key)
      if (earlier)
        throw new LoadError(
          'LOAD_SYNTAX',
          `Row ${line.row} of ${line.file}${
            line.matrix
              ? ` (${Object.entries(line.matrix)
                  .map(([n, v]) => `${n}=${v}`)
                  .join(' ')})`
              : ''
          } is in ${earlier} and in ${path}:${number}`,
          at,
          'the shards overlap: merge each shard once (--shard K/N with the same N)',
        )
      seen.set(key, `${path}:${number}`)
      if (line.shard !== undefined) {
        const earlier = shards.get(path)
        if (earlier !== undefined && earlier !== line.shard)
          throw new LoadError(
            'LOAD_SYNTAX',
            `${path} holds rows of shard ${earlier} and of shard ${line.shard}`,
            at,
            'merge the results files the shards wrote, each as it was written',
          )
        shards.set(path, line.shard)
      }
      lines.push(line)
    }
  }
  checkShards(shards)
  // A --matrix run's combinations in the order they first appear, each one's rows after the other's.
  const combinations = [...new Set(lines.map((l) => JSON.stringify(l.matrix ?? {})))]
  const combination = new Map(combinations.map((key, i) => [key, i]))
  const order = (line: Line) => combination.get(JSON.stringify(line.matrix ?? {}))!
  lines.sort((a, b) =>
    a.file < b.file
      ? -1
      : a.file > b.file
        ? 1
        : order(a) - order(b) || a.row - b.row || (a.repeat ?? 0) - (b.repeat ?? 0),
  )
  const results = new Results(undefined, new Secrets())
  for (const line of lines) results.count(line)
  const summary = lines.length > 0 ? results.summary() : undefined
  const matrix = lines.some((l) => l.matrix) ? await matrixOf(lines) : undefined
  if (options.results !== undefined)
    writeAtomically(resolve(io.cwd, options.results), lines.map((l) => `${JSON.stringify(l)}\n`).join(''))
  if (options.junit !== undefined)
    writeAtomically(
      resolve(io.cwd, options.junit),
      mergeJunit(junitInputs.map((p) => ({ path: p, text: readText(p, io) }))),
    )
  if (options.json !== undefined)
    writeAtomically(
      resolve(io.cwd, options.json),
      mergeJson(
        jsonInputs.map((p) => ({ path: p, text: readText(p, io) })),
        summary,
        matrix,
      ),
    )
  if (summary) io.stdout.write(`${formatSummary(summary)}\n`)
  if (matrix) io.stdout.write(`${(await import('../report/matrix.js')).formatMatrix(matrix)}\n`)
  if (!summary) return ExitCode.ok
  return summary.errors > 0 ? ExitCode.runtime : summary.failed > 0 ? ExitCode.assert : ExitCode.ok
}

function readText(path: string, io: Io): string {
  try {
    return readInputFile(resolve(io.cwd, path)).toString('utf8')
  } catch (error) {
    throw new LoadError(
      'LOAD_FILE_NOT_FOUND',
      `Cannot read ${path}: ${error instanceof InputFileError ? error.message : ((error as NodeJS.ErrnoException).code ?? 'error')}`,
      undefined,
      'name the reports the shards wrote',
    )
  }
}

const COUNTS = ['tests', 'failures', 'errors', 'skipped'] as const

/** JUnit reports of shards as one: every <testsuite> kept as written, the root's counts and time summed. */
function mergeJunit(reports: readonly { path: string; text: string }[]): string {
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 }
  const suites: string[] = []
  for (const { path, text } of reports) {
    const root = text.match(/<testsuites\b([^>]*)>/)
    if (!root || !text.trimEnd().endsWith('</testsuites>'))
      throw new LoadError(
        'LOAD_SYNTAX',
        `${path} is not a JUnit report`,
        { file: path, line: 1, column: 1 },
        'merge the JUnit files --report junit=… wrote',
      )
    for (const count of COUNTS) totals[count] += Number(root[1]!.match(new RegExp(`\\b${count}="(\\d+)"`))?.[1] ?? 0)
    totals.time += Number(root[1]!.match(/\btime="([\d.]+)"/)?.[1] ?? 0)
    suites.push(...(text.match(/ {2}<testsuite\b[\s\S]*?<\/testsuite>\n/g) ?? []))
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="reqchain" ${COUNTS.map((c) => `${c}="${totals[c]}"`).join(' ')} time="${totals.time.toFixed(3)}">\n${suites.join('')}</testsuites>\n`
}

type JsonReport = {
  reqchain: string
  durationMs: number
  summary: { passed: number; failed: number; skipped: number; interrupted: boolean }
  steps: { file: string; row?: number; line: number }[]
}

/** A --matrix run's table of combinations, from its rows' results lines. */
async function matrixOf(lines: Parameters<MatrixTable['addLine']>[0][]): Promise<MatrixRow[]> {
  const table = new (await import('../report/matrix.js')).MatrixTable(true)
  for (const line of lines) table.addLine(line)
  return table.rows()
}

/** JSON reports of shards as one: steps ordered by file, row and line, the counts summed, the row and matrix summaries from the results files. */
function mergeJson(
  reports: readonly { path: string; text: string }[],
  dataset: object | undefined,
  matrix: readonly MatrixRow[] | undefined,
): string {
  const parsed = reports.map(({ path, text }) => {
    let value: JsonReport | null
    try {
      value = JSON.parse(text) as JsonReport | null
    } catch {
      throw new LoadError(
        'LOAD_JSON',
        `${path} is not JSON`,
        { file: path, line: 1, column: 1 },
        'merge the JSON files --report json=… wrote',
      )
    }
    if (typeof value?.reqchain !== 'string' || !Array.isArray(value.steps) || typeof value.summary !== 'object')
      throw new LoadError(
        'LOAD_SYNTAX',
        `${path} is not a reqchain JSON report`,
        { file: path, line: 1, column: 1 },
        'merge the JSON files --report json=… wrote',
      )
    return value
  })
  const steps = parsed
    .flatMap((r) => r.steps)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.row ?? 0) - (b.row ?? 0) || a.line - b.line))
  const sum = (key: 'passed' | 'failed' | 'skipped') => parsed.reduce((n, r) => n + r.summary[key], 0)
  const report = {
    reqchain: parsed[0]?.reqchain ?? '',
    durationMs: Math.round(parsed.reduce((n, r) => n + r.durationMs, 0) * 10) / 10,
    summary: {
      passed: sum('passed'),
      failed: sum('failed'),
      skipped: sum('skipped'),
      interrupted: parsed.some((r) => r.summary.interrupted),
    },
    ...(dataset ? { dataset } : {}),
    ...(matrix ? { matrix } : {}),
    steps,
  }
  return `${JSON.stringify(report, null, 2)}\n`
}

function isResultLine(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const line = value as Record<string, unknown>
  return (
    Number.isInteger(line['row']) &&
    typeof line['file'] === 'string' &&
    STATUSES.has(line['status'] as string) &&
    typeof line['requests'] === 'number' &&
    typeof line['totalMs'] === 'number' &&
    (line['shard'] === undefined || isShard(line['shard'])) &&
    (line['matrix'] === undefined || isCombination(line['matrix']))
  )
}

/** A --matrix combination: variable names and their values, all strings. */
function isCombination(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

/** `K/N` with 1 ≤ K ≤ N. */
function isShard(value: unknown): boolean {
  const match = typeof value === 'string' ? value.match(/^([1-9]\d{0,5})\/([1-9]\d{0,5})$/) : null
  return match !== null && Number(match[1]) <= Number(match[2])
}

/**
 * The shards of one --shard run are there, each once: every results file that says `K/N` has the
 * same N, no K twice, and no K missing — except as many as the files that hold no rows (a shard
 * may get none). Results without shards (no --shard) are not checked.
 */
function checkShards(shards: ReadonlyMap<string, string | undefined>): void {
  const byIndex = new Map<number, string>()
  let count: number | undefined
  let unknown = 0
  for (const [path, shard] of shards) {
    if (shard === undefined) {
      unknown++
      continue
    }
    const [index, total] = shard.split('/').map(Number) as [number, number]
    if (count !== undefined && total !== count)
      throw new LoadError(
        'LOAD_SYNTAX',
        `${path} is shard ${shard}, but another file is a shard of ${count}`,
        undefined,
        'merge the shards of one run: --shard K/N with the same N',
      )
    count = total
    const twice = byIndex.get(index)
    if (twice)
      throw new LoadError(
        'LOAD_SYNTAX',
        `Shard ${shard} is given twice: ${twice} and ${path}`,
        undefined,
        'merge each shard once',
      )
    byIndex.set(index, path)
  }
  if (count === undefined) return
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k))
  if (missing.length > unknown)
    throw new LoadError(
      'LOAD_SYNTAX',
      `Shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: ${byIndex.size} of ${count} given`,
      undefined,
      "merge every shard's results file; a summary of some shards would pass for the whole run",
    )
}
