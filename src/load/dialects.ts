// Every `# @directive` of the JetBrains HTTP Client, VS Code REST Client, httpyac and kulala
// dialects, and what reqchain does with it: honoured, without effect on a run by its nature (an
// editor's setting), or refused with a located error that says what to do instead. Nothing is
// passed over in silence. The README's directive table lists the same, and a test holds the two
// together.

export type Handling =
  | { readonly kind: 'honoured'; readonly does: string }
  | { readonly kind: 'editor'; readonly does: string }
  | { readonly kind: 'refused'; readonly instead: string }

type Entry = { readonly dialects: string; readonly handling: Handling }

const honoured = (does: string): Handling => ({ kind: 'honoured', does })
const editor = (does: string): Handling => ({ kind: 'editor', does })
const refused = (instead: string): Handling => ({ kind: 'refused', instead })

const NO_LOG = refused('reqchain prints bodies only with -v; mask a value in every output with --secret NAME')
const NOT_CHECKED = honoured('the server’s certificate is not checked for this request (as `-k`)')

export const DIALECT_DIRECTIVES: Readonly<Record<string, Entry>> = {
  name: { dialects: 'all', handling: honoured('names the request (`{{name.response…}}`, `FILE#name`, reports)') },
  title: { dialects: 'httpyac', handling: honoured('the request’s description in the reports') },
  description: { dialects: 'httpyac', handling: honoured('the request’s description in the reports') },
  note: { dialects: 'REST Client, reqchain', handling: honoured('the request’s description in the reports') },
  capture: { dialects: 'reqchain', handling: honoured('a capture: `# @capture NAME = QUERY`') },
  'capture?': { dialects: 'reqchain', handling: honoured('an optional capture') },
  assert: { dialects: 'reqchain', handling: honoured('an assertion: `# @assert QUERY PREDICATE VALUE`') },
  'no-redirect': { dialects: 'JetBrains, REST Client, httpyac', handling: honoured('redirects are not followed') },
  noRedirect: { dialects: 'httpyac', handling: honoured('redirects are not followed') },
  timeout: { dialects: 'JetBrains, httpyac, reqchain', handling: honoured('the request’s time limit, in seconds') },
  'no-cookie-jar': { dialects: 'JetBrains, REST Client', handling: honoured('no cookies sent or kept') },
  retry: { dialects: 'reqchain', handling: honoured('sent again until its assertions hold') },
  'retry-interval': { dialects: 'reqchain', handling: honoured('the wait between those attempts, in ms') },
  'unix-socket': { dialects: 'reqchain', handling: honoured('connects through a unix domain socket') },
  ref: { dialects: 'httpyac', handling: honoured('the named request runs first') },
  forceRef: { dialects: 'httpyac', handling: honoured('the named request runs first') },
  disabled: {
    dialects: 'httpyac',
    handling: honoured('the request is skipped and counted as skipped; `# @disabled {{expr}}` when the value is true'),
  },
  sleep: { dialects: 'httpyac', handling: honoured('waits that many milliseconds before sending') },
  prompt: {
    dialects: 'JetBrains, REST Client, httpyac, kulala',
    handling: honoured('asks for the variable on a terminal (hidden for secrets); elsewhere an error naming `--var`'),
  },
  graphql: { dialects: 'kulala', handling: honoured('the body is a GraphQL query, sent as `{"query", "variables"}`') },
  'no-reject-unauthorized': { dialects: 'httpyac', handling: NOT_CHECKED },
  'no-rejectUnauthorized': { dialects: 'httpyac', handling: NOT_CHECKED },
  keepStreaming: { dialects: 'httpyac', handling: editor('none: reqchain reads every stream to its end') },
  openWith: { dialects: 'httpyac', handling: editor('none: which editor view shows the response') },
  extension: { dialects: 'httpyac', handling: editor('none: the file extension an editor saves the response with') },
  save: { dialects: 'httpyac', handling: editor('none: the editor saves instead of showing the response') },
  jwt: { dialects: 'httpyac', handling: editor('none: the editor decodes JWTs in the response view') },
  'kulala-vscode-restclient-compat': {
    dialects: 'kulala',
    handling: editor('none: reqchain reads REST Client’s and kulala’s syntax alike'),
  },
  'no-log': { dialects: 'JetBrains, httpyac', handling: NO_LOG },
  noLog: { dialects: 'httpyac', handling: NO_LOG },
  loop: {
    dialects: 'httpyac',
    handling: honoured(
      '`for N`: sent N times; `for item of {{list}}`: once per item, as the variable `item`; each time a step of its own; `while` is refused',
    ),
  },
  ratelimit: {
    dialects: 'httpyac',
    handling: refused('`--parallel N` bounds how many run at once; `# @sleep MS` spaces requests'),
  },
  import: {
    dialects: 'httpyac',
    handling: refused('give both files to reqchain run, in order: captures flow from one to the next'),
  },
  'connection-timeout': { dialects: 'JetBrains', handling: refused('`--connect-timeout SECONDS` for the run') },
  'no-auto-encoding': {
    dialects: 'JetBrains',
    handling: refused('write the URL as it must be sent: reqchain encodes only spaces and non-ASCII characters'),
  },
  'use-os-credentials': {
    dialects: 'JetBrains',
    handling: refused('send the credentials in a header (`Authorization: …`)'),
  },
  verbose: { dialects: 'httpyac', handling: refused('`-v` shows every request and response in full') },
  debug: { dialects: 'httpyac', handling: refused('`-v` shows every request and response in full') },
  injectVariables: { dialects: 'httpyac', handling: refused('write `{{name}}` where the value goes in the body') },
  noStreaming: {
    dialects: 'httpyac',
    handling: refused('reqchain reads a stream as it comes; send `"stream": false` to get one reply'),
  },
  'no-client-cert': {
    dialects: 'httpyac',
    handling: refused('client certificates come from --cert/--key or the environment’s SSLConfiguration'),
  },
  proxy: { dialects: 'httpyac', handling: refused('`--proxy URL` (or HTTPS_PROXY) for the run') },
  'no-proxy': { dialects: 'httpyac', handling: refused('`--noproxy HOSTS` (or NO_PROXY) for the run') },
  rejectUnauthorized: { dialects: 'httpyac', handling: refused('`# @no-reject-unauthorized`, or -k for the run') },
  responseRef: {
    dialects: 'httpyac',
    handling: refused('name the request (`# @name`) and use `{{name.response.body…}}`'),
  },
  'grpc-reflection': { dialects: 'httpyac', handling: refused('reqchain sends HTTP requests, not gRPC') },
  jq: { dialects: 'httpyac', handling: refused('`-e QUERY` prints a value of the last response') },
  accept: { dialects: 'httpyac', handling: refused('write an `Accept:` header') },
  'curl-global': {
    dialects: 'kulala',
    handling: refused('the run’s flags (`--proxy`, `-k`, `--cacert`, …) set what curl options would'),
  },
  curl: {
    dialects: 'kulala',
    handling: refused('the run’s flags (`--proxy`, `-k`, `--cacert`, …) set what curl options would'),
  },
  'env-json-key': { dialects: 'kulala', handling: refused('`# @capture NAME = $.json.path`') },
  'env-stdin-cmd': { dialects: 'kulala', handling: refused('put the value in .env or pass `--var NAME=$(command)`') },
  'stdin-cmd': { dialects: 'kulala', handling: refused('run the command in the shell and pass its output with --var') },
  file: { dialects: 'kulala', handling: refused('`< ./file` in the body sends a file; `-o FILE` writes the response') },
}

/** What reqchain does with a directive; undefined for one no dialect defines. */
export function handlingOf(key: string): Handling | undefined {
  return Object.prototype.hasOwnProperty.call(DIALECT_DIRECTIVES, key) ? DIALECT_DIRECTIVES[key]!.handling : undefined
}
