// argv → typed Options, and nothing else: no I/O, no work in yargs handlers (yargs prints the help
// text when an async handler rejects, which would make a network error look like a typo in a flag).
import type { Argv } from 'yargs'
import { UsageError, nearest } from '../errors.js'
import { timeLimitMs } from '../load/directives.js'
import type { ColorChoice } from '../report/style.js'
import type { ShellName } from '../report/curl.js'
import { VERSION } from '../version.js'

import type { ReportFormat, ReportTarget } from '../report/formatter.js'

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

const EXIT_CODES = `Exit codes:
  0  every request ran (and every assertion held)
  1  usage error: a bad flag or argument
  2  load error: a request file could not be read or parsed; nothing was sent
  3  runtime error: a variable, connection, timeout, redirect, size limit, stream,
     capture, script or output failed (with --fail also an HTTP status >= 400)
  4  an assertion failed (a script's client.test too; a difference from --compare)
  130 interrupted (Ctrl-C), 143 stopped (SIGTERM); partial output and reports are kept`

const PRECEDENCE = `Variables, strongest first:
  --var k=v  >  captured values  >  @file variables / JSON "vars"  >  the --env environment
  (http-client.private.env.json over http-client.env.json, the named env over $shared)
  >  --env-file files  >  .env beside the request file  >  .env in the working directory.
  The process environment only through {{$processEnv NAME}} and {{$env.NAME}}.`

type OptionSpec = {
  readonly name: string
  readonly alias?: string
  readonly type: 'string' | 'boolean' | 'number'
  readonly array?: true
  readonly default?: string | number | boolean
  readonly describe: string
}

const VAR_OPTIONS: readonly OptionSpec[] = [
  { name: 'env', type: 'string', describe: 'environment from http-client.env.json (+ .private) to use' },
  { name: 'env-file', type: 'string', array: true, describe: 'extra dotenv file(s) with variables' },
  { name: 'var', type: 'string', array: true, describe: 'set a variable: --var model=llama3 (repeatable)' },
  { name: 'secret', type: 'string', array: true, describe: 'treat this variable as secret and mask it in output' },
  {
    name: 'file-root',
    type: 'string',
    describe:
      "the folder request files may read files in (default: the nearest folder above the file holding .git, else the file's own)",
  },
]

function runOptions(command: 'run' | 'test'): OptionSpec[] {
  return [
    ...VAR_OPTIONS,
    {
      name: 'name',
      alias: 'n',
      type: 'string',
      array: true,
      describe: 'run only the named request(s), after the requests they depend on',
    },
    {
      name: 'mock',
      type: 'boolean',
      default: false,
      describe: 'start the built-in LLM server on a free loopback port and point baseUrl at it',
    },
    {
      name: 'timeout',
      type: 'number',
      default: 300,
      describe: 'shorthand for --max-time and --idle-timeout together (seconds; 0: no limit)',
    },
    {
      name: 'max-time',
      type: 'number',
      describe: 'seconds the whole request may take, body included (default: --timeout)',
    },
    {
      name: 'idle-timeout',
      type: 'number',
      describe: 'seconds of silence allowed before the response and between chunks of a stream (default: --timeout)',
    },
    { name: 'connect-timeout', type: 'number', default: 10, describe: 'seconds to wait for the connection' },
    {
      name: 'script-timeout',
      type: 'number',
      default: 5,
      describe: 'seconds each JetBrains script (`> {% %}`, `< {% %}`) may run in its sandbox (0: no limit)',
    },
    {
      name: 'max-redirs',
      type: 'number',
      default: 10,
      describe: 'redirects followed before "too many redirects" (exit 3)',
    },
    {
      name: 'allow-http-redirect',
      type: 'boolean',
      default: false,
      describe: 'follow a redirect from https to plain http (secret headers are dropped all the same)',
    },
    {
      name: 'max-filesize',
      type: 'string',
      describe: "largest response body accepted, in bytes or with k/M/G (as curl's); larger ends in exit 3",
    },
    {
      name: 'max-inflate-ratio',
      type: 'number',
      default: 100,
      describe: 'once a compressed body passes 16 MiB, the most it may inflate per compressed byte (0: no limit)',
    },
    {
      name: 'extract',
      alias: 'e',
      type: 'string',
      describe: 'print a query on the last response: $.json.path, header NAME, status, body, regex "…"',
    },
    {
      name: 'raw-output',
      alias: 'r',
      type: 'boolean',
      default: false,
      describe: 'with --extract: print strings without JSON quotes, as jq -r does',
    },
    {
      name: 'verbose',
      alias: 'v',
      type: 'boolean',
      default: false,
      describe: 'show each request and response head, as curl -v does (secrets masked)',
    },
    {
      name: 'output',
      alias: 'o',
      type: 'string',
      describe: 'write the last response body to this file (- for stdout)',
    },
    {
      name: 'quiet',
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'print no bodies and no summary lines, only errors',
    },
    { name: 'all', type: 'boolean', default: false, describe: 'print every response body, not only the last one' },
    {
      name: 'fail',
      alias: 'f',
      type: 'boolean',
      default: false,
      describe: 'treat an HTTP status >= 400 as an error (exit 3), as curl --fail does',
    },
    {
      name: 'raw',
      type: 'boolean',
      default: false,
      describe: 'pass streamed responses through byte for byte, as curl -N does',
    },
    { name: 'curl', type: 'boolean', default: false, describe: 'print each request as a curl command as it is sent' },
    {
      name: 'report',
      type: 'string',
      array: true,
      describe:
        'write a report: junit=PATH, json=PATH, markdown=PATH, html=PATH (one self-contained page), har=PATH (HAR 1.2, for devtools and proxies), or github (annotations on stdout; github=PATH for a file) (repeatable)',
    },
    { name: 'show-secrets', type: 'boolean', default: false, describe: 'do not mask secrets in output and reports' },
    {
      name: 'allow-invalid-json',
      type: 'boolean',
      default: false,
      describe: 'send a JSON body even when a variable made it invalid JSON',
    },
    {
      name: 'error-format',
      type: 'string',
      default: 'full',
      describe: 'full: code frames; short: one line each, file:line:col: error: message (for problem matchers)',
    },
    {
      name: 'color',
      type: 'string',
      default: 'auto',
      describe:
        'colours: always, never or auto (a terminal, unless NO_COLOR; FORCE_COLOR=1/0 forces); --no-color is never',
    },
    { name: 'insecure', alias: 'k', type: 'boolean', default: false, describe: 'accept any TLS certificate' },
    {
      name: 'cacert',
      type: 'string',
      array: true,
      describe: "trust the CA certificates in this PEM file instead of the system's (default: $SSL_CERT_FILE)",
    },
    { name: 'cert', type: 'string', describe: 'client certificate (PEM) for servers that ask for one' },
    { name: 'key', type: 'string', describe: "the client certificate's private key (PEM; default: in --cert)" },
    { name: 'pass', type: 'string', describe: 'passphrase of the private key' },
    {
      name: 'http2',
      type: 'boolean',
      default: false,
      describe:
        'use HTTP/2 where the server agrees (ALPN over TLS); `HTTP/2` in a request line asks it for that request',
    },
    {
      name: 'http2-prior-knowledge',
      type: 'boolean',
      default: false,
      describe: 'HTTP/2 without TLS and without negotiation (h2c)',
    },
    {
      name: 'unix-socket',
      type: 'string',
      describe: 'connect through this unix domain socket (the URL still names host and path)',
    },
    {
      name: 'resolve',
      type: 'string',
      array: true,
      describe: "HOST:PORT:ADDRESS, as curl's: connect to ADDRESS for HOST:PORT (repeatable)",
    },
    {
      name: 'connect-to',
      type: 'string',
      array: true,
      describe: "HOST:PORT:HOST2:PORT2, as curl's: connect to HOST2:PORT2 instead (repeatable)",
    },
    {
      name: 'dry-run',
      type: 'boolean',
      default: false,
      describe:
        'render every request and print it as it would be sent (values known only at run time as <captured: …>); nothing is sent',
    },
    {
      name: 'dataset',
      type: 'string',
      describe:
        "run the files once per row of this CSV, JSON Lines or JSON-array file; each row's fields are variables",
    },
    { name: 'rows', type: 'string', describe: 'with --dataset: only these rows, FIRST-LAST, 1-based (10-20, 5-, 3)' },
    { name: 'limit', type: 'number', describe: 'with --dataset: only the first N rows (after --rows)' },
    {
      name: 'results',
      type: 'string',
      describe: 'with --dataset: write one JSON line per row as it finishes (.jsonl), or a CSV record (.csv)',
    },
    {
      name: 'junit-cases',
      type: 'string',
      default: 'request',
      describe: 'in a JUnit report, a test case per request, or one per assertion (request|assertion)',
    },
    {
      name: 'row-name',
      type: 'string',
      describe: "with --dataset: the column that names each row's test cases in a JUnit report, after the row number",
    },
    {
      name: 'columns',
      type: 'string',
      describe:
        'with --results FILE.csv: comma-separated columns, paths into the results line (row,values.question,reply,usage.completion_tokens)',
    },
    {
      name: 'shard',
      type: 'string',
      describe:
        'K/N: run only the K-th of N equal parts of the --dataset rows (in test, of the files); `reqchain merge` joins the --results',
    },
    {
      name: 'retry',
      type: 'number',
      default: 0,
      describe:
        "retry a failed connection, a timeout and 408/429/500/502/503/504 this many times (curl's rules; POST and other non-idempotent methods only if they cannot have reached the server)",
    },
    {
      name: 'retry-delay',
      type: 'number',
      default: 1,
      describe: 'seconds before the first retry; each next wait doubles, with jitter (Retry-After wins)',
    },
    {
      name: 'retry-max-time',
      type: 'number',
      default: 0,
      describe: 'no retry starts after this many seconds from the first attempt (0: no limit)',
    },
    {
      name: 'retry-all',
      type: 'boolean',
      default: false,
      describe: 'retry non-idempotent requests that may have reached the server too',
    },
    {
      name: 'proxy',
      alias: 'x',
      type: 'string',
      describe:
        'use this proxy (http://[user:pass@]host:port) for every request; default: http_proxy, HTTPS_PROXY, ALL_PROXY as curl reads them',
    },
    {
      name: 'noproxy',
      type: 'string',
      describe: "comma-separated hosts that bypass the proxy, as curl's (* for all; overrides NO_PROXY)",
    },
    {
      name: 'cookies',
      type: 'boolean',
      default: true,
      describe: 'keep cookies the server sets and send them back (--no-cookies: none)',
    },
    {
      name: 'cookie-jar',
      type: 'string',
      describe: "read cookies from this file before the run and write them after (Netscape format, as curl's -b/-c)",
    },
    {
      name: 'max-header-size',
      type: 'string',
      default: '100k',
      describe: 'largest response head accepted (bytes, or with k/M)',
    },
    {
      name: 'bail',
      type: 'boolean',
      default: command === 'run',
      describe:
        command === 'run' ? 'stop at the first failed request (--no-bail goes on)' : 'stop at the first failed request',
    },
    ...RECORD_OPTIONS,
  ]
}

const REPLAY_SPEED: OptionSpec = {
  name: 'replay-speed',
  type: 'number',
  default: 1,
  describe: 'pace of replayed streams: 1 as recorded, 2 twice as fast, 0 without waiting',
}
const COMPARE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'ignore',
    type: 'string',
    array: true,
    describe:
      'with --compare: a JSONPath left out of the comparison ($.usage, $.choices[*].message.id, $..created) (repeatable)',
  },
  {
    name: 'compare-header',
    type: 'string',
    array: true,
    describe: 'with --compare: a response header to compare (default: content-type) (repeatable)',
  },
]
const RECORD_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'record',
    type: 'string',
    describe:
      'write every exchange to this folder (requests as sent, responses byte for byte, stream pacing; secrets masked)',
  },
  {
    name: 'replay',
    type: 'string',
    describe: 'answer every request from this recording, whatever host its URL names (nothing reaches the network)',
  },
  REPLAY_SPEED,
  {
    name: 'compare',
    type: 'string',
    describe:
      'compare each exchange with this recording: status, headers, JSON bodies path by path (a difference fails, exit 4)',
  },
  ...COMPARE_OPTIONS,
]

type CommandSpec = {
  readonly usage: string
  readonly describe: string
  readonly paths: boolean
  readonly options: readonly OptionSpec[]
  readonly examples?: readonly (readonly [string, string])[]
  readonly epilogue?: string
}

/** Each command's options, for shell completion. */
export function commandOptions(): Record<
  string,
  readonly { readonly name: string; readonly alias?: string; readonly type: string }[]
> {
  return Object.fromEntries(Object.entries(COMMANDS).map(([name, spec]) => [name, spec.options]))
}

/** The commands, as data: yargs builds help and usage errors from it, parseQuickly reads it. */
const COMMANDS: Record<string, CommandSpec> = {
  run: {
    usage: 'run <paths..>',
    describe: 'send the requests of files in order, chaining captures',
    paths: true,
    options: runOptions('run'),
    examples: [
      ['$0 run requests/chat.http --mock', 'run a file against the built-in LLM server'],
      ["$0 run chat.http#ask -e '$.choices[0].message.content' -r", 'one request, print the reply text'],
      ['$0 run chat.http --env local --var model=llama3', 'pick an environment, override a variable'],
    ],
    epilogue: `Paths: request files (.http, .rest, .json), FILE#name, or directories.\n\n${PRECEDENCE}\n\nOn a terminal the response body prints pretty (and streams live); piped, the last body is written byte for byte (a stream as its assembled JSON).\n\n${EXIT_CODES}`,
  },
  test: {
    usage: 'test <paths..>',
    describe: 'run files as checks: continue past failures, summarise, exit non-zero on failure',
    paths: true,
    options: [
      ...runOptions('test'),
      {
        name: 'parallel',
        type: 'number',
        default: 1,
        describe: 'run this many files at once (each file stays in order)',
      },
    ],
    examples: [['$0 test requests/ --mock --report junit=report.xml', 'all collections, JUnit report for CI']],
    epilogue: `Directories are searched recursively. The last line is "N passed, N failed" (and ", N skipped").\n\n${EXIT_CODES}`,
  },
  import: {
    usage: 'import <curl|har> <source..>',
    describe: 'turn a curl command or a HAR file into .http requests, printed (credentials become variables)',
    paths: true,
    options: [
      { name: 'show-secrets', type: 'boolean', default: false, describe: 'print the credentials found, as .env lines' },
      {
        name: 'all',
        type: 'boolean',
        default: false,
        describe: 'with har: keep the entries that load page assets (images, scripts, styles, fonts)',
      },
      {
        name: 'filter',
        type: 'string',
        describe: 'with har: keep only the requests whose URL contains this text (e.g. /api/)',
      },
    ],
    examples: [
      [
        '$0 import curl "curl https://api.example.com/v1/models -H \'Authorization: Bearer $KEY\'"',
        'the request as .http',
      ],
      ['pbpaste | $0 import curl - > bug.http', 'from standard input'],
      ['$0 import har session.har > session.http', 'every API request a browser recorded'],
      ['$0 import har session.har --filter api.example.com/v1/', 'only the requests to one API'],
    ],
    epilogue:
      'A $VAR in the command becomes {{$processEnv VAR}}; a literal token, API key or -u password becomes {{token}}, {{apiKey}} or {{basicAuth}}, to set in .env. Exit 1 for an option that changes the request and is not imported (-F, -b FILE, …).',
  },
  completion: {
    usage: 'completion <shell>',
    describe: 'print a completion script for bash, zsh or fish',
    paths: true,
    options: [],
    examples: [
      ['source <($0 completion bash)', 'in ~/.bashrc'],
      ['source <($0 completion zsh)', 'in ~/.zshrc'],
      ['$0 completion fish > ~/.config/fish/completions/reqchain.fish', 'for fish'],
    ],
    epilogue:
      'Completes commands, options, request files and directories, FILE#name with the names in FILE, --env with the environments in http-client.env.json, and --report formats.',
  },
  merge: {
    usage: 'merge <paths..>',
    describe: 'join the --results files of a sharded run into one summary (and one results file)',
    paths: true,
    options: [
      { name: 'results', type: 'string', describe: 'write the merged lines here, ordered by file and row' },
      { name: 'junit', type: 'string', describe: 'join the JUnit reports (.xml) given into this file' },
      {
        name: 'json',
        type: 'string',
        describe: 'join the JSON reports (.json) given into this file (with the row summary of the results files)',
      },
    ],
    examples: [
      [
        '$0 merge shard-1.jsonl shard-2.jsonl --results all.jsonl',
        'the summary of both shards, as one run would print it',
      ],
      ['$0 merge s1.jsonl s2.jsonl s1.xml s2.xml --junit all.xml', 'and one JUnit report for CI'],
    ],
    epilogue:
      'Exit codes: 0 every row passed, 2 a file is not a results file or two shards hold the same row, 3 a row ended in an error, 4 a row failed an assertion.',
  },
  parse: {
    usage: 'parse <paths..>',
    describe: 'print the requests reqchain understood in a file, as JSON (nothing is sent)',
    paths: true,
    options: [],
  },
  curl: {
    usage: 'curl <paths..>',
    describe: 'print requests as curl commands (FILE or FILE#name)',
    paths: true,
    options: [
      ...VAR_OPTIONS,
      { name: 'name', alias: 'n', type: 'string', array: true, describe: 'only the named request(s)' },
      { name: 'show-secrets', type: 'boolean', default: false, describe: 'write secret values instead of $VARIABLES' },
      {
        name: 'allow-invalid-json',
        type: 'boolean',
        default: false,
        describe: 'export a JSON body even when a variable made it invalid JSON',
      },
      {
        name: 'insecure',
        alias: 'k',
        type: 'boolean',
        default: false,
        describe: 'add -k: the commands accept any TLS certificate',
      },
      {
        name: 'shell',
        type: 'string',
        default: 'sh',
        describe:
          'quote for this shell: sh (bash, zsh: the default), powershell (7.3 or later; curl.exe), cmd (a batch file; curl.exe)',
      },
    ],
    examples: [
      ['$0 curl chat.http#ask', 'one request, as a curl command'],
      ['$0 curl api.http --shell powershell > api.ps1', 'the whole chain, for PowerShell'],
    ],
  },
  serve: {
    usage: 'serve',
    describe: 'run the built-in OpenAI- and Ollama-compatible server in the foreground',
    paths: false,
    options: [
      { name: 'port', type: 'number', default: 8080, describe: 'port to listen on (0: any free port)' },
      { name: 'host', type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
      { name: 'api-key', type: 'string', describe: 'require Authorization: Bearer KEY' },
      { name: 'fault', type: 'string', describe: 'inject a fault into every reply, e.g. "drop-after=5" (see README)' },
      {
        name: 'models',
        type: 'string',
        describe:
          'comma-separated model names to serve; others get 404 (default: any name is accepted, as llama-server does)',
      },
      {
        name: 'replay',
        type: 'string',
        describe:
          'answer from this recording (--record DIR) instead: each request with its recorded response, streams paced as recorded',
      },
      REPLAY_SPEED,
    ],
    examples: [['$0 serve --replay bug-1234/ --port 8080', 'serve a recorded run to curl, an SDK or another reqchain']],
  },
  diff: {
    usage: 'diff <recording>',
    describe: 'run a recorded collection again and compare every exchange with the recording',
    paths: true,
    // --replay too: `diff old/ --replay new/` compares two recordings, no server needed.
    options: runOptions('test').filter((o) => o.name !== 'record' && o.name !== 'compare'),
    examples: [
      ['$0 diff bug-1234/', 'what changed since the recording (exit 4 when something did)'],
      ["$0 diff bug-1234/ --ignore '$.usage' --env staging", 'leave token counts out, run against staging'],
    ],
    epilogue:
      'Runs the files the recording names, as `test --compare RECORDING` would. Left out by default: object keys id, created, created_at, system_fingerprint, timings, the *_duration timings of Ollama, and strings that are dates.',
  },
}

async function baseParser(known: readonly OptionSpec[] = []): Promise<Argv> {
  const { default: yargs } = await import('yargs')
  return (
    yargs()
      .scriptName('reqchain')
      // a file named 0x10 or 1e3 is a file name, not the number 16 or 1000
      // A list flag takes one value each time (`--var a=1 --var b=2`), so options may stand before
      // the paths (`run --var a=1 x.http`); greedy lists would take the path as a second value.
      .parserConfiguration({ 'parse-positional-numbers': false, 'greedy-arrays': false })
      .strict()
      .exitProcess(false)
      .help('help')
      .alias('help', 'h')
      .version('version', 'show the version', VERSION)
      .alias('version', 'V')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((message, error) => {
        if (error instanceof UsageError) throw error
        throw new UsageError(
          message || (error as Error | undefined)?.message || 'Invalid arguments',
          didYouMean(message, known) ?? 'see `reqchain --help`',
        )
      })
  )
}

/**
 * A flag the command does not have is a usage error naming it, before yargs reads on: yargs would
 * take the word after an unknown flag as its value (`run --verbos x.http` said "Name at least
 * one request file").
 */
function checkFlags(spec: CommandSpec, argv: readonly string[]): void {
  const names = new Set([
    'help',
    'version',
    ...spec.options.flatMap((o) => (o.type === 'boolean' ? [o.name, `no-${o.name}`] : [o.name])),
  ])
  const letters = new Set(['h', 'V', ...spec.options.flatMap((o) => (o.alias ? [o.alias] : []))])
  for (const word of argv) {
    if (word === '--') return
    const long = word.match(/^--([^=]+)/)?.[1]
    if (long !== undefined && !names.has(long)) {
      throw new UsageError(
        `Unknown option: --${long}`,
        didYouMean(`Unknown argument: ${long}`, spec.options) ?? 'see `reqchain --help`',
      )
    }
    const short = word.match(/^-([A-Za-z])/)?.[1]
    if (short !== undefined && !letters.has(short))
      throw new UsageError(`Unknown option: -${short}`, 'see `reqchain --help`')
  }
}

/** "Unknown argument: extarct" → "did you mean `--extract`?" */
function didYouMean(message: string | undefined, known: readonly OptionSpec[]): string | undefined {
  const unknown = message?.match(/^Unknown arguments?: ([^,\s]+)/)?.[1]
  if (!unknown) return undefined
  // Stricter than for names in a file: `--nope` should not suggest `--name`.
  const meant = nearest(
    unknown,
    known.map((o) => o.name),
    Math.max(1, Math.floor(unknown.length / 3)),
  )
  return meant ? `did you mean \`--${meant}\`? (see \`--help\`)` : undefined
}

async function commandParser(spec: CommandSpec): Promise<Argv> {
  let parser = (await baseParser(spec.options)).usage(`$0 ${spec.usage}\n\n${spec.describe}`)
  for (const { name, ...option } of spec.options) parser = parser.option(name, option)
  for (const [command, description] of spec.examples ?? []) parser = parser.example(command, description)
  if (spec.epilogue) parser = parser.epilogue(spec.epilogue)
  if (spec.paths) parser = parser.demandCommand(1, `Name at least one request file: reqchain ${spec.usage}`)
  return parser
}

type ParsedArgs = Record<string, unknown> & { _: (string | number)[] }

/**
 * Parses through yargs. Help or version text, however it was asked for (`-qh` too), comes back
 * as the result instead of being printed by yargs itself.
 */
function parseWithYargs(parser: Argv, argv: readonly string[]): { args: ParsedArgs } | { shown: Options } {
  let text = ''
  const args = parser.parseSync([...argv], {}, (_error, _argv, output) => {
    text = output
  }) as ParsedArgs
  if (!text) return { args }
  return { shown: args['help'] ? { command: 'help', text } : { command: 'version', text } }
}

/**
 * The command lines people type — paths, `--flag`, `--flag value`, `--flag=value`, `-x value`,
 * `--no-flag`, repeated list flags, `--` — read the way yargs reads them, without loading yargs
 * (its command model costs about 10 ms a start). Anything else returns undefined and goes to
 * yargs: help, usage errors worded as yargs words them, and the rarer forms (`-rq`, `--flag=`,
 * values that start with a dash, a boolean given `true`/`false` as the next word…).
 * A property test holds this and yargs to the same result.
 */
function parseQuickly(spec: CommandSpec, argv: readonly string[]): ParsedArgs | undefined {
  const args: ParsedArgs = { _: [] }
  for (const option of spec.options) if (option.default !== undefined) args[option.name] = option.default
  const given = new Set<string>()
  const set = (option: OptionSpec, value: string | boolean): boolean => {
    let parsed: string | number | boolean = value
    if (option.type === 'number') {
      if (typeof value !== 'string' || !PLAIN_NUMBER.test(value)) return false
      parsed = Number(value)
    }
    if (option.array) {
      args[option.name] = [...((given.has(option.name) ? args[option.name] : []) as unknown[]), parsed]
    } else {
      if (given.has(option.name)) return false // yargs would make a list of it
      args[option.name] = parsed
    }
    given.add(option.name)
    return true
  }
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') {
      args._.push(...argv.slice(i + 1))
      break
    }
    if (!word.startsWith('-')) {
      args._.push(word)
      continue
    }
    const equals = word.indexOf('=')
    const flag = equals > 0 && word.startsWith('--') ? word.slice(0, equals) : word
    const negated = flag.startsWith('--no-') ? spec.options.find((o) => o.name === flag.slice(5)) : undefined
    if (negated) {
      if (negated.type !== 'boolean' || flag !== word || !set(negated, false)) return undefined
      continue
    }
    const option = flag.startsWith('--')
      ? spec.options.find((o) => o.name === flag.slice(2))
      : flag.length === 2
        ? spec.options.find((o) => o.alias === flag[1])
        : undefined
    if (!option) return undefined
    if (flag !== word) {
      const value = word.slice(equals + 1)
      const accepted =
        option.type === 'boolean'
          ? (value === 'true' || value === 'false') && set(option, value === 'true')
          : value !== '' && set(option, value)
      if (!accepted) return undefined
    } else if (option.type === 'boolean') {
      const next = argv[i + 1]
      if (next === 'true' || next === 'false' || !set(option, true)) return undefined
    } else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-') || !set(option, next)) return undefined
      i++
    }
  }
  if (spec.paths ? args._.length === 0 : args._.length > 0) return undefined
  return args
}

const PLAIN_NUMBER = /^\d+(\.\d+)?$/

/** `quick: false` always builds yargs (tests compare the two paths). */
export async function parseOptions(
  argv: readonly string[],
  { quick = true }: { quick?: boolean } = {},
): Promise<Options> {
  const [name, ...rest] = argv
  const spec = name === undefined ? undefined : COMMANDS[name]
  if (!spec) {
    if (name !== undefined && !name.startsWith('-')) {
      const suggestion = nearest(name, Object.keys(COMMANDS))
      throw new UsageError(
        `Unknown command: ${name}`,
        `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}commands: ${Object.keys(COMMANDS).join(', ')}`,
      )
    }
    const top = (await baseParser())
      .usage(
        'reqchain: run HTTP request files (.http / JSON) in order, chain responses into later requests.\n\nUsage: $0 <command> [options]',
      )
      .epilogue(`Run \`reqchain <command> --help\` for a command's options.\n\n${EXIT_CODES}`)
    for (const { usage, describe } of Object.values(COMMANDS)) top.command(usage, describe)
    const args = argv.length === 0 ? ['--help'] : argv
    const parsed = parseWithYargs(top, args)
    if ('shown' in parsed) return parsed.shown
    throw new UsageError(
      `Unknown option: ${args[0]}`,
      'name a command: run, test, diff, merge, import, parse, curl, serve or completion',
    )
  }
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

function replaySpeedOf(args: ParsedArgs): number {
  const speed = (args['replay-speed'] as number | undefined) ?? 1
  if (!Number.isFinite(speed) || speed < 0)
    throw new UsageError(`--replay-speed takes a number >= 0 (0: no waiting), got ${String(args['replay-speed'])}`)
  return speed
}

function recordingOf(
  args: ParsedArgs,
  diff: string | undefined,
): Pick<RunOptions, 'record' | 'replay' | 'replaySpeed' | 'compare' | 'filesFromRecording'> {
  const compareDir = diff ?? (args['compare'] === undefined ? undefined : String(args['compare']))
  const ignore = (args['ignore'] as string[] | undefined) ?? []
  const headers = (args['compare-header'] as string[] | undefined) ?? []
  if (compareDir === undefined && (ignore.length > 0 || headers.length > 0))
    throw new UsageError(
      `--${ignore.length > 0 ? 'ignore' : 'compare-header'} goes with --compare DIR (or reqchain diff DIR)`,
    )
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

function secondsOf(value: unknown, flag: string): number {
  const ms = timeLimitMs(value)
  if (typeof ms === 'string') throw new UsageError(`${flag} ${ms}, got ${String(value)}`)
  return ms
}

/** curl's size syntax: bytes, or a number with k, M or G (powers of 1024). */
function sizeOf(text: string, flag: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?$/)
  if (!match) throw new UsageError(`${flag} takes a size in bytes or with k/M/G (e.g. 10M), got \`${text}\``)
  const bytes = Number(match[1]) * 1024 ** ' kmgt'.indexOf((match[2] || ' ').toLowerCase())
  if (!(bytes >= 1) || !Number.isSafeInteger(Math.floor(bytes)))
    throw new UsageError(`${flag} must be at least 1 byte, got \`${text}\``)
  return Math.floor(bytes)
}

function datasetOf(
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

function columnsOf(text: string): string[] {
  const columns = text.split(',').map((c) => c.trim())
  const bad = columns.find((c) => !/^[^.\s]+(\.[^.\s]+)*$/.test(c))
  if (bad !== undefined)
    throw new UsageError(
      `--columns: \`${bad}\` is not a column`,
      'name fields of the results line, dotted for nested ones: row,values.question,reply,usage.completion_tokens',
    )
  return columns
}

function junitCasesOf(value: unknown): 'request' | 'assertion' {
  if (value === 'request' || value === 'assertion') return value
  throw new UsageError(`--junit-cases takes request or assertion, got \`${String(value)}\``)
}

function shardOf(args: ParsedArgs, command: 'run' | 'test'): Pick<RunOptions, 'shard'> {
  if (args['shard'] === undefined) return {}
  const text = String(args['shard'])
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

function retryOf(args: ParsedArgs): RunOptions['retry'] {
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
function connectToOf(
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

function errorFormatOf(value: unknown): 'full' | 'short' {
  if (value === 'full' || value === 'short') return value
  throw new UsageError(`--error-format takes full or short, got \`${String(value)}\``)
}

function colorChoiceOf(value: unknown): ColorChoice {
  if (value === false) return 'never' // --no-color
  if (value === 'always' || value === 'never' || value === 'auto') return value
  throw new UsageError(`--color takes always, never or auto, got \`${String(value)}\``)
}

function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const flag of flags) {
    const at = flag.indexOf('=')
    if (at <= 0) throw new UsageError(`--var needs NAME=VALUE, got \`${flag}\``, 'for example --var model=llama3')
    vars[flag.slice(0, at)] = flag.slice(at + 1)
  }
  return vars
}

function parseReports(flags: readonly string[]): ReportTarget[] {
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
