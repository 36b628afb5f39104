// The nouns every stage shares. Naming rule: a *template* is what was written, a *request* is
// what was rendered, an *exchange* is what happened on the wire.
import type { MarkdownRequests } from './load/markdown.js'

/** A 1-based position in a user's file, like Hurl's `Pos`. */
export type SourceSpan = {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly length?: number
}

/**
 * Template text with where it came from. `lines[i]` is the file position of the first character of
 * line i of `raw`, so an error at (line, column) inside the text maps back to the user's file even
 * when comment lines were dropped from a body.
 */
export type Text = {
  readonly raw: string
  readonly span: SourceSpan
  readonly lines?: readonly { readonly line: number; readonly column: number }[]
}

export type Header = { readonly name: string; readonly value: Text; readonly span: SourceSpan }

/** A `# @key value` line kept on a request; later stages give some keys meaning. */
export type Directive = { readonly key: string; readonly value: string; readonly span: SourceSpan }

/** A piece of a body: written inline, or read from a file (`< path` raw, `<@ path` templated). */
export type BodyPart =
  | { readonly kind: 'text'; readonly text: Text }
  | { readonly kind: 'file'; readonly path: string; readonly templated: boolean; readonly span: SourceSpan }

export type Body =
  /** Parts joined in order; `lineBreak` is `\r\n` for multipart bodies, where the wire format needs it. */
  | { readonly kind: 'parts'; readonly parts: readonly BodyPart[]; readonly lineBreak: '\n' | '\r\n' }
  /** A JSON request file's `json` field: structured, its strings are templates. */
  | { readonly kind: 'json'; readonly value: unknown; readonly span: SourceSpan }
  /** GRAPHQL requests: sent as the JSON body `{ query, variables }`. */
  | { readonly kind: 'graphql'; readonly query: Text; readonly variables?: Text }

/**
 * What other editors write beside a request: JetBrains scripts (run in the sandbox, `script/`),
 * saved-response references and redirects (kept, never run or sent).
 */
export type Extra = {
  readonly kind: 'response-handler' | 'pre-request-script' | 'response-ref' | 'response-redirect'
  readonly value: string
  readonly span: SourceSpan
  /** A JetBrains script: its code, from just after `{%` (span: that position), or the file it is in. */
  readonly script?: ScriptSource
}

export type ScriptSource =
  /** `dialect: 'httpyac'` for a `{{ … }}` block: `exports.x = …`, `response.parsedBody`, `test(…)` as httpyac has them. */
  | { readonly kind: 'inline'; readonly code: string; readonly span: SourceSpan; readonly dialect?: 'httpyac' }
  | { readonly kind: 'file'; readonly path: string; readonly span: SourceSpan }

/** What a capture or an assertion looks at in an exchange. */
export type Query =
  | { readonly kind: 'jsonpath'; readonly path: string }
  /** JSONPath on the body that was sent: carries a conversation's messages into the next turn. */
  | { readonly kind: 'request'; readonly path: string }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'status' }
  | { readonly kind: 'body' }
  | { readonly kind: 'regex'; readonly pattern: string }
  | { readonly kind: 'duration' }
  /** Time to the first token of a stream (ms), and the server's generation speed (tok/s). */
  | { readonly kind: 'ttft' }
  | { readonly kind: 'tokensPerSecond' }
  /** The LLM reply's text, tool calls, finish reason or usage (`usage.NAME`), whatever API gave it (check/llm.ts). */
  | { readonly kind: 'llm'; readonly field: 'reply' | 'toolCalls' | 'finishReason' | 'usage'; readonly path?: string }
  | { readonly kind: 'variable'; readonly name: string }
  /** A script's `client.test(name, …)` (test) or `client.assert(…, name)`: its result is the script's to give. */
  | { readonly kind: 'script'; readonly name: string; readonly test: boolean }
  /** What a recorded exchange had at this path (`run --compare DIR`): `status`, `header X`, `$.a.b`, `body`. */
  | { readonly kind: 'recorded'; readonly path: string }
  /** What a Markdown document shows at this path of a request's response block (`test` compares them). */
  | { readonly kind: 'documented'; readonly path: string }
  /** A cookie the response sets (`cookie "name"`), or one of its attributes (`cookie "name[Max-Age]"`). */
  | { readonly kind: 'cookie'; readonly name: string; readonly attribute?: string }
  /** XPath 1.0 on an XML or HTML body. */
  | { readonly kind: 'xpath'; readonly expression: string }
  /** The body's digest, as lowercase hex. */
  | { readonly kind: 'sha256' }
  | { readonly kind: 'md5' }
  /** The body's bytes; the URL after redirects; the redirects followed (their URLs); the HTTP version. */
  | { readonly kind: 'bytes' }
  | { readonly kind: 'url' }
  | { readonly kind: 'redirects' }
  | { readonly kind: 'version' }
  /** A field of the server's TLS certificate. */
  | { readonly kind: 'certificate'; readonly field: CertificateField }
  /** A query's value through filters, left to right: `$.items | count`, `header Date | toDate "…"`. */
  | { readonly kind: 'filtered'; readonly query: Query; readonly filters: readonly Filter[] }

export type CertificateField = 'Subject' | 'Issuer' | 'Start-Date' | 'Expire-Date' | 'Serial-Number'

/** A server certificate as the `certificate` query reads it: names as `CN=…, O=…`, dates, the serial in hex pairs. */
export type Certificate = {
  readonly Subject: string
  readonly Issuer: string
  readonly 'Start-Date': Date
  readonly 'Expire-Date': Date
  readonly 'Serial-Number': string
}

/** A filter and its arguments as written (`nth 2`, `replace "a" "b"`). */
export type Filter = { readonly name: string; readonly args: readonly (string | number)[] }

export type CaptureSpec = {
  readonly name: string
  readonly query: Query
  readonly optional: boolean
  readonly span: SourceSpan
}

export type AssertionSpec = {
  readonly query: Query
  readonly predicate: string
  readonly negated: boolean
  /** The expected value as written (a JSON literal, or bare text); undefined for unary predicates. */
  readonly expected?: string
  readonly span: SourceSpan
}

export type RequestTemplate = {
  readonly name?: string
  readonly span: SourceSpan
  readonly method: string
  readonly url: Text
  readonly httpVersion?: string
  readonly headers: readonly Header[]
  readonly body?: Body
  readonly directives: readonly Directive[]
  readonly captures: readonly CaptureSpec[]
  readonly asserts: readonly AssertionSpec[]
  readonly extras: readonly Extra[]
  readonly options: RequestOptions
}

/** Per-request settings from directives (`# @no-redirect`, `# @timeout 30`) or a JSON file's `options`. */
export type RequestOptions = {
  readonly followRedirects?: boolean
  /** Both the whole-request limit and the idle limit, as --timeout sets them. */
  readonly timeoutMs?: number
  /** Connect through this unix domain socket (`# @unix-socket PATH`). */
  readonly unixSocket?: string
  /** Neither send the jar's cookies nor keep the response's (`# @no-cookie-jar`). */
  readonly noCookieJar?: boolean
  /** Send again until the assertions hold (`# @retry N`, `# @retry-interval MS`): polling a job until it is done. */
  readonly poll?: { readonly count: number; readonly intervalMs: number }
  /** Skipped (`# @disabled`), or skipped when this text renders true (`# @disabled {{expr}}`). */
  readonly disabled?: true | Text
  /** Sent several times (`# @loop for 3`), or once per item of a list (`# @loop for city of {{cities}}`). */
  readonly loop?: { readonly count: number } | { readonly name: string; readonly list: Text }
  /** Wait this long before sending (`# @sleep MS`). */
  readonly sleepMs?: number
  /** Do not check the server's certificate (`# @no-reject-unauthorized`). */
  readonly insecure?: boolean
}

/** `@x = v` in a `.http` file (a lazy template), or a JSON file's `vars` entry (`literal` keeps a non-string's type). */
export type FileVar = { readonly name: string; readonly value: Text; readonly literal?: unknown }

export type RequestFile = {
  /** As shown to the user: relative to the working directory. */
  readonly path: string
  readonly absolutePath: string
  readonly source: string
  readonly kind: 'http' | 'json'
  readonly vars: readonly FileVar[]
  readonly requests: readonly RequestTemplate[]
  /** The folder (a real path) this file may read files in: body files, `{{file}}`, scripts. */
  readonly root: string
  /** A Markdown document's request blocks and the responses it shows (load/markdown.ts). */
  readonly markdown?: MarkdownRequests
  /** Legal but probably not meant (a JSON key written twice): shown, not fatal. */
  readonly warnings?: readonly { readonly message: string; readonly span: SourceSpan; readonly hint?: string }[]
}

/** Header name/value pairs in the order they were written or received. */
export type HeaderPairs = readonly (readonly [string, string])[]

/** A rendered request: nothing templated is left. */
export type HttpRequest = {
  readonly method: string
  readonly url: string
  readonly headers: HeaderPairs
  readonly body?: Uint8Array
}

/** The first value of a header, whatever the case of its name. */
export function headerValue(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase()
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
}

export type SseEvent = {
  readonly event?: string
  readonly id?: string
  readonly data: string
  /** llama-server writes `error: {...}` lines mid-stream; a strict parser would drop them. */
  readonly isErrorLine?: boolean
}

export type Timings = {
  readonly startedAt: string
  readonly ttfbMs: number
  readonly firstTokenMs?: number
  /** When the last piece of reply text arrived, from the start. */
  readonly lastTokenMs?: number
  readonly totalMs: number
}

export type StreamInfo = {
  readonly format: 'sse' | 'ndjson'
  /** Events received; the events themselves are re-parsed from the body when a report wants them. */
  readonly chunks: number
  /** How the stream ended: `done` ([DONE] or a final `done: true`), `eof` (closed without it). */
  readonly ending: 'done' | 'eof' | 'error'
  /** Chunks that carried reply text (content, reasoning, tool-call fragments). */
  readonly contentChunks: number
  /**
   * Of those, how many were read at once with the first, when more than one: the reply was read
   * late (a blocked or busy reader), and their arrival says nothing of the server's pace.
   */
  readonly firstReadChunks?: number
  /** As the server counted them (`usage.completion_tokens`, Ollama's `eval_count`); never guessed from chunks. */
  readonly completionTokens?: number
  /** llama-server's own figures, to set beside what reached the client. */
  readonly serverSpeed?: { readonly predictedPerSecond?: number; readonly promptPerSecond?: number }
  /** When asked for (--record): each piece of the body as it arrived, ms from the request's start, and its size. */
  readonly pieces?: readonly { readonly at: number; readonly size: number }[]
}

export type Exchange = {
  readonly request: HttpRequest
  readonly status: number
  readonly statusText: string
  readonly httpVersion: string
  readonly headers: HeaderPairs
  /** The body as received (decoded from gzip/br/deflate). For a stream: the raw stream bytes. */
  readonly body: Uint8Array
  /** For a stream: the response a non-streaming call would have returned, as JSON text. */
  readonly assembled?: string
  readonly stream?: StreamInfo
  /** Set when the body went straight to a file (-o) or a piped stdout (`stdout`) instead of being kept. */
  readonly bodyWrittenTo?: string
  readonly bodySize: number
  readonly timings: Timings
  /** The URLs redirected to, in order, when the request followed redirects. */
  readonly redirects?: readonly string[]
  /** The server's TLS certificate, for an https request. */
  readonly certificate?: Certificate
}

export type AssertResult =
  | { readonly assertion: AssertionSpec; readonly ok: true; readonly actual?: unknown }
  | {
      readonly assertion: AssertionSpec
      readonly ok: false
      readonly expected: string
      readonly actual: unknown
      readonly message: string
    }
