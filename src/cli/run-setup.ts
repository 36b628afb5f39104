// What a run needs before anything is sent, each checked so that a bad value is a usage error
// then: --dataset rows (and --shard), the --results file, the cookie jar, the TLS files, and where
// a body goes instead of memory (-o, a piped stdout).
import { existsSync, statSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import type { TlsOptions } from '../send/transport.js'
import { UsageError, nearest } from '../errors.js'
import type { Io } from '../io.js'
import { InputFileError, readSettingsFile } from '../load/input-file.js'
import type { RequestTemplate } from '../model.js'
import type { Plan } from '../chain.js'
import { Secrets } from '../secrets.js'
import { type BodySink, fileSink, outputSink } from '../send/sink.js'
import type { Cookies } from '../send/cookies.js'
import type { RunOptions } from './options.js'

function isSpecialFile(path: string): boolean {
  const stats = statSync(path)
  return !stats.isFile() && !stats.isDirectory()
}

/** What is wrong with a file a flag names, from readInputFile's error (or the system's). */
function inputFileMessage(error: unknown): string {
  if (error instanceof InputFileError) return error.message
  throw error
}

/** With --dataset, every plan once per chosen row; with --repeat N, each of those N times: each a chain of its own. */
export async function withRows(plans: Plan[], options: RunOptions, io: Io): Promise<Plan[]> {
  const rowed = await rowsOf(plans, options, io)
  if (options.environments.length > 1) {
    // Every environment is checked before anything is sent, not when its turn comes.
    const { checkEnvironments } = await import('../load/env.js')
    for (const dir of new Set(plans.map((plan) => dirname(plan.file.absolutePath))))
      checkEnvironments(dir, options.environments, io.cwd)
  }
  const crossed =
    options.matrix.length === 0 && options.environments.length === 0
      ? rowed
      : combinations(options.environments, options.matrix).flatMap(({ environment, matrix }) =>
          rowed.map((plan) => ({ ...plan, matrix, ...(environment !== undefined ? { environment } : {}) })),
        )
  if (options.repeat <= 1) return crossed
  return crossed.flatMap((plan) => Array.from({ length: options.repeat }, (_, i) => ({ ...plan, repeat: i + 1 })))
}

/** Every combination of the environments and the --matrix variables' values, the environment slowest. */
function combinations(
  environments: readonly string[],
  matrix: RunOptions['matrix'],
): { environment?: string; matrix: Record<string, string> }[] {
  const sets = matrix.reduce<Record<string, string>[]>(
    (sets, [name, values]) => sets.flatMap((set) => values.map((value) => ({ ...set, [name]: value }))),
    [{}],
  )
  return environments.length === 0
    ? sets.map((matrix) => ({ matrix }))
    : environments.flatMap((environment) => sets.map((matrix) => ({ environment, matrix })))
}

async function rowsOf(plans: Plan[], options: RunOptions, io: Io): Promise<Plan[]> {
  if (options.dataset === undefined) return shardOf(plans, options.shard)
  const { chooseRows, loadDataset } = await import('../load/dataset.js')
  const chosen = chooseRows(
    await loadDataset(resolve(io.cwd, options.dataset), options.dataset),
    options.rows,
    options.limit,
  )
  if (chosen.length === 0)
    throw new UsageError(
      `--dataset ${options.dataset}: no rows${options.rows !== undefined ? ` in --rows ${options.rows}` : ''}`,
    )
  const columns = Object.keys(chosen[0]!.values)
  if (options.rowName !== undefined && !columns.includes(options.rowName)) {
    const suggestion = nearest(options.rowName, columns)
    throw new UsageError(
      `--row-name ${options.rowName}: the dataset has no such column`,
      `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}columns: ${columns.join(', ')}`,
    )
  }
  const rows = shardOf(chosen, options.shard)
  return rows.flatMap((row) => plans.map((plan) => ({ ...plan, row })))
}

/**
 * `--shard K/N`: every N-th item from the K-th on, so each shard gets a fair share of a dataset
 * sorted by size or difficulty; the N shards together are the whole, each item once.
 */
export function shardOf<T>(items: readonly T[], shard: RunOptions['shard']): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index - 1) : [...items]
}

export async function resultsOf(options: RunOptions, io: Io, secrets: Secrets, plans: readonly Plan[]) {
  const { Results, defaultColumns } = await import('../report/results.js')
  const csv = options.results !== undefined && extname(options.results).toLowerCase() === '.csv'
  if (options.columns && !csv)
    throw new UsageError('--columns chooses the columns of a CSV results file', 'write --results FILE.csv')
  const csvResults = csv
    ? {
        columns: options.columns ?? defaultColumns(Object.keys(plans[0]?.row?.values ?? {})),
        stringify: (await import('csv-stringify/sync')).stringify,
      }
    : undefined
  try {
    return new Results(
      options.results === undefined ? undefined : resolve(io.cwd, options.results),
      secrets,
      csvResults,
      options.shard ? `${options.shard.index}/${options.shard.count}` : undefined,
    )
  } catch (error) {
    throw new UsageError(
      `--results ${options.results}: cannot write it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'name a file in a folder that exists',
    )
  }
}

/**
 * The run's cookie jars (one per file in `test`), seeded from --cookie-jar FILE when it exists;
 * every value they take in is a secret. The file is written back with every jar's cookies.
 */
export async function cookieJarOf(
  options: RunOptions,
  io: Io,
  secrets: Secrets,
): Promise<{ create: () => Cookies; netscape: () => Promise<string> } | undefined> {
  if (!options.cookies) return undefined
  const { Cookies, prepareCookies } = await import('../send/cookies.js')
  let seed: string | undefined
  if (options.cookieJar !== undefined) {
    await prepareCookies()
    const path = resolve(io.cwd, options.cookieJar)
    // A jar that is a device or a FIFO (`--cookie-jar /dev/null`, as with curl -c) is written, never read.
    if (existsSync(path) && !isSpecialFile(path)) {
      try {
        seed = readSettingsFile(path)
      } catch (error) {
        throw new UsageError(
          `--cookie-jar ${options.cookieJar}: ${inputFileMessage(error)}`,
          'name a cookie file (Netscape format), new or written by an earlier run',
        )
      }
    }
  }
  const jars: Cookies[] = []
  const onValue = (name: string, value: string) => secrets.add({ name, value, source: 'response' })
  return {
    create: () => {
      const jar = new Cookies(onValue)
      if (seed !== undefined) jar.read(seed)
      jars.push(jar)
      return jar
    },
    netscape: async () => {
      const merged = new Cookies(onValue)
      for (const jar of jars) merged.read(await jar.toNetscape()) // later files' cookies win
      return merged.toNetscape()
    },
  }
}

/** Certificates read once, before anything is sent: a file that cannot be read is a usage error. */
export function tlsOptionsOf(options: RunOptions, io: Io): TlsOptions {
  const read = (path: string, flag: string) => {
    try {
      return readSettingsFile(resolve(io.cwd, path))
    } catch (error) {
      throw new UsageError(`${flag} ${path}: ${inputFileMessage(error)}`, 'name a PEM file')
    }
  }
  const caFiles =
    options.cacert.length > 0
      ? options.cacert.map((f) => [f, '--cacert'] as const)
      : io.env['SSL_CERT_FILE']
        ? [[io.env['SSL_CERT_FILE'], 'SSL_CERT_FILE'] as const]
        : []
  const cert = options.cert !== undefined ? read(options.cert, '--cert') : undefined
  return {
    insecure: options.insecure,
    ...(caFiles.length > 0 ? { ca: caFiles.map(([file, flag]) => read(file, flag)) } : {}),
    ...(cert !== undefined ? { cert, key: options.key !== undefined ? read(options.key, '--key') : cert } : {}),
    ...(options.pass !== undefined ? { passphrase: options.pass } : {}),
  }
}

/**
 * The last request's body goes straight to -o, or to a piped stdout, as it arrives when nothing
 * else in the run needs it in memory: no capture, assertion or response handler on it, no
 * --extract, no report, no recording or comparison, and (for stdout) no other body printed after
 * the run. So a 1 GB download keeps memory flat.
 */
export function sinkOf(
  options: RunOptions,
  io: Io,
  last: RequestTemplate | undefined,
): { sinkFor?: (t: RequestTemplate) => BodySink | undefined } {
  if (
    !last ||
    options.command !== 'run' ||
    options.extract !== undefined ||
    options.reports.length > 0 ||
    options.dataset !== undefined ||
    options.record !== undefined ||
    options.compare !== undefined
  )
    return {}
  if (
    last.captures.length > 0 ||
    last.asserts.length > 0 ||
    last.extras.some((e) => e.kind === 'response-handler' && e.script)
  )
    return {}
  if (options.output !== undefined) {
    const path = resolve(io.cwd, options.output)
    return { sinkFor: (t) => (t === last ? fileSink(path) : undefined) }
  }
  if (io.stdout.isTTY || options.quiet || options.all || options.raw) return {}
  return { sinkFor: (t) => (t === last ? outputSink(io.stdout) : undefined) }
}
