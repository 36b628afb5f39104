// The values of flags, checked and turned into what Options holds: seconds, sizes, --var pairs,
// reports, shards, retries, --resolve and --connect-to, and the rest. Each bad value is a usage
// error that names the flag and says what it takes.
import { UsageError } from '../errors.js'
import { timeLimitMs } from '../load/directives.js'
import type { ColorChoice } from '../report/style.js'
import type { ReportFormat, ReportTarget } from '../report/formatter.js'
import type { ParsedArgs } from './argv.js'
import type { RunOptions } from './option-types.js'

export function replaySpeedOf(args: ParsedArgs): number {
  const speed = (args['replay-speed'] as number | undefined) ?? 1
  if (!Number.isFinite(speed) || speed < 0)
    throw new UsageError(`--replay-speed takes a number >= 0 (0: no waiting), got ${String(args['replay-speed'])}`)
  return speed
}

export function recordingOf(
  args: ParsedArgs,
  diff: string | undefined,
): Pick<RunOptions, 'record' | 'replay' | 'replaySpeed' | 'compare' | 'filesFromRecording'> {
  const compareDir = diff ?? (args['compare'] === undefined ? undefined : String(args['compare']))
  const ignore = (args['ignore'] as string[] | undefined) ?? []
  const headers = (args['compare-header'] as string[] | undefined) ?? []
  if (compareDir === undefined && headers.length > 0)
    throw new UsageError('--compare-header goes with --compare DIR (or reqchain diff DIR)')
  for (const path of ignore)
    if (!path.startsWith('$'))
      throw new UsageError(
        `--ignore takes a JSONPath starting with $, got \`${path}\``,
        "for example --ignore '$.usage'",
      )
  const record = args['record'] === undefined ? undefined : String(args['record'])
  const replay = args['replay'] === undefined ? undefined : String(args['replay'])
  if (record !== undefined && (record === replay || record === compareDir))
    throw new UsageError(`--record ${record} would replace the recording this run reads`, 'record into another folder')
  return {
    ...(record !== undefined ? { record } : {}),
    ...(replay !== undefined ? { replay } : {}),
    replaySpeed: replaySpeedOf(args),
    ...(compareDir !== undefined
      ? { compare: { dir: compareDir, ignore, headers: headers.length > 0 ? headers : ['content-type'] } }
      : {}),
    ...(diff !== undefined ? { filesFromRecording: true } : {}),
  }
}

export function secondsOf(value: unknown, flag: string): number {
  const ms = timeLimitMs(value)
  if (typeof ms === 'string') throw new UsageError(`${flag} ${ms}, got ${String(value)}`)
  return ms
}

/** curl's size syntax: bytes, or a number with k, M or G (powers of 1024). */
export function sizeOf(text: string, flag: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?$/)
  if (!match) throw new UsageError(`${flag} takes a size in bytes or with k/M/G (e.g. 10M), got \`${text}\``)
  const bytes = Number(match[1]) * 1024 ** ' kmgt'.indexOf((match[2] || ' ').toLowerCase())
  if (!(bytes >= 1) || !Number.isSafeInteger(Math.floor(bytes)))
    throw new UsageError(`${flag} must be at least 1 byte, got \`${text}\``)
  return Math.floor(bytes)
}

export function datasetOf(
  args: ParsedArgs,
): Pick<RunOptions, 'dataset' | 'rows' | 'limit' | 'results' | 'columns' | 'rowName'> {
  const dataset = args['dataset'] === undefined ? undefined : String(args['dataset'])
  for (const flag of ['rows', 'limit', 'results', 'columns', 'row-name']) {
    if (args[flag] !== undefined && dataset === undefined)
      throw new UsageError(`--${flag} goes with --dataset`, 'for example --dataset questions.jsonl --rows 1-10')
  }
  const limit = args['limit'] as number | undefined
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError(`--limit takes a whole number >= 1, got ${String(limit)}`)
  return {
    ...(dataset !== undefined ? { dataset } : {}),
    ...(args['rows'] !== undefined ? { rows: String(args['rows']) } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(args['results'] !== undefined ? { results: String(args['results']) } : {}),
    ...(args['columns'] !== undefined ? { columns: columnsOf(String(args['columns'])) } : {}),
    ...(args['row-name'] !== undefined ? { rowName: String(args['row-name']) } : {}),
  }
}

export function columnsOf(text: string): string[] {
  const columns = text.split(',').map((c) => c.trim())
  const bad = columns.find((c) => !/^[^.\s]+(\.[^.\s]+)*$/.test(c))
  if (bad !== undefined)
    throw new UsageError(
      `--columns: \`${bad}\` is not a column`,
      'name fields of the results line, dotted for nested ones: row,values.question,reply,usage.completion_tokens',
    )
  return columns
}

export function junitCasesOf(value: unknown): 'request' | 'assertion' {
  if (value === 'request' || value === 'assertion') return value
  throw new UsageError(`--junit-cases takes request or assertion, got \`${String(value)}\``)
}

export function shardOf(args: ParsedArgs, command: 'run' | 'test'): Pick<RunOptions, 'shard' | 'shardAuto'> {
  if (args['shard'] === undefined) {
    if (args['shard-count'] !== undefined) throw new UsageError('--shard-count goes with --shard auto')
    return {}
  }
  const text = String(args['shard'])
  if (text === 'auto') {
    const count = args['shard-count'] as number | undefined
    if (count !== undefined && !(Number.isInteger(count) && count >= 1))
      throw new UsageError(`--shard-count takes a whole number of shards, got \`${count}\``)
    if (args['dataset'] === undefined && command === 'run')
      throw new UsageError('--shard splits the rows of a --dataset (or, in `reqchain test`, the files)')
    return { shardAuto: count === undefined ? {} : { count } }
  }
  if (args['shard-count'] !== undefined) throw new UsageError('--shard-count goes with --shard auto')
  const match = text.match(/^(\d+)\/(\d+)$/)
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || count < 1 || index < 1 || index > count)
    throw new UsageError(
      `--shard takes K/N with 1 <= K <= N, got \`${text}\``,
      'for example --shard 1/4 on the first of four machines',
    )
  if (args['dataset'] === undefined && command === 'run')
    throw new UsageError(
      '--shard splits the rows of a --dataset (or, in `reqchain test`, the files)',
      'in a run the files form one chain and cannot be split',
    )
  return { shard: { index, count } }
}

export function retryOf(args: ParsedArgs): RunOptions['retry'] {
  const count = args['retry'] as number
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`--retry takes a whole number >= 0, got ${String(args['retry'])}`)
  const delayMs = secondsOf(args['retry-delay'], '--retry-delay')
  return {
    count,
    delayMs,
    maxTimeMs: secondsOf(args['retry-max-time'], '--retry-max-time'),
    all: Boolean(args['retry-all']),
  }
}

/** curl's --resolve HOST:PORT:ADDR and --connect-to HOST1:PORT1:HOST2:PORT2 ([IPv6] in brackets). */
export function connectToOf(
  resolve: readonly string[],
  connectTo: readonly string[],
): Map<string, { host: string; port?: number }> {
  const map = new Map<string, { host: string; port?: number }>()
  const part = String.raw`(\[[^\]]+\]|[^:\s]+)`
  for (const flag of resolve) {
    const match = flag.match(new RegExp(`^${part}:(\\d+):${part}$`))
    if (!match)
      throw new UsageError(
        `--resolve needs HOST:PORT:ADDRESS, got \`${flag}\``,
        'for example --resolve api.example.com:443:127.0.0.1',
      )
    map.set(`${match[1]!.toLowerCase()}:${match[2]}`, { host: match[3]!.replace(/^\[|\]$/g, '') })
  }
  for (const flag of connectTo) {
    const match = flag.match(new RegExp(`^${part}:(\\d+):${part}:(\\d+)$`))
    if (!match)
      throw new UsageError(
        `--connect-to needs HOST:PORT:HOST2:PORT2, got \`${flag}\``,
        'for example --connect-to api.example.com:443:127.0.0.1:8443',
      )
    map.set(`${match[1]!.toLowerCase()}:${match[2]}`, {
      host: match[3]!.replace(/^\[|\]$/g, ''),
      port: Number(match[4]),
    })
  }
  return map
}

export function errorFormatOf(value: unknown): 'full' | 'short' {
  if (value === 'full' || value === 'short') return value
  throw new UsageError(`--error-format takes full or short, got \`${String(value)}\``)
}

export function colorChoiceOf(value: unknown): ColorChoice {
  if (value === false) return 'never' // --no-color
  if (value === 'always' || value === 'never' || value === 'auto') return value
  throw new UsageError(`--color takes always, never or auto, got \`${String(value)}\``)
}

export function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const flag of flags) {
    const at = flag.indexOf('=')
    if (at <= 0) throw new UsageError(`--var needs NAME=VALUE, got \`${flag}\``, 'for example --var model=llama3')
    vars[flag.slice(0, at)] = flag.slice(at + 1)
  }
  return vars
}

export function parseReports(flags: readonly string[]): ReportTarget[] {
  return flags.map((flag) => {
    if (flag === 'github') return { format: 'github', path: '-' } // annotations on stdout, where the runner reads them
    const match = flag.match(/^(junit|json|markdown|md|github|har|html)=(.+)$/)
    if (!match)
      throw new UsageError(
        `--report needs FORMAT=PATH, got \`${flag}\``,
        'formats: junit, json, markdown, html, har, github (e.g. --report junit=report.xml, --report github)',
      )
    return { format: match[1] === 'md' ? 'markdown' : (match[1] as ReportFormat), path: match[2]! }
  })
}

/**
 * `--shard auto`: this job's shard, from the CI's own variables — GitLab (CI_NODE_INDEX from 1,
 * CI_NODE_TOTAL), CircleCI (CIRCLE_NODE_INDEX from 0, CIRCLE_NODE_TOTAL), Buildkite
 * (BUILDKITE_PARALLEL_JOB from 0, BUILDKITE_PARALLEL_JOB_COUNT), a Kubernetes Indexed Job
 * (JOB_COMPLETION_INDEX from 0, with --shard-count N) — or REQCHAIN_SHARD=K/N.
 */
export function shardFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  count: number | undefined,
): { readonly index: number; readonly count: number } {
  const whole = (name: string) => {
    const text = env[name]
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
  }
  const found = (index: number | undefined, total: number | undefined, from: string) => {
    if (index === undefined || total === undefined) return undefined
    if (total < 1 || index < 1 || index > total)
      throw new UsageError(`--shard auto: ${from} says shard ${index} of ${total}`, "check the CI job's parallelism")
    return { index, count: total }
  }
  const own = env['REQCHAIN_SHARD']?.match(/^(\d+)\/(\d+)$/)
  const shard =
    (own ? found(Number(own[1]), Number(own[2]), 'REQCHAIN_SHARD') : undefined) ??
    found(whole('CI_NODE_INDEX'), whole('CI_NODE_TOTAL'), 'CI_NODE_INDEX/CI_NODE_TOTAL') ??
    found(
      mapDefined(whole('CIRCLE_NODE_INDEX'), (i) => i + 1),
      whole('CIRCLE_NODE_TOTAL'),
      'CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL',
    ) ??
    found(
      mapDefined(whole('BUILDKITE_PARALLEL_JOB'), (i) => i + 1),
      whole('BUILDKITE_PARALLEL_JOB_COUNT'),
      'BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT',
    ) ??
    found(
      mapDefined(whole('JOB_COMPLETION_INDEX'), (i) => i + 1),
      count,
      'JOB_COMPLETION_INDEX and --shard-count',
    )
  if (!shard)
    throw new UsageError(
      env['JOB_COMPLETION_INDEX'] !== undefined && count === undefined
        ? "--shard auto in a Kubernetes Indexed Job needs --shard-count N (the Job's completions)"
        : '--shard auto found no shard in the environment',
      'it reads GitLab CI_NODE_INDEX/CI_NODE_TOTAL, CircleCI CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL, Buildkite BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT, JOB_COMPLETION_INDEX with --shard-count, or REQCHAIN_SHARD=K/N',
    )
  return shard
}

const mapDefined = (value: number | undefined, f: (n: number) => number) => (value === undefined ? undefined : f(value))

export function repeatOf(args: ParsedArgs): Pick<RunOptions, 'repeat' | 'passRate'> {
  const repeat = (args['repeat'] as number | undefined) ?? 1
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100_000)
    throw new UsageError(`--repeat takes a whole number of runs from 1, got \`${repeat}\``, 'for example --repeat 10')
  const rate = args['pass-rate'] as number | undefined
  if (rate === undefined) return { repeat }
  if (!(rate >= 0 && rate <= 1))
    throw new UsageError(`--pass-rate takes a share from 0 to 1, got \`${rate}\``, 'for example --pass-rate 0.9')
  if (repeat === 1) throw new UsageError('--pass-rate goes with --repeat N', 'for example --repeat 10 --pass-rate 0.9')
  return { repeat, passRate: rate }
}

/** Several `--env`: each environment once, in the order given. */
export function environmentsOf(names: readonly string[]): string[] {
  const repeated = names.find((name, i) => names.indexOf(name) !== i)
  if (repeated !== undefined) throw new UsageError(`--env ${repeated} is given twice`)
  return [...names]
}

/** `--matrix NAME=a,b,…`, each flag a variable and its values. */
export function matrixOf(flags: readonly string[], environments: readonly string[] = []): RunOptions['matrix'] {
  const seen = new Set<string>(environments.length > 1 ? ['env'] : [])
  return flags.map((flag) => {
    const at = flag.indexOf('=')
    const name = flag.slice(0, at)
    const values = flag
      .slice(at + 1)
      .split(',')
      .map((v) => v.trim())
    if (at <= 0 || values.some((v) => v === ''))
      throw new UsageError(
        `--matrix needs NAME=VALUE,VALUE…, got \`${flag}\``,
        'for example --matrix model=llama3,qwen2.5',
      )
    if (seen.has(name))
      throw new UsageError(
        name === 'env' && environments.length > 1
          ? '--matrix env=… and several --env both name the dimension `env`'
          : `--matrix names ${name} twice`,
        name === 'env' && environments.length > 1
          ? 'rename the --matrix variable, or give the environments as --env alone'
          : 'give each variable one --matrix with all its values',
      )
    seen.add(name)
    return [name, values] as const
  })
}
