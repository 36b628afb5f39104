// argv → typed Options, and nothing else: the commands are data (cli/commands.ts, cli/flags.ts),
// argv is parsed against them (cli/argv.ts) and each flag's value checked (cli/option-values.ts);
// this module maps what was parsed to Options. No I/O, no work in yargs handlers (yargs prints
// the help text when an async handler rejects, which would make a network error look like a
// typo in a flag).
import { UsageError, nearest } from '../errors.js'
import { checkFlags, commandParser, parseQuickly, parseWithYargs } from './argv.js'
import type { Options, VarOptions } from './option-types.js'
import { VERSION } from '../version.js'
import { COMMANDS } from './commands.js'
import {
  colorChoiceOf,
  connectToOf,
  datasetOf,
  errorFormatOf,
  junitCasesOf,
  parseReports,
  parseVarFlags,
  recordingOf,
  replaySpeedOf,
  environmentsOf,
  matrixOf,
  repeatOf,
  retryOf,
  secondsOf,
  shardOf,
  sizeOf,
} from './option-values.js'

export type { Options, RunOptions, VarOptions } from './option-types.js'

/**
 * `quick: false` always builds yargs (tests compare the two paths); `width` is the terminal's, for
 * help (80 when piped).
 */
export async function parseOptions(
  argv: readonly string[],
  { quick = true, width = 80 }: { quick?: boolean; width?: number } = {},
): Promise<Options> {
  const [name, ...rest] = argv
  const help = async (command?: string): Promise<Options> => ({
    command: 'help',
    text: (await import('./help.js')).helpText(command, width),
  })
  if (name === 'help') {
    const [command, ...more] = rest
    if (command !== undefined && !COMMANDS[command]) throw unknownCommand(command)
    if (more.length > 0) throw new UsageError(`help takes one command, got: ${rest.join(' ')}`, 'reqchain help run')
    return help(command)
  }
  const spec = name === undefined ? undefined : COMMANDS[name]
  if (!spec) {
    if (name !== undefined && !name.startsWith('-')) throw unknownCommand(name)
    if (name === undefined || asksForHelp(argv)) return help()
    if (name === '--version' || name === '-V') return { command: 'version', text: VERSION }
    throw new UsageError(
      `Unknown option: ${name}`,
      'name a command: run, test, diff, merge, import, parse, curl, serve or completion',
    )
  }
  if (asksForHelp(rest)) return help(name)
  let args = quick ? parseQuickly(spec, rest) : undefined
  if (!args) {
    checkFlags(spec, rest)
    const parsed = parseWithYargs(await commandParser(spec), rest)
    if ('shown' in parsed) return parsed.shown
    args = parsed.args
  }
  const command = name as Exclude<Options['command'], 'help' | 'version'> | 'diff'
  const paths = args._.map(String)
  const vars = parseVarFlags((args['var'] as string[] | undefined) ?? [])
  const environments = ((args['env'] as string[] | undefined) ?? []).map(String)
  const runsMany = command === 'run' || command === 'test' || command === 'diff'
  if (environments.length > 1 && !runsMany)
    throw new UsageError(`${command} takes one --env, got ${environments.length}`, 'several --env go with run and test')
  const varOpts: VarOptions = {
    ...(environments.length === 1 ? { env: environments[0]! } : {}),
    envFiles: (args['env-file'] as string[] | undefined) ?? [],
    vars,
    secrets: (args['secret'] as string[] | undefined) ?? [],
    ...(args['file-root'] !== undefined ? { fileRoot: String(args['file-root']) } : {}),
  }
  switch (command) {
    case 'parse':
      return { command, paths }
    case 'completion': {
      const shell = paths[0]
      if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish')
        throw new UsageError(
          shell === undefined ? 'completion needs a shell: bash, zsh or fish' : `No completion for \`${shell}\``,
          'shells: bash, zsh, fish',
        )
      return { command, shell }
    }
    case 'merge':
      return {
        command,
        paths,
        ...(args['results'] !== undefined ? { results: String(args['results']) } : {}),
        ...(args['junit'] !== undefined ? { junit: String(args['junit']) } : {}),
        ...(args['json'] !== undefined ? { json: String(args['json']) } : {}),
      }
    case 'import': {
      const format = paths[0]
      if (format !== 'curl' && format !== 'har')
        throw new UsageError(
          format === undefined ? 'import needs a format: curl or har' : `Cannot import \`${format}\``,
          'formats: curl (reqchain import curl "curl …"), har (reqchain import har FILE.har)',
        )
      // `import curl` with no command reads it from standard input when that is not a terminal (import-command.ts).
      if (paths.length < 2 && format === 'har') throw new UsageError('import har needs the HAR file')
      if (format === 'har' && paths.length > 2) throw new UsageError('import har takes one HAR file')
      if (args['filter'] !== undefined && format !== 'har') throw new UsageError('--filter goes with import har')
      return {
        command,
        format,
        source: paths.slice(1).join(' '),
        showSecrets: Boolean(args['show-secrets']),
        all: Boolean(args['all']),
        ...(args['filter'] !== undefined ? { filter: String(args['filter']) } : {}),
      }
    }
    case 'curl': {
      const shell = String(args['shell'] ?? 'sh')
      if (shell !== 'sh' && shell !== 'powershell' && shell !== 'cmd')
        throw new UsageError(`--shell ${shell}: not a shell reqchain writes for`, 'shells: sh, powershell, cmd')
      return {
        ...varOpts,
        command,
        paths,
        names: (args['name'] as string[] | undefined) ?? [],
        showSecrets: Boolean(args['show-secrets']),
        allowInvalidJson: Boolean(args['allow-invalid-json']),
        insecure: Boolean(args['insecure']),
        shell,
      }
    }
    case 'serve': {
      const port = args['port'] as number
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be 0–65535, got ${String(port)}`)
      return {
        command,
        port,
        host: String(args['host']),
        ...(args['api-key'] !== undefined ? { apiKey: String(args['api-key']) } : {}),
        ...(args['fault'] !== undefined ? { fault: String(args['fault']) } : {}),
        ...(args['models'] !== undefined
          ? {
              models: String(args['models'])
                .split(',')
                .map((m) => m.trim())
                .filter(Boolean),
            }
          : {}),
        ...(args['replay'] !== undefined ? { replay: String(args['replay']) } : {}),
        replaySpeed: replaySpeedOf(args),
      }
    }
    case 'diff':
    case 'run':
    case 'test': {
      if (command === 'diff' && paths.length !== 1)
        throw new UsageError('diff takes one recording folder', 'for example: reqchain diff bug-1234/')
      const timeoutMs = secondsOf(args['timeout'], '--timeout')
      const connectTimeoutMs = secondsOf(args['connect-timeout'], '--connect-timeout')
      if (connectTimeoutMs === 0) throw new UsageError('--connect-timeout takes a positive number of seconds')
      const maxRedirects = args['max-redirs'] as number
      if (!Number.isInteger(maxRedirects) || maxRedirects < 0)
        throw new UsageError(`--max-redirs takes a whole number >= 0, got ${String(args['max-redirs'])}`)
      const ratio = args['max-inflate-ratio'] as number
      if (!Number.isFinite(ratio) || ratio < 0)
        throw new UsageError(
          `--max-inflate-ratio takes a number >= 0 (0: no limit), got ${String(args['max-inflate-ratio'])}`,
        )
      const parallel = (args['parallel'] as number | undefined) ?? 1
      if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('--parallel takes a whole number >= 1')
      if (args['raw-output'] && args['extract'] === undefined)
        throw new UsageError(
          '-r/--raw-output goes with --extract',
          "for example `-e '$.choices[0].message.content' -r`",
        )
      return {
        ...varOpts,
        command: command === 'diff' ? 'test' : command,
        paths: command === 'diff' ? [] : paths,
        names: (args['name'] as string[] | undefined) ?? [],
        ...recordingOf(args, command === 'diff' ? paths[0] : undefined),
        maxTimeMs: args['max-time'] === undefined ? timeoutMs : secondsOf(args['max-time'], '--max-time'),
        idleTimeoutMs:
          args['idle-timeout'] === undefined ? timeoutMs : secondsOf(args['idle-timeout'], '--idle-timeout'),
        connectTimeoutMs,
        scriptTimeoutMs: secondsOf(args['script-timeout'], '--script-timeout'),
        maxRedirects,
        allowHttpRedirect: Boolean(args['allow-http-redirect']),
        ...(args['max-filesize'] !== undefined
          ? { maxFilesize: sizeOf(String(args['max-filesize']), '--max-filesize') }
          : {}),
        maxInflateRatio: ratio,
        ...(args['extract'] !== undefined ? { extract: String(args['extract']) } : {}),
        rawOutput: Boolean(args['raw-output']),
        verbose: Boolean(args['verbose']),
        // `-o -` is stdout, as with curl: where the body goes without -o.
        ...(args['output'] !== undefined && String(args['output']) !== '-' ? { output: String(args['output']) } : {}),
        quiet: Boolean(args['quiet']),
        all: Boolean(args['all']),
        fail: Boolean(args['fail']),
        raw: Boolean(args['raw']),
        mock: Boolean(args['mock']),
        curl: Boolean(args['curl']),
        showSecrets: Boolean(args['show-secrets']),
        allowInvalidJson: Boolean(args['allow-invalid-json']),
        color: colorChoiceOf(args['color']),
        errorFormat: errorFormatOf(args['error-format']),
        insecure: Boolean(args['insecure']),
        cacert: (args['cacert'] as string[] | undefined) ?? [],
        ...(args['cert'] !== undefined ? { cert: String(args['cert']) } : {}),
        ...(args['key'] !== undefined ? { key: String(args['key']) } : {}),
        ...(args['pass'] !== undefined ? { pass: String(args['pass']) } : {}),
        http2: Boolean(args['http2']),
        http2PriorKnowledge: Boolean(args['http2-prior-knowledge']),
        ...(args['unix-socket'] !== undefined ? { unixSocket: String(args['unix-socket']) } : {}),
        connectTo: connectToOf(
          (args['resolve'] as string[] | undefined) ?? [],
          (args['connect-to'] as string[] | undefined) ?? [],
        ),
        maxHeaderSize: sizeOf(String(args['max-header-size']), '--max-header-size'),
        cookies: args['cookies'] !== false,
        retry: retryOf(args),
        ...datasetOf(args),
        ...shardOf(args, command === 'diff' ? 'test' : command),
        ...repeatOf(args),
        matrix: matrixOf((args['matrix'] as string[] | undefined) ?? [], environments),
        environments: environments.length > 1 ? environmentsOf(environments) : [],
        markdown: Boolean(args['markdown']),
        update: Boolean(args['update']),
        addResponses: Boolean(args['add-responses']),
        ignore: (args['ignore'] as string[] | undefined) ?? [],
        dryRun: Boolean(args['dry-run']),
        ...(args['proxy'] !== undefined ? { proxy: String(args['proxy']) } : {}),
        ...(args['noproxy'] !== undefined ? { noProxy: String(args['noproxy']) } : {}),
        ...(args['cookie-jar'] !== undefined ? { cookieJar: String(args['cookie-jar']) } : {}),
        bail: Boolean(args['bail']),
        parallel,
        reports: parseReports((args['report'] as string[] | undefined) ?? []),
        junitCases: junitCasesOf(args['junit-cases']),
      }
    }
  }
  throw new UsageError(
    `Unknown command: ${command}`,
    'commands: run, test, diff, merge, import, parse, curl, serve, completion',
  )
}

function unknownCommand(name: string): UsageError {
  const suggestion = nearest(name, Object.keys(COMMANDS))
  return new UsageError(
    `Unknown command: ${name}`,
    `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}commands: ${Object.keys(COMMANDS).join(', ')}`,
  )
}

/** `--help` or `-h` anywhere before `--`, alone or among short flags (`-qh`), as yargs read them. */
function asksForHelp(argv: readonly string[]): boolean {
  for (const word of argv) {
    if (word === '--') return false
    if (word === '--help' || /^-[A-Za-z]*h[A-Za-z]*$/.test(word)) return true
  }
  return false
}
