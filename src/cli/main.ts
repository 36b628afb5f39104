// The composition root: the only place that wires the stages to I/O.
//   parseOptions → load → select → run (render → send → check) → print → reports → exit code
import { existsSync, realpathSync, statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { Transport, type TlsOptions } from '../send/transport.js'
import { loadJsonPath } from '../check/jsonpath.js'
import { ReqchainError, LoadError, UsageError, nearest } from '../errors.js'
import type { Io } from '../io.js'
import { displayPath, load, loadStdin } from '../load/load.js'
import { InputFileError, readInputFile, readSettingsFile } from '../load/input-file.js'
import type { RequestFile, RequestTemplate } from '../model.js'
import { formatCodeFrame, formatShort, type Sources } from '../source.js'
import { selectRequests } from '../select.js'
import { type RunEvent, run } from '../run.js'
import { type RunResult, type StepResult, summaryOf } from '../outcome.js'
import type { Plan } from '../chain.js'
import { Secrets } from '../secrets.js'
import { ConsoleReporter } from '../report/console.js'
import { printResult } from '../report/print.js'
import { type BodySink, fileSink, outputSink } from '../send/sink.js'
import { checkOutputs } from './outputs.js'
import type { Cookies } from '../send/cookies.js'
import { batchedStderr } from './batched-stderr.js'
import { ExitCode } from './exit-code.js'
import { type Options, type RunOptions, parseOptions } from './options.js'

export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  const sources = new Map<string, string>()
  // Files that failed to load, and body files, are read on demand for their code frames.
  const lookup: Sources = (file) => sources.get(file) ?? readIfExists(resolve(io.cwd, file))
  let short = false
  try {
    if (argv[0] === '__complete') {
      // Asked by the completion scripts for the word under the cursor: never an error on a half-typed line.
      const { completeCommand } = await import('./completion.js')
      return completeCommand(argv.slice(1), io)
    }
    const options = await parseOptions(argv, { width: io.stdout.isTTY ? (io.stdout.columns ?? 80) : 80 })
    short = 'errorFormat' in options && options.errorFormat === 'short'
    switch (options.command) {
      case 'help':
      case 'version':
        io.stdout.write(`${options.text}\n`)
        return ExitCode.ok
      case 'parse': {
        const files = loadAll(options.paths, io, sources, {})
        const { toParseView } = await import('../report/parse-view.js')
        io.stdout.write(
          `${JSON.stringify(toParseView(files.map((f) => f.file)), null, io.stdout.isTTY ? 2 : undefined)}\n`,
        )
        return ExitCode.ok
      }
      case 'import': {
        const { importCommand } = await import('./import-command.js')
        return await importCommand(options, io, sources)
      }
      case 'completion': {
        const { completionScript } = await import('./completion.js')
        io.stdout.write(completionScript(options.shell))
        return ExitCode.ok
      }
      case 'merge': {
        const { mergeCommand } = await import('./merge-command.js')
        return await mergeCommand(options, io)
      }
      case 'curl': {
        const { curlCommand } = await import('./curl-command.js')
        return await curlCommand(
          options,
          io,
          loadAll(options.paths, io, sources, { fileRoot: options.fileRoot }),
          lookup,
        )
      }
      case 'serve': {
        const { serveCommand } = await import('./serve-command.js')
        return await serveCommand(options, io)
      }
      default: {
        if (options.dryRun) {
          const { curlCommand } = await import('./curl-command.js')
          return await curlCommand(
            options,
            io,
            loadAll(options.paths, io, sources, {
              recursive: options.command === 'test',
              names: options.names,
              fileRoot: options.fileRoot,
            }),
            lookup,
            'http',
          )
        }
        const batched = batchedStderr(io)
        try {
          return await runCommand(options, batched, sources, lookup)
        } finally {
          batched.flush()
        }
      }
    }
  } catch (error) {
    return reportFailure(error, io, lookup, short)
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readInputFile(path).toString('utf8')
  } catch {
    return undefined
  }
}

function isSpecialFile(path: string): boolean {
  const stats = statSync(path)
  return !stats.isFile() && !stats.isDirectory()
}

/** What is wrong with a file a flag names, from readInputFile's error (or the system's). */
function inputFileMessage(error: unknown): string {
  if (error instanceof InputFileError) return error.message
  throw error
}

function reportFailure(error: unknown, io: Io, sources: Sources, short: boolean): ExitCode {
  if (error instanceof ReqchainError) {
    io.stderr.write(`${short ? formatShort(error) : formatCodeFrame(error, sources)}\n`)
    return error instanceof UsageError ? ExitCode.usage : error instanceof LoadError ? ExitCode.load : ExitCode.runtime
  }
  io.stderr.write(
    `reqchain crashed: this is a bug in reqchain, please report it with the output below.\n${(error as Error | undefined)?.stack ?? String(error)}\n`,
  )
  return ExitCode.bug
}

type Selected = { file: RequestFile; names: string[] }

/** Loads paths, with `FILE#name` selecting requests of one file. */
/** --file-root DIR: an existing folder, as a real path. */
function checkedFileRoot(absolute: string, shown: string): string {
  try {
    if (statSync(absolute).isDirectory()) return realpathSync(absolute)
  } catch {
    /* said below */
  }
  throw new UsageError(`--file-root ${shown} is not a folder`, 'name the folder request files may read files in')
}

type LoadAllOptions = {
  readonly recursive?: boolean
  readonly names?: readonly string[]
  readonly verbose?: boolean
  readonly fileRoot?: string | undefined
}

function loadAll(
  paths: readonly string[],
  io: Io,
  sources: Map<string, string>,
  { recursive = false, names = [], verbose = false, fileRoot }: LoadAllOptions,
): Selected[] {
  const root = fileRoot === undefined ? undefined : checkedFileRoot(resolve(io.cwd, fileRoot), fileRoot)
  const onSkip = verbose
    ? (path: string, why: string) => {
        io.stderr.write(`skipped ${displayPath(path, io.cwd)}: ${why}, not a request file\n`)
      }
    : undefined
  const selected: Selected[] = []
  for (const arg of paths) {
    if (arg === '-') {
      if (!io.readStdin)
        throw new UsageError('`-` reads a request file from standard input, which this command does not have')
      if (selected.some((s) => s.file.path === '<stdin>'))
        throw new UsageError('`-` (standard input) may be given once')
      const file = loadStdin(io.readStdin(), io.cwd, root)
      sources.set(file.path, file.source)
      selected.push({ file, names: [...names] })
      continue
    }
    const hash = arg.lastIndexOf('#')
    const hasName = hash > 0 && !existsSync(resolve(io.cwd, arg)) && existsSync(resolve(io.cwd, arg.slice(0, hash)))
    const path = hasName ? arg.slice(0, hash) : arg
    for (const file of load([path], {
      cwd: io.cwd,
      recursive,
      ...(onSkip ? { onSkip } : {}),
      ...(root ? { fileRoot: root } : {}),
    })) {
      sources.set(file.path, file.source)
      for (const warning of file.warnings ?? [])
        io.stderr.write(`${formatCodeFrame(warning, (f) => sources.get(f), 'warning')}\n`)
      selected.push({ file, names: hasName ? [arg.slice(hash + 1)] : [...names] })
    }
  }
  return selected
}

/** `FILE#name` selects in its file; --name selects in every file that holds the name. */
export function planOf(selected: readonly Selected[], names: readonly string[]): Plan[] {
  if (names.length === 0 || selected.length === 1)
    return selected.map((s) => ({ file: s.file, requests: selectRequests(s.file, s.names) }))
  const plans: Plan[] = []
  for (const s of selected) {
    const own = s.names.filter((n) => s.file.requests.some((r) => r.name === n))
    if (own.length > 0) plans.push({ file: s.file, requests: selectRequests(s.file, own) })
  }
  const found = new Set(plans.flatMap((p) => p.requests.map((r) => r.name)))
  const missing = names.find((n) => !found.has(n))
  if (missing !== undefined)
    throw new LoadError(
      'LOAD_NAME_NOT_FOUND',
      `No request named \`${missing}\` in the given files`,
      undefined,
      'name requests with # @name',
    )
  return plans
}

async function runCommand(
  given: RunOptions,
  ttyIo: Io,
  sources: Map<string, string>,
  lookup: Sources,
): Promise<ExitCode> {
  // `reqchain diff DIR`: the files and names the recording holds, chained as the recorded command
  // chained them (a `run` shares captures across its files).
  const recorded =
    given.filesFromRecording && given.compare
      ? (await import('../record/record.js')).recordedCollection(ttyIo.cwd, given.compare.dir)
      : undefined
  const options = recorded
    ? { ...given, paths: recorded.paths, names: given.names.length > 0 ? given.names : recorded.names }
    : given
  const selected = loadAll(options.paths, ttyIo, sources, {
    recursive: options.command === 'test',
    names: options.names,
    verbose: options.verbose,
    fileRoot: options.fileRoot,
  })
  checkOutputs(
    options,
    selected.map((s) => s.file),
    ttyIo.cwd,
  )
  const plans = await withRows(planOf(selected, options.names), options, ttyIo)
  // A dataset run on a terminal keeps one progress line at the bottom of it.
  const progress =
    options.dataset !== undefined && ttyIo.stderr.isTTY && !options.quiet
      ? new (await import('../report/progress.js')).Progress(ttyIo, plans.length)
      : undefined
  const io = progress?.io ?? ttyIo
  const cliVars: Record<string, string> = { ...options.vars }
  let mock: { url: string; close: () => Promise<void> } | undefined
  const mockDefaults: Record<string, string> = {}
  if (options.mock) {
    const { startMockServer, DEFAULT_MODEL } = await import('../serve/server.js')
    mock = await startMockServer({ port: 0, host: '127.0.0.1' })
    cliVars['baseUrl'] ??= `${mock.url}/v1`
    cliVars['ollamaUrl'] ??= mock.url
    cliVars['restUrl'] ??= `${mock.url}/rest`
    Object.assign(mockDefaults, { model: DEFAULT_MODEL, apiKey: 'mock-key' })
  }
  const secrets = new Secrets(new Set(options.secrets), options.showSecrets)
  for (const [name, value] of Object.entries(options.vars)) secrets.noteVariable(name, value)
  if (options.pass !== undefined) secrets.add({ name: 'pass', value: options.pass, source: 'flag' })
  // Proxy credentials in a proxy URL are secrets wherever they show.
  for (const [name, value] of [
    ['proxy', options.proxy],
    ...['http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'].map((n) => [n, io.env[n]]),
  ])
    secrets.noteVariable(name!, value)
  const allRequests = plans.flatMap((p) => p.requests)
  const recordings =
    options.record !== undefined || options.replay !== undefined || options.compare !== undefined
      ? await (
          await import('../record/record.js')
        ).openRecordings({
          cwd: io.cwd,
          command: options.command,
          files: [...new Set(plans.map((p) => p.file.absolutePath))],
          names: options.names,
          secrets,
          replaySpeed: options.replaySpeed,
          ...(options.record !== undefined ? { record: options.record } : {}),
          ...(options.replay !== undefined ? { replay: options.replay } : {}),
          ...(options.compare ? { compare: options.compare } : {}),
        })
      : undefined
  const reporter = new ConsoleReporter(io, {
    mode: options.command,
    quiet: options.quiet,
    verbose: options.verbose,
    curl: options.curl,
    all: options.all,
    raw: options.raw,
    color: options.color,
    insecure: options.insecure,
    errorFormat: options.errorFormat,
    ...(allRequests.length > 0 ? { last: allRequests[allRequests.length - 1]! } : {}),
    secrets,
    sources: lookup,
  })
  const transport = new Transport({
    connectTimeoutMs: options.connectTimeoutMs,
    tls: tlsOptionsOf(options, io),
    maxHeaderSize: options.maxHeaderSize,
    connectTo: options.connectTo,
    ...(options.unixSocket !== undefined ? { unixSocket: options.unixSocket } : {}),
    http2: options.http2,
    h2c: options.http2PriorKnowledge,
    proxy: {
      ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
      ...(options.noProxy !== undefined ? { noProxy: options.noProxy } : {}),
      env: io.env,
    },
    ...(recordings?.replayTo ? { replayTo: recordings.replayTo } : {}),
  })
  const last = allRequests[allRequests.length - 1]
  const jar = await cookieJarOf(options, io, secrets)
  const results = options.dataset !== undefined ? await resultsOf(options, io, secrets, plans) : undefined
  const reports =
    options.reports.length > 0
      ? new (await import('../report/write.js')).ReportWriter(options.reports, {
          cwd: io.cwd,
          secrets,
          sources: lookup,
          stdout: io.stdout,
          ...(options.rowName !== undefined ? { rowName: options.rowName } : {}),
          junitCases: options.junitCases,
        })
      : undefined
  let result: RunResult
  try {
    const common = {
      transport,
      maxTimeMs: options.maxTimeMs,
      idleTimeoutMs: options.idleTimeoutMs,
      scriptTimeMs: options.scriptTimeoutMs,
      redirects: { max: options.maxRedirects, allowHttpDowngrade: options.allowHttpRedirect },
      limits: {
        ...(options.maxFilesize !== undefined ? { maxBytes: options.maxFilesize } : {}),
        maxRatio: options.maxInflateRatio,
      },
      varSources: {
        cwd: io.cwd,
        ...(options.env !== undefined ? { env: options.env } : {}),
        envFiles: options.envFiles,
        secretNames: options.secrets,
        defaults: mockDefaults,
      },
      cliVars,
      processEnv: io.env,
      secrets,
      failOnStatus: options.fail,
      ...(jar ? { cookieJar: jar.create } : {}),
      ...(results
        ? {
            onChainEnd: (plan: Plan, steps: readonly StepResult[]) => {
              results.add(plan, steps)
              progress?.update(results.counts())
            },
          }
        : {}),
      ...(options.retry.count > 0 ? { retry: options.retry } : {}),
      // --all prints every body at the end; otherwise a run holds no step it is done with.
      keepSteps: options.all,
      allowInvalidJson: options.allowInvalidJson,
      ...(io.signal ? { signal: io.signal } : {}),
      onEvent: (event: RunEvent) => {
        if (event.kind === 'step') reporter.endLiveText(event.step.template)
        reporter.onEvent(event)
        if (event.kind === 'step' || event.kind === 'skipped') {
          reports?.add(event.step)
          recordings?.add(event.step)
        }
      },
      listenerFor: reporter.listenerFor,
      ...(recordings?.timePieces ? { timePieces: true } : {}),
      ...(recordings?.review ? { review: recordings.review } : {}),
      ...sinkOf(options, io, last),
    }
    if (options.command === 'test' && options.parallel > 1) {
      const { runParallel } = await import('../run-parallel.js')
      result = await runParallel(plans, { ...common, bail: options.bail, isolateFiles: true }, options.parallel)
    } else {
      result = await run(plans, {
        ...common,
        bail: options.bail,
        isolateFiles: options.command === 'test' && recorded?.command !== 'run',
      })
    }
  } catch (error) {
    recordings?.abort() // a bug: no half-written recording is left beside DIR
    throw error
  } finally {
    // Every request has ended by now; what is left are idle keep-alive sockets. Their close is
    // started, not awaited: waiting for the sockets' close events costs a few milliseconds per
    // run and changes nothing the run reports.
    void transport.close()
    await mock?.close()
    await recordings?.close()
    progress?.finish()
  }
  if (options.extract !== undefined) await loadJsonPath()
  const printed = printResult(result, options, io, reporter)
  let reportsFailed = false
  if (reports) {
    // Each report is written or not on its own; a failed one is said, and the run's own outcome stands.
    for (const failure of reports.finish(result, results?.summary())) {
      io.stderr.write(`${reporter.errorFrame(failure)}\n`)
      reportsFailed = true
    }
  }
  const recordingFailure = recordings?.finish()
  if (recordingFailure) {
    io.stderr.write(`${reporter.errorFrame(recordingFailure)}\n`)
    reportsFailed = true
  }
  if (jar && options.cookieJar !== undefined) {
    try {
      const { writeAtomically } = await import('../report/write.js')
      writeAtomically(resolve(io.cwd, options.cookieJar), await jar.netscape(), { secret: true })
    } catch (error) {
      if (!(error instanceof ReqchainError)) throw error
      io.stderr.write(`${reporter.errorFrame(error)}\n`)
      reportsFailed = true
    }
  }
  if (results) {
    results.close()
    if (results.failure) {
      io.stderr.write(`${reporter.errorFrame(results.failure)}\n`)
      reportsFailed = true
    }
    const { formatSummary } = await import('../report/results.js')
    if (!options.quiet) io.stderr.write(`${secrets.mask(formatSummary(results.summary()))}\n`)
  }
  if (options.command === 'test') io.stderr.write(`${testSummary(result)}\n`)
  if (result.interrupted) return io.signal?.reason === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted
  const code = printed === 'error' ? ExitCode.runtime : exitCodeFor(result)
  return code === ExitCode.ok && reportsFailed ? ExitCode.runtime : code
}

/** With --dataset, every plan once per chosen row: each (file, row) is a chain of its own. */
async function withRows(plans: Plan[], options: RunOptions, io: Io): Promise<Plan[]> {
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
function shardOf<T>(items: readonly T[], shard: RunOptions['shard']): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index - 1) : [...items]
}

async function resultsOf(options: RunOptions, io: Io, secrets: Secrets, plans: readonly Plan[]) {
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
async function cookieJarOf(
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
function tlsOptionsOf(options: RunOptions, io: Io): TlsOptions {
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
function sinkOf(
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

export function exitCodeFor(result: RunResult): ExitCode {
  if (result.tally.errors > 0) return ExitCode.runtime
  if (result.tally.failed > 0) return ExitCode.assert
  return ExitCode.ok
}

/** The last line is exactly `N passed, N failed` (and `, N skipped`), counting requests. */
export function testSummary(result: RunResult): string {
  const { passed, failed, skipped } = summaryOf(result)
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`
}

export type { Options }
