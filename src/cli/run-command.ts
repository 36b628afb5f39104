// `reqchain run`, `test` and `diff`: what the composition root does for a run — the files loaded and
// planned (rows and shards too), the outputs checked before anything is sent, the transport, the
// run itself with its console and reports, then the exit code.
import { resolve } from 'node:path'
import { Transport } from '../send/transport.js'
import { ReqchainError, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import type { Sources } from '../source.js'
import { type RunEvent, run } from '../run.js'
import { type RunResult, type StepResult, summaryOf } from '../outcome.js'
import type { Plan } from '../chain.js'
import { Secrets, isSecretName } from '../secrets.js'
import { ConsoleReporter } from '../report/console.js'
import { prepareExtract, printResult, printRowValue } from '../report/print.js'
import { checkOutputs } from './outputs.js'
import { ExitCode } from './exit-code.js'
import type { RunOptions } from './options.js'
import { loadAll, planOf } from './load-paths.js'
import { cookieJarOf, resultsOf, sinkOf, tlsOptionsOf, withRows } from './run-setup.js'
import { shardFromEnvironment } from './option-values.js'

export async function runCommand(
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
  // …and its --dataset rows, unless the command line names a dataset of its own.
  const named = recorded
    ? {
        ...given,
        paths: recorded.paths,
        names: given.names.length > 0 ? given.names : recorded.names,
        ...(recorded.dataset && given.dataset === undefined
          ? {
              dataset: recorded.dataset.file,
              ...(recorded.dataset.rows !== undefined ? { rows: recorded.dataset.rows } : {}),
              ...(recorded.dataset.limit !== undefined ? { limit: recorded.dataset.limit } : {}),
            }
          : {}),
      }
    : given
  // --shard auto: this job's shard, read from the CI's environment now.
  const options = named.shardAuto ? { ...named, shard: shardFromEnvironment(ttyIo.env, named.shardAuto.count) } : named
  const selected = loadAll(options.paths, ttyIo, sources, {
    recursive: options.command === 'test',
    names: options.names,
    verbose: options.verbose,
    fileRoot: options.fileRoot,
    markdown: options.markdown,
  })
  const documents = selected.some((s) => s.file.markdown)
  if (options.ignore.length > 0 && options.compare === undefined && !documents)
    throw new UsageError(
      '--ignore goes with --compare DIR (or reqchain diff DIR), or with Markdown documents',
      'it leaves a JSONPath out of comparing with a recording or a response block',
    )
  if (options.addResponses && !options.update)
    throw new UsageError('--add-responses goes with --update', 'reqchain test README.md --update --add-responses')
  if (options.update && !documents)
    throw new UsageError(
      '--update rewrites the response blocks of Markdown documents, and none is named',
      'name a .md file, or a folder with --markdown',
    )
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
  const hiddenAnswers = await askPrompts(plans, cliVars, ttyIo)
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
  for (const [name, value] of hiddenAnswers) secrets.add({ name, value, source: 'flag' })
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
          ...(options.dataset !== undefined
            ? {
                dataset: {
                  file: resolve(io.cwd, options.dataset),
                  ...(options.rows !== undefined ? { rows: options.rows } : {}),
                  ...(options.limit !== undefined ? { limit: options.limit } : {}),
                },
              }
            : {}),
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
  const updates = options.update
    ? new (await import('../report/update-docs.js')).DocumentUpdates(secrets, options.addResponses)
    : undefined
  const matrixTable =
    options.matrix.length > 0 || options.environments.length > 1
      ? new (await import('../report/matrix.js')).MatrixTable(options.dataset !== undefined)
      : undefined
  const passRates =
    options.repeat > 1 ? new (await import('../report/pass-rates.js')).PassRates(options.repeat) : undefined
  // `run --dataset -e QUERY`: one value a row, printed as each row ends (JSON Lines).
  const perRow = options.extract !== undefined && results !== undefined && options.command === 'run'
  const rowExtract = { failed: false }
  if (options.extract !== undefined) await prepareExtract(options.extract)
  const reports =
    options.reports.length > 0
      ? new (await import('../report/write.js')).ReportWriter(options.reports, {
          cwd: io.cwd,
          secrets,
          sources: lookup,
          stdout: io.stdout,
          stderr: io.stderr,
          bodyOnStdout: options.command === 'run' && options.output === undefined,
          ...(io.env['GITHUB_WORKSPACE'] ? { workspace: io.env['GITHUB_WORKSPACE'] } : {}),
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
              const line = results.add(plan, steps)
              matrixTable?.addLine(line)
              progress?.update(results.counts())
              if (perRow) {
                const last = steps.findLast((s) => s.exchange)?.exchange
                if (
                  printRowValue(options.extract!, last, (plan.row?.index ?? 0) + 1, options.rawOutput, io, reporter) ===
                  'error'
                )
                  rowExtract.failed = true
              }
            },
          }
        : {}),
      ...(options.retry.count > 0 ? { retry: options.retry } : {}),
      // --all prints every body at the end; otherwise a run holds no step it is done with.
      keepSteps: options.all,
      ...(documents
        ? {
            documents: {
              ignore: options.ignore.map((await import('../record/compare.js')).pathPattern),
              update: options.update,
            },
          }
        : {}),
      allowInvalidJson: options.allowInvalidJson,
      ...(io.signal ? { signal: io.signal } : {}),
      onEvent: (event: RunEvent) => {
        if (event.kind === 'step') reporter.endLiveText(event.step.template)
        reporter.onEvent(event)
        if (event.kind === 'step' || event.kind === 'skipped') {
          passRates?.add(event.step)
          if (!results) matrixTable?.add(event.step)
          updates?.add(event.step.file, event.step.template, event.step.exchange)
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
  const printed = printResult(result, { ...options, perRow }, io, reporter)
  let reportsFailed = false
  if (reports) {
    // Each report is written or not on its own; a failed one is said, and the run's own outcome stands.
    for (const failure of reports.finish(result, {
      ...(results ? { dataset: results.summary() } : {}),
      ...(matrixTable ? { matrix: matrixTable.rows() } : {}),
    })) {
      io.stderr.write(`${reporter.errorFrame(failure)}\n`)
      reportsFailed = true
    }
  }
  if (updates) {
    try {
      for (const line of updates.write()) io.stderr.write(`${line}\n`)
    } catch (error) {
      if (!(error instanceof ReqchainError)) throw error
      io.stderr.write(`${reporter.errorFrame(error)}\n`)
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
  if (passRates && !options.quiet) io.stderr.write(`${secrets.mask(passRates.format())}\n`)
  if (matrixTable && !options.quiet) io.stderr.write(`${secrets.mask(matrixTable.format())}\n`)
  // --pass-rate: a run passes when each request passed often enough, though some of its runs failed.
  const passes = options.passRate !== undefined && passRates?.meets(options.passRate) && !result.interrupted
  const code = printed === 'error' || rowExtract.failed ? ExitCode.runtime : passes ? ExitCode.ok : exitCodeFor(result)
  return code === ExitCode.ok && reportsFailed ? ExitCode.runtime : code
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

/**
 * `# @prompt NAME [description]`: a variable the file asks for. Given with --var it is not asked;
 * on a terminal it is asked for (a secret one without echo); elsewhere (CI, a pipe) it is a usage
 * error before anything is sent, naming the --var that gives it.
 */
async function askPrompts(plans: readonly Plan[], vars: Record<string, string>, io: Io): Promise<Map<string, string>> {
  const asked = new Set<string>()
  const hiddenAnswers = new Map<string, string>()
  for (const request of new Set(plans.flatMap((plan) => plan.requests)))
    for (const directive of request.directives) {
      if (directive.key !== 'prompt') continue
      const [, name = '', description = ''] = directive.value.match(/^(\S+)\s*(.*)$/) ?? []
      if (name in vars || asked.has(name)) continue
      asked.add(name)
      const hidden = isSecretName(name) // asked for without an echo, and masked in every output
      if (!io.stdinIsTTY || !io.ask)
        throw new UsageError(
          `${directive.span.file}:${directive.span.line}: \`${name}\` is asked for (\`@prompt\`), and there is no terminal to ask on`,
          `give it: --var ${name}=…`,
        )
      const value = await io.ask(`${description || name}${hidden ? ' (hidden)' : ''}: `, hidden)
      vars[name] = value
      if (hidden) hiddenAnswers.set(name, value)
    }
  return hiddenAnswers
}
