// argv → typed Options, and nothing else: the commands are data (cli/commands.ts, cli/flags.ts),
// argv is parsed against them (cli/argv.ts) and each flag's value checked (cli/option-values.ts);
// this module maps what was parsed to Options. No I/O, no work in yargs handlers (yargs prints
// the help text when an async handler rejects, which would make a network error look like a
// typo in a flag).
import { UsageError, nearest } from '../errors.js'
import type { ColorChoice } from '../report/style.js'
import type { ShellName } from '../report/curl.js'
import type { ReportTarget } from '../report/formatter.js'
import { checkFlags, commandParser, parseQuickly, parseWithYargs } from './argv.js'
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
  retryOf,
  secondsOf,
  shardOf,
  sizeOf,
} from './option-values.js'

export type VarOptions = {
  readonly env?: string
  readonly envFiles: readonly string[]
  readonly vars: Readonly<Record<string, string>>
  readonly secrets: readonly string[]
  /** --file-root DIR: the folder request files may read files in (default: see load/input-file.ts). */
  readonly fileRoot?: string
}

export type RunOptions = VarOptions & {
  readonly command: 'run' | 'test'
  readonly paths: readonly string[]
  readonly names: readonly string[]
  /** The whole request (--max-time, or --timeout); 0 for no limit. */
  readonly maxTimeMs: number
  /** Silence before the response and between chunks (--idle-timeout, or --timeout); 0 for no limit. */
  readonly idleTimeoutMs: number
  /** How long each script may run (--script-timeout); 0 for no limit. */
  readonly scriptTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly maxRedirects: number
  readonly allowHttpRedirect: boolean
  readonly maxFilesize?: number
  readonly maxInflateRatio: number
  readonly extract?: string
  readonly rawOutput: boolean
  readonly verbose: boolean
  readonly output?: string
  readonly quiet: boolean
  readonly all: boolean
  readonly fail: boolean
  readonly raw: boolean
  readonly mock: boolean
  readonly curl: boolean
  readonly showSecrets: boolean
  readonly allowInvalidJson: boolean
  readonly color: ColorChoice
  readonly errorFormat: 'full' | 'short'
  readonly insecure: boolean
  readonly cacert: readonly string[]
  readonly cert?: string
  readonly key?: string
  readonly pass?: string
  readonly http2: boolean
  readonly http2PriorKnowledge: boolean
  readonly unixSocket?: string
  /** `host:port` (lower case) → where to connect instead. */
  readonly connectTo: ReadonlyMap<string, { readonly host: string; readonly port?: number }>
  readonly maxHeaderSize: number
  readonly cookies: boolean
  readonly cookieJar?: string
  readonly proxy?: string
  readonly noProxy?: string
  readonly retry: {
    readonly count: number
    readonly delayMs: number
    readonly maxTimeMs: number
    readonly all: boolean
  }
  readonly dryRun: boolean
  readonly dataset?: string
  readonly rows?: string
  readonly limit?: number
  readonly results?: string
  /** With --dataset: the column whose value names a row's test cases in JUnit. */
  readonly rowName?: string
  /** Of a CSV results file: dotted paths into the results line. */
  readonly columns?: readonly string[]
  /** `--shard K/N`: this machine's part of the rows (or of the files, in test mode), 1-based. */
  readonly shard?: { readonly index: number; readonly count: number }
  readonly bail: boolean
  readonly parallel: number
  readonly reports: readonly ReportTarget[]
  /** JUnit test cases: one per request (default) or one per assertion. */
  readonly junitCases: 'request' | 'assertion'
  /** --record DIR: every exchange written to DIR. */
  readonly record?: string
  /** --replay DIR: every request answered from DIR's recording, by a server on loopback. */
  readonly replay?: string
  /** Pace of replayed streams: 1 as recorded, 2 twice as fast, 0 no waiting. */
  readonly replaySpeed: number
  /** --compare DIR (or `reqchain diff DIR`): each exchange compared with DIR's recording. */
  readonly compare?: { readonly dir: string; readonly ignore: readonly string[]; readonly headers: readonly string[] }
  /** `reqchain diff DIR`: the request files are the recording's own. */
  readonly filesFromRecording?: boolean
}

export type Options =
  | RunOptions
  | { readonly command: 'parse'; readonly paths: readonly string[] }
  | {
      readonly command: 'merge'
      readonly paths: readonly string[]
      readonly results?: string
      readonly junit?: string
      readonly json?: string
    }
  | { readonly command: 'completion'; readonly shell: 'bash' | 'zsh' | 'fish' }
  | {
      readonly command: 'import'
      readonly format: 'curl' | 'har'
      readonly source: string
      readonly showSecrets: boolean
      readonly all: boolean
      readonly filter?: string
    }
  | (VarOptions & {
      readonly command: 'curl'
      readonly paths: readonly string[]
      readonly names: readonly string[]
      readonly showSecrets: boolean
      readonly allowInvalidJson: boolean
      readonly insecure: boolean
      readonly shell: ShellName
    })
  | {
      readonly command: 'serve'
      readonly port: number
      readonly host: string
      readonly apiKey?: string
      readonly fault?: string
      readonly models?: readonly string[]
      readonly replay?: string
      readonly replaySpeed: number
    }
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'version'; readonly text: string }

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
  const varOpts: VarOptions = {
    ...(args['env'] !== undefined ? { env: String(args['env']) } : {}),
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
