// The commands, as data: what each one is called with, says and takes. Help, shell completion
// and both argv parsers (cli/argv.ts) read them; nothing here runs anything.
import { type OptionSpec, REPLAY_SPEED, VAR_OPTIONS, runOptions } from './flags.js'

/** Within 80 columns, as all help is when piped. */
export const EXIT_CODES = `Exit codes:
  0    every request ran (and every assertion held)
  1    usage error: a bad flag or argument
  2    load error: a request file could not be read or parsed; nothing was sent
  3    runtime error: a variable, connection, timeout, redirect, size limit,
       stream, capture, script or output failed (with --fail also an HTTP
       status >= 400)
  4    an assertion failed (a script's client.test too; a --compare difference)
  130  interrupted (Ctrl-C); partial output and reports are kept
  143  stopped (SIGTERM); the same`

export const PRECEDENCE = `Variables, strongest first:
  --var k=v  >  captured values  >  @file variables / JSON "vars"
  >  the --env environment (http-client.private.env.json over
     http-client.env.json, the named env over $shared)
  >  --env-file files  >  .env beside the request file
  >  .env in the working directory.
  The process environment only through {{$processEnv NAME}} and {{$env.NAME}}.`

export type CommandSpec = {
  readonly usage: string
  readonly describe: string
  readonly paths: boolean
  /** What to say when the command's paths are missing (default: name a request file). */
  readonly missing?: string
  readonly options: readonly OptionSpec[]
  readonly examples?: readonly (readonly [string, string])[]
  readonly epilogue?: string
}

/** Each command's options, for shell completion. */
export function commandOptions(): Record<string, readonly OptionSpec[]> {
  return Object.fromEntries(Object.entries(COMMANDS).map(([name, spec]) => [name, spec.options]))
}

/** The commands, as data: help, completion and both parsers read it. */
export const COMMANDS: Record<string, CommandSpec> = {
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
    missing: 'Name what to import: reqchain import curl "curl …", or reqchain import har FILE',
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
    missing: 'Name a shell: reqchain completion bash, zsh or fish',
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
    missing: 'Name the --results files of the shards: reqchain merge s1.jsonl s2.jsonl',
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
    missing: 'Name the recording: reqchain diff DIR (a folder written by --record DIR)',
    describe: 'run a recorded collection again and compare every exchange with the recording',
    paths: true,
    // --replay too: `diff old/ --replay new/` compares two recordings, no server needed.
    options: runOptions('test').filter((o) => o.name !== 'record' && o.name !== 'compare'),
    examples: [
      ['$0 diff bug-1234/', 'what changed since the recording (exit 4 when something did)'],
      ["$0 diff bug-1234/ --ignore '$.usage' --env staging", 'leave token counts out, run against staging'],
    ],
    epilogue:
      "Runs the files the recording names, as `test --compare RECORDING` would. Left out by default: object keys id, created, created_at, completed_at, system_fingerprint, timings, the *_duration timings of Ollama, the server's prompt-cache counts (cached_tokens, cache_read_input_tokens, cache_creation_input_tokens), and strings that are dates.",
  },
}
