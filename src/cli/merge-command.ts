// `reqchain merge A.jsonl B.jsonl …`: the results files of a dataset split with --shard K/N, read
// back into one summary — the same percentiles, counts and tokens one unsplit run would print —
// and, with --results, one results file ordered by file and row. A row in two shards is an error:
// counted twice it would bend every figure.
import { createReadStream } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { LoadError, UsageError } from '../errors.js'
import { ExitCode } from './exit-code.js'
import type { Io } from '../io.js'
import { canonical } from './outputs.js'
import { Secrets } from '../secrets.js'

export type MergeOptions = { readonly paths: readonly string[]; readonly results?: string }

const STATUSES = new Set(['passed', 'failed', 'error', 'skipped'])

export async function mergeCommand(options: MergeOptions, io: Io): Promise<ExitCode> {
  const { Results, formatSummary } = await import('../report/results.js')
  type Line = Parameters<InstanceType<typeof Results>['count']>[0]
  if (options.paths.length === 0) throw new UsageError('merge needs the results files to merge', 'for example: reqchain merge shard-1.jsonl shard-2.jsonl')
  const inputs = new Set<string>()
  for (const path of options.paths) {
    const key = canonical(resolve(io.cwd, path))
    if (inputs.has(key)) throw new UsageError(`${path} is named twice`, 'merge each results file once')
    inputs.add(key)
  }
  if (options.results !== undefined && inputs.has(canonical(resolve(io.cwd, options.results)))) {
    throw new UsageError(`--results ${options.results} would overwrite one of the files being merged`, 'write the merged results to a new path')
  }
  const lines: Line[] = []
  const seen = new Map<string, string>()
  for (const path of options.paths) {
    let number = 0
    const input = createReadStream(resolve(io.cwd, path))
    const opened = new Promise<void>((ok, fail) => { input.once('open', () => ok()); input.once('error', fail) })
    try {
      await opened
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new LoadError('LOAD_FILE_NOT_FOUND', `Cannot read ${path}: ${code === 'ENOENT' ? 'not found' : code ?? 'error'}`, undefined, 'name the files --results wrote')
    }
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      number++
      if (text.trim() === '') continue
      const at = { file: path, line: number, column: 1 }
      let line: Line
      try {
        line = JSON.parse(text) as Line
      } catch {
        throw new LoadError('LOAD_JSON', `${path}:${number} is not JSON`, at, 'a results file has one JSON object per line, as --results writes it')
      }
      if (!isResultLine(line)) throw new LoadError('LOAD_SYNTAX', `${path}:${number} is not a results line`, at, 'it needs at least row, file, status, requests and totalMs, as --results writes them')
      const key = `${line.file}\0${line.row}`
      const earlier = seen.get(key)
      if (earlier) throw new LoadError('LOAD_SYNTAX', `Row ${line.row} of ${line.file} is in ${earlier} and in ${path}:${number}`, at, 'the shards overlap: merge each shard once (--shard K/N with the same N)')
      seen.set(key, `${path}:${number}`)
      lines.push(line)
    }
  }
  lines.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.row - b.row))
  const results = new Results(undefined, new Secrets())
  for (const line of lines) results.count(line)
  if (options.results !== undefined) {
    const { writeAtomically } = await import('../report/write.js')
    writeAtomically(resolve(io.cwd, options.results), lines.map((l) => `${JSON.stringify(l)}\n`).join(''))
  }
  const summary = results.summary()
  io.stdout.write(`${formatSummary(summary)}\n`)
  return summary.errors > 0 ? ExitCode.runtime : summary.failed > 0 ? ExitCode.assert : ExitCode.ok
}

function isResultLine(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const line = value as Record<string, unknown>
  return Number.isInteger(line['row']) && typeof line['file'] === 'string' && STATUSES.has(line['status'] as string)
    && typeof line['requests'] === 'number' && typeof line['totalMs'] === 'number'
}
