// Every flag of every command, as data: its name, type, default and the sentence `--help` shows.
// cli/commands.ts groups them into commands; cli/argv.ts parses argv against them.

export type OptionSpec = {
  readonly name: string
  readonly alias?: string
  readonly type: 'string' | 'boolean' | 'number'
  readonly array?: true
  readonly default?: string | number | boolean
  readonly describe: string
}

export const VAR_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'env',
    type: 'string',
    array: true,
    describe:
      'environment from http-client.env.json (+ .private) to use; in run and test, repeat it to run the collection once per environment, as a --matrix',
  },
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

export function runOptions(command: 'run' | 'test'): OptionSpec[] {
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
        'K/N: run only the K-th of N equal parts of the --dataset rows (in test, of the files); `reqchain merge` joins the --results. auto: from the CI (GitLab, CircleCI, Buildkite, a Kubernetes Indexed Job with --shard-count)',
    },
    {
      name: 'matrix',
      type: 'string',
      array: true,
      describe:
        'NAME=a,b,…: run the collection once per value of this variable (repeatable: every combination), with a summary table grouped by them',
    },
    {
      name: 'repeat',
      type: 'number',
      default: 1,
      describe: "run each chain this many times (LLM replies vary); the summary gives each request's pass rate",
    },
    {
      name: 'pass-rate',
      type: 'number',
      describe: 'with --repeat: pass when each request passes in at least this share of its runs (0 to 1, e.g. 0.9)',
    },
    {
      name: 'shard-count',
      type: 'number',
      describe: "with --shard auto in a Kubernetes Indexed Job: the number of shards (the Job's completions)",
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
    ...DOCUMENT_OPTIONS,
  ]
}

export const REPLAY_SPEED: OptionSpec = {
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
      "with --compare, and for a Markdown document's response blocks: a JSONPath left out of the comparison ($.usage, $.choices[*].message.id, $..created) (repeatable)",
  },
  {
    name: 'compare-header',
    type: 'string',
    array: true,
    describe: 'with --compare: a response header to compare (default: content-type) (repeatable)',
  },
]
const DOCUMENT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'markdown',
    type: 'boolean',
    describe: 'directories contribute their Markdown documents (*.md) too: their ```http blocks are requests',
  },
  {
    name: 'update',
    type: 'boolean',
    describe: "rewrite a Markdown document's response blocks with what the server answered (secrets masked)",
  },
  {
    name: 'add-responses',
    type: 'boolean',
    describe: 'with --update: add a response block after each request block that has none',
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
