// Parses `.http` / `.rest` text into request templates, keeping the 1-based position of every part.
//
//   ### ask                      → a new request named "ask" (unless `# @name` names it)
//   # @capture answer = $.x      → a directive on the request
//   POST {{baseUrl}}/chat        → method, URL
//   Content-Type: application/json
//                                → blank line, then the body up to the next `###`
//
// Grammar: JetBrains spec (http-request-in-editor-spec, spec.md) with REST Client and httpyac
// additions. Where the dialects disagree the choice is written next to the code and in the README.
import { LoadError } from '../errors.js'
import type {
  AssertionSpec,
  Body,
  BodyPart,
  CaptureSpec,
  Directive,
  Extra,
  FileVar,
  Header,
  RequestOptions,
  RequestTemplate,
  SourceSpan,
  Text,
} from '../model.js'
import { checkDirectiveKey, parseAssertion, parseCapture, timeLimitMs } from './directives.js'

type Line = { readonly text: string; readonly number: number }

const SEPARATOR = /^###/
const COMMENT = /^\s*(#|\/\/)/
const DIRECTIVE = /^\s*(?:#|\/\/)\s*@([A-Za-z][\w.-]*\??)(?:\s*=\s*|\s+|$)(.*)$/
const FILE_VAR = /^\s*@([^\s=]+)\s*=\s*(.*?)\s*$/d
const METHOD = /^[A-Z][A-Z0-9_-]*$/
const HTTP_VERSION = /^HTTP\/\d(?:\.\d)?$/
const HEADER = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*:(.*)$/
/** A body line is a file reference only when whitespace follows `<` (§3.2.3): `<?xml` is text. */
const FILE_REF = /^<(@\w*)?\s+(\S.*?)\s*$/
const STATUS_LINE = /^HTTP\/\d(?:\.\d)? \d{3}\b/
/**
 * httpyac starts a new request at a new request line even without `###`; JetBrains would make it
 * body text. We split, but only on an unmistakable request line after a blank line, so prose or
 * JSON bodies are never cut.
 */
const BARE_REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(https?:\/\/|\/|\{\{)\S*(\s+HTTP\/\d(\.\d)?)?$/

export type ParsedHttpFile = { readonly vars: FileVar[]; readonly requests: RequestTemplate[] }

export function parseHttpFile(source: string, file: string): ParsedHttpFile {
  const lines = source
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((text, i) => ({ text, number: i + 1 }))
  const vars: FileVar[] = []
  const requests: RequestTemplate[] = []
  const globalScripts: Extra[] = []
  let block: Line[] = []
  let title: Line | undefined
  const flush = () => {
    new BlockParser(file, block, title, vars, requests, globalScripts).parse()
    block = []
  }
  for (const line of lines) {
    if (SEPARATOR.test(line.text)) {
      flush()
      title = line
    } else {
      block.push(line)
    }
  }
  flush()
  // httpyac: a region holding only scripts is global, and runs before every request of the file.
  if (globalScripts.length > 0)
    for (let i = 0; i < requests.length; i++)
      requests[i] = { ...requests[i]!, extras: [...globalScripts, ...requests[i]!.extras] }
  return { vars, requests }
}

type Draft = {
  name?: string
  span: SourceSpan
  method: string
  url: Text
  urlLines: Line[]
  httpVersion?: string
  headers: Header[]
  bodyLines: { text: string; line: number; column: number }[]
  fileParts: Map<number, BodyPart>
  directives: Directive[]
  extras: Extra[]
}

class BlockParser {
  private index = 0
  private pendingDirectives: Directive[] = []
  private pendingExtras: Extra[] = []
  private titleName: string | undefined

  constructor(
    private readonly file: string,
    private readonly lines: Line[],
    title: Line | undefined,
    private readonly vars: FileVar[],
    private readonly requests: RequestTemplate[],
    private readonly globalScripts: Extra[],
  ) {
    const text = title?.text
      .replace(/^#+/, '')
      .replace(/#+\s*$/, '')
      .trim()
    const named = text?.match(/^@name\s*=?\s*(\S.*)$/)
    this.titleName = named ? named[1]!.trim() : text || undefined
  }

  parse(): void {
    const before = this.requests.length
    while (this.index < this.lines.length) {
      const draft = this.preamble()
      if (!draft) {
        // A region with scripts and no request: httpyac's `{{ }}` blocks there are global.
        if (this.requests.length === before)
          this.globalScripts.push(
            ...this.pendingExtras.filter((e) => e.script?.kind === 'inline' && e.script.dialect === 'httpyac'),
          )
        return
      }
      this.headers(draft)
      this.body(draft)
      this.requests.push(this.finish(draft))
      this.titleName = undefined // a second request in one block (no `###`) is not named by the title
    }
  }

  private span(line: Line, column = 1, length?: number): SourceSpan {
    return length === undefined
      ? { file: this.file, line: line.number, column }
      : { file: this.file, line: line.number, column, length }
  }

  private error(message: string, line: Line, column: number, hint?: string, length?: number): LoadError {
    return new LoadError('LOAD_SYNTAX', message, this.span(line, column, length), hint)
  }

  /** Comments, directives, file variables and scripts before the request line; returns the request line's draft. */
  private preamble(): Draft | undefined {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!
      const trimmed = line.text.trim()
      if (trimmed === '') {
        this.index++
        continue
      }
      if (COMMENT.test(line.text)) {
        this.comment(line, this.pendingDirectives)
        this.index++
        continue
      }
      if (trimmed.startsWith('?? ')) {
        this.pendingDirectives.push(this.assertLine(line))
        this.index++
        continue
      }
      const fileVar = line.text.match(FILE_VAR)
      if (fileVar) {
        const column = fileVar.indices![2]![0] + 1
        this.vars.push({ name: fileVar[1]!, value: { raw: fileVar[2]!, span: this.span(line, column) } })
        this.index++
        continue
      }
      if (trimmed.startsWith('< {%')) {
        this.pendingExtras.push(this.script(line, 'pre-request-script'))
        continue
      }
      if (trimmed === '{{') {
        this.pendingExtras.push(this.httpyacScript(line))
        continue
      }
      if (/^<\s+\S/.test(trimmed)) {
        const span = this.span(line, indentOf(line.text) + 1)
        const path = trimmed.slice(1).trim()
        this.pendingExtras.push({
          kind: 'pre-request-script',
          value: path,
          span,
          script: { kind: 'file', path, span: { ...span, column: line.text.indexOf(path) + 1, length: path.length } },
        })
        this.index++
        continue
      }
      this.index++
      return this.requestLine(line)
    }
    return undefined
  }

  private requestLine(line: Line): Draft {
    const indent = indentOf(line.text)
    const trimmed = line.text.trim()
    if (/^curl\s/.test(trimmed)) {
      throw this.error(
        'curl commands are not supported as request lines',
        line,
        indent + 1,
        'write the request as `METHOD URL`, headers, a blank line and the body',
      )
    }
    if (/^>\s/.test(trimmed)) {
      throw this.error(
        'A response handler (`>`) comes before any request line',
        line,
        indent + 1,
        'a `> {% … %}` or `> ./handler.js` goes after its request (its headers and body); a script that runs before the request is `< {% … %}`',
      )
    }
    if (/^run\s+[#./]/.test(trimmed)) {
      throw this.error(
        '`run` lines (kulala, httpyac) are not supported',
        line,
        indent + 1,
        "a file's requests run in order; to run one after the requests it depends on: reqchain run FILE#name (# @ref name also works)",
      )
    }
    if (/^import\s+\S+\.(http|rest)\s*$/.test(trimmed)) {
      throw this.error(
        '`import` lines (kulala, httpyac) are not supported',
        line,
        indent + 1,
        'give both files to reqchain run, in order: captures and variables flow from one file to the next',
      )
    }
    if (/^proto\s*</.test(trimmed)) {
      throw this.error(
        'gRPC proto imports (`proto < ./file.proto`) are not supported',
        line,
        indent + 1,
        'reqchain sends HTTP requests; call a gRPC service through its HTTP/JSON gateway if it has one',
      )
    }
    if (/^[<>{}[\]]/.test(trimmed) || /^"/.test(trimmed)) {
      throw this.error(
        'Expected a request line `[METHOD] URL [HTTP/x.y]`',
        line,
        indent + 1,
        'a body needs a request line above it; requests are separated by `###`',
      )
    }
    const tokens = trimmed.split(/\s+/)
    const protocol = tokens.length > 1 ? /^(GRPC|WEBSOCKET|WS|WSS|MQTT)$/.exec(tokens[0]!)?.[1] : undefined
    if (protocol) {
      throw this.error(
        `${protocol === 'GRPC' ? 'gRPC' : protocol === 'MQTT' ? 'MQTT' : 'WebSocket'} requests are not supported`,
        line,
        indent + 1,
        'reqchain sends HTTP requests (for a server-sent event stream, a plain GET or POST is the request)',
        protocol.length,
      )
    }
    let method = 'GET'
    let urlStart = indent
    if (tokens.length > 1 && METHOD.test(tokens[0]!)) {
      method = tokens[0]!
      urlStart = line.text.indexOf(tokens[1]!, indent + method.length)
    }
    let urlText = line.text.slice(urlStart).trimEnd()
    let httpVersion: string | undefined
    const versionMatch = urlText.match(/\s+(HTTP\/\S+)$/)
    if (versionMatch) {
      if (!HTTP_VERSION.test(versionMatch[1]!)) {
        throw this.error(
          `Unknown HTTP version \`${versionMatch[1]}\``,
          line,
          line.text.lastIndexOf(versionMatch[1]!) + 1,
          'use HTTP/1.1 or HTTP/2',
          versionMatch[1]!.length,
        )
      }
      httpVersion = versionMatch[1]!.slice(5)
      urlText = urlText.slice(0, -versionMatch[0].length)
    }
    const urlLines = [line]
    // Continuation: indented lines (§3.2.1.3) and REST Client's `?` / `&` query lines.
    while (this.index < this.lines.length) {
      const next = this.lines[this.index]!
      const nextTrimmed = next.text.trim()
      if (nextTrimmed === '' || COMMENT.test(next.text) || nextTrimmed.startsWith('?? ')) break
      const indented = /^[ \t]/.test(next.text)
      if (!indented && !/^[?&]/.test(nextTrimmed)) break
      if (indented && HEADER.test(nextTrimmed) && !/^[?&/]/.test(nextTrimmed)) break
      urlText += nextTrimmed
      urlLines.push(next)
      this.index++
    }
    const draft: Draft = {
      span: this.span(line, indent + 1),
      method,
      url: { raw: urlText, span: this.span(line, urlStart + 1, urlText.length) },
      urlLines,
      ...(httpVersion ? { httpVersion } : {}),
      headers: [],
      bodyLines: [],
      fileParts: new Map(),
      directives: this.pendingDirectives,
      extras: this.pendingExtras,
    }
    this.pendingDirectives = []
    this.pendingExtras = []
    return draft
  }

  private headers(draft: Draft): void {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!
      const trimmed = line.text.trim()
      if (trimmed === '') {
        this.index++
        return
      }
      if (COMMENT.test(line.text)) {
        this.comment(line, draft.directives)
        this.index++
        continue
      }
      if (trimmed.startsWith('?? ')) {
        draft.directives.push(this.assertLine(line))
        this.index++
        continue
      }
      if (this.handlerLine(line, draft)) continue
      // A body that follows the headers without a blank line: JSON, XML or a file reference starts
      // it (as in httpyac); anything else that is not `Name: value` is an error, not silent body text.
      if (/^[{[]/.test(trimmed) || FILE_REF.test(trimmed)) return
      const header = line.text.match(HEADER)
      if (!header) {
        throw this.error(
          'Expected a header `Name: value`',
          line,
          indentOf(line.text) + 1,
          'leave an empty line between the headers and the body',
          Math.max(1, trimmed.length),
        )
      }
      const name = header[1]!
      let value = header[2]!.trim()
      const valueColumn = line.text.length - header[2]!.trimStart().length + 1
      this.index++
      while (
        this.index < this.lines.length &&
        /^[ \t]+\S/.test(this.lines[this.index]!.text) &&
        !COMMENT.test(this.lines[this.index]!.text)
      ) {
        value += ' ' + this.lines[this.index]!.text.trim()
        this.index++
      }
      draft.headers.push({
        name,
        value: { raw: value, span: this.span(line, valueColumn, value.length) },
        span: this.span(line, 1, name.length),
      })
    }
  }

  private body(draft: Draft): void {
    let inExample = false
    let previousBlank = true
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!
      const trimmed = line.text.trim()
      if (inExample) {
        this.index++
        continue
      }
      if (previousBlank && BARE_REQUEST_LINE.test(trimmed) && !/^[ \t]/.test(line.text)) return
      if (previousBlank && STATUS_LINE.test(trimmed)) {
        inExample = true
        this.index++
        continue
      }
      if (this.handlerLine(line, draft)) {
        previousBlank = false
        continue
      }
      if (previousBlank && trimmed === '{{') {
        this.httpyacResponseScript(line, draft)
        previousBlank = true
        continue
      }
      if (trimmed.startsWith('?? ')) {
        draft.directives.push(this.assertLine(line))
        this.index++
        continue
      }
      // Comment lines inside a body are dropped, as all three editors do (grey zone 2): otherwise
      // `// , "stream": false` would be sent as invalid JSON.
      if (COMMENT.test(line.text)) {
        this.comment(line, draft.directives)
        this.index++
        continue
      }
      const fileRef = trimmed.match(FILE_REF)
      if (fileRef) {
        draft.fileParts.set(draft.bodyLines.length, {
          kind: 'file',
          path: fileRef[2]!,
          templated: fileRef[1] !== undefined,
          span: this.span(line, indentOf(line.text) + 1, trimmed.length),
        })
        draft.bodyLines.push({ text: '', line: line.number, column: 1 })
      } else {
        draft.bodyLines.push({ text: line.text, line: line.number, column: 1 })
      }
      previousBlank = trimmed === ''
      this.index++
    }
  }

  /** `> {% %}` and `> file.js` (response handlers, run as scripts), `>> file`, `>>! file`, `<> file` (kept as metadata): never body. */
  private handlerLine(line: Line, draft: Draft): boolean {
    const trimmed = line.text.trim()
    const column = indentOf(line.text) + 1
    if (trimmed.startsWith('> {%')) {
      draft.extras.push(this.script(line, 'response-handler'))
      return true
    }
    const redirect = trimmed.match(/^>>!?\s+(\S.*)$/)
    if (redirect) {
      draft.extras.push({ kind: 'response-redirect', value: trimmed, span: this.span(line, column) })
      this.index++
      return true
    }
    const handler = trimmed.match(/^>\s+(\S.*)$/)
    if (handler) {
      const span = this.span(line, column)
      draft.extras.push({
        kind: 'response-handler',
        value: handler[1]!,
        span,
        script: {
          kind: 'file',
          path: handler[1]!,
          span: { ...span, column: line.text.indexOf(handler[1]!, column) + 1, length: handler[1]!.length },
        },
      })
      this.index++
      return true
    }
    const ref = trimmed.match(/^<>\s+(\S.*)$/)
    if (ref) {
      draft.extras.push({ kind: 'response-ref', value: ref[1]!, span: this.span(line, column) })
      this.index++
      return true
    }
    return false
  }

  /** A `{% … %}` script starting at this line; consumes through the line that closes it. */
  private script(line: Line, kind: 'response-handler' | 'pre-request-script'): Extra {
    const start = this.index
    const parts: string[] = []
    const open = line.text.indexOf('{%') + 2
    const code: string[] = []
    while (this.index < this.lines.length) {
      const text = this.lines[this.index]!.text
      const from = this.index === start ? open : 0
      const close = text.indexOf('%}', from)
      parts.push(text)
      code.push(text.slice(from, close < 0 ? undefined : close))
      this.index++
      if (close >= 0) {
        const span = this.span(line, indentOf(line.text) + 1)
        return {
          kind,
          value: parts.join('\n').trim(),
          span,
          script: { kind: 'inline', code: code.join('\n'), span: this.span(line, open + 1) },
        }
      }
    }
    this.index = start
    throw this.error(
      'Unclosed script: `{%` has no matching `%}`',
      line,
      line.text.indexOf('{%') + 1,
      'close the script with `%}` before the next `###`',
      2,
    )
  }

  /**
   * httpyac's `{{ … }}` block after a request is a script, never body text. When it holds only
   * plain assignments from the response body (`exports.token = response.parsedBody.token;`), they
   * are captures and need no script engine; any other block runs in the sandbox as a response handler.
   */
  private httpyacResponseScript(line: Line, draft: Draft): void {
    const inner = this.httpyacBlock(line)
    const captures: Directive[] = []
    for (const innerLine of inner) {
      const text = innerLine.text.trim()
      if (text === '' || text.startsWith('//')) continue
      const assignment = text.match(
        /^exports\.([A-Za-z_$][\w$]*)\s*=\s*response\.parsedBody((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*;?$/,
      )
      if (!assignment) {
        draft.extras.push(this.httpyacExtra('response-handler', line, inner))
        return
      }
      captures.push({
        key: 'capture',
        value: `${assignment[1]} = $${assignment[2]}`,
        span: this.span(innerLine, indentOf(innerLine.text) + 1, text.length),
      })
    }
    draft.directives.push(...captures)
  }

  private httpyacScript(line: Line): Extra {
    return this.httpyacExtra('pre-request-script', line, this.httpyacBlock(line))
  }

  private httpyacExtra(kind: 'response-handler' | 'pre-request-script', line: Line, inner: Line[]): Extra {
    const value = inner.map((l) => l.text).join('\n')
    const first = inner[0] ?? line
    return {
      kind,
      value,
      span: this.span(line, indentOf(line.text) + 1),
      script: { kind: 'inline', code: value, span: this.span(first, 1), dialect: 'httpyac' },
    }
  }

  /** The lines of an httpyac `{{` … `}}` block that starts at `line`; consumes through the closing `}}`. */
  private httpyacBlock(line: Line): Line[] {
    const start = this.index
    this.index++
    const inner: Line[] = []
    while (this.index < this.lines.length) {
      const next = this.lines[this.index++]!
      if (next.text.trim() === '}}') return inner
      inner.push(next)
    }
    this.index = start
    throw this.error('Unclosed script block: `{{` has no matching `}}`', line, indentOf(line.text) + 1)
  }

  private comment(line: Line, into: Directive[]): void {
    const match = line.text.match(DIRECTIVE)
    if (!match) return
    const key = match[1]!
    const value = match[2]!.trim()
    const column = line.text.indexOf('@') + 1
    into.push({ key, value, span: this.span(line, column, line.text.trimEnd().length - column + 1) })
  }

  private assertLine(line: Line): Directive {
    const column = line.text.indexOf('??') + 1
    return {
      key: '??',
      value: line.text.trim().slice(2).trim(),
      span: this.span(line, column, line.text.trimEnd().length - column + 1),
    }
  }

  private finish(draft: Draft): RequestTemplate {
    let name = this.titleName
    const captures: CaptureSpec[] = []
    const asserts: AssertionSpec[] = []
    const options: { -readonly [K in keyof RequestOptions]: RequestOptions[K] } = {}
    for (const directive of draft.directives) {
      switch (directive.key) {
        case 'name': {
          if (!directive.value)
            throw new LoadError('LOAD_SYNTAX', '`@name` needs a name', directive.span, 'write `# @name ask`')
          name = directive.value
          break
        }
        case 'capture':
        case 'capture?':
          captures.push(parseCapture(directive, directive.key === 'capture?'))
          break
        case 'assert':
        case '??':
          asserts.push(parseAssertion(directive, directive.key === '??'))
          break
        case 'no-redirect':
          options.followRedirects = false
          break
        case 'timeout': {
          const ms = timeLimitMs(directive.value)
          if (typeof ms === 'string')
            throw new LoadError(
              'LOAD_SYNTAX',
              `\`@timeout\` ${ms}, got \`${directive.value}\``,
              directive.span,
              'write `# @timeout 30`',
            )
          options.timeoutMs = ms
          break
        }
        case 'retry':
        case 'retry-interval': {
          const n = Number(directive.value)
          if (!Number.isInteger(n) || n < 0 || n > 1_000_000)
            throw new LoadError(
              'LOAD_SYNTAX',
              `\`@${directive.key}\` takes a whole number${directive.key === 'retry' ? '' : ' of milliseconds'}`,
              directive.span,
              directive.key === 'retry' ? 'write `# @retry 10`' : 'write `# @retry-interval 500`',
            )
          const poll = { count: 0, intervalMs: 1000, ...options.poll }
          options.poll = directive.key === 'retry' ? { ...poll, count: n } : { ...poll, intervalMs: n }
          break
        }
        case 'no-cookie-jar':
          options.noCookieJar = true
          break
        case 'unix-socket':
          if (!directive.value)
            throw new LoadError(
              'LOAD_SYNTAX',
              '`@unix-socket` needs a socket path',
              directive.span,
              'write `# @unix-socket /var/run/docker.sock`',
            )
          options.unixSocket = directive.value
          break
        default:
          checkDirectiveKey(directive)
      }
    }
    const body = buildBody(draft)
    let method = draft.method
    let headers = draft.headers
    const requestType = headers.find((h) => h.name.toLowerCase() === 'x-request-type')
    const isGraphql = method === 'GRAPHQL' || requestType?.value.raw.toLowerCase() === 'graphql'
    let finalBody: Body | undefined = body
    if (isGraphql && body?.kind === 'parts') {
      finalBody = graphqlBody(body)
      if (method === 'GRAPHQL') method = 'POST'
      headers = headers.filter((h) => h !== requestType)
      if (!headers.some((h) => h.name.toLowerCase() === 'content-type')) {
        headers = [
          ...headers,
          { name: 'Content-Type', value: { raw: 'application/json', span: draft.span }, span: draft.span },
        ]
      }
    }
    // Built by assignment: an object literal of conditional spreads is several times slower in V8,
    // which a 10,000-request file feels.
    const template: { -readonly [K in keyof RequestTemplate]: RequestTemplate[K] } = {
      span: draft.span,
      method,
      url: draft.url,
      headers,
      directives: draft.directives,
      captures,
      asserts,
      extras: draft.extras,
      options,
    }
    if (name) template.name = name
    if (draft.httpVersion) template.httpVersion = draft.httpVersion
    if (finalBody) template.body = finalBody
    return template
  }
}

function indentOf(text: string): number {
  return text.length - text.trimStart().length
}

/** Trims blank lines and surrounding whitespace (§4.2.2) and groups lines into text and file parts. */
function buildBody(draft: Draft): Body | undefined {
  const lines = draft.bodyLines
  let first = 0
  let last = lines.length - 1
  while (first <= last && !draft.fileParts.has(first) && lines[first]!.text.trim() === '') first++
  while (last >= first && !draft.fileParts.has(last) && lines[last]!.text.trim() === '') last--
  if (first > last) return undefined
  const isMultipart = draft.headers.some(
    (h) => h.name.toLowerCase() === 'content-type' && /multipart\//i.test(h.value.raw),
  )
  const parts: BodyPart[] = []
  let run: { text: string; line: number; column: number }[] = []
  const flushRun = (isLast: boolean) => {
    if (run.length === 0) return
    const firstLine = run[0]!
    const leading = parts.length === 0 ? indentOf(firstLine.text) : 0
    const texts = run.map((l) => l.text)
    texts[0] = texts[0]!.slice(leading)
    if (isLast) texts[texts.length - 1] = texts[texts.length - 1]!.trimEnd()
    parts.push({
      kind: 'text',
      text: {
        raw: texts.join('\n'),
        span: { file: draft.span.file, line: firstLine.line, column: leading + 1 },
        lines: run.map((l, i) => ({ line: l.line, column: i === 0 ? leading + 1 : 1 })),
      },
    })
    run = []
  }
  for (let i = first; i <= last; i++) {
    const filePart = draft.fileParts.get(i)
    if (filePart) {
      flushRun(false)
      parts.push(filePart)
    } else {
      run.push(lines[i]!)
    }
  }
  flushRun(true)
  return { kind: 'parts', parts, lineBreak: isMultipart ? '\r\n' : '\n' }
}

/** GraphQL: the query, then an optional variables JSON after the first blank line. */
function graphqlBody(body: Body & { kind: 'parts' }): Body {
  const text = body.parts.find((p): p is BodyPart & { kind: 'text' } => p.kind === 'text')
  if (!text) return body
  const rawLines = text.text.raw.split('\n')
  const blank = rawLines.findIndex((l) => l.trim() === '')
  if (blank < 0) return { kind: 'graphql', query: text.text }
  const lineMap = text.text.lines ?? []
  let start = blank + 1
  while (start < rawLines.length && rawLines[start]!.trim() === '') start++
  const variablesRaw = rawLines.slice(start).join('\n').trim()
  const query: Text = { raw: rawLines.slice(0, blank).join('\n'), span: text.text.span, lines: lineMap.slice(0, blank) }
  if (!variablesRaw) return { kind: 'graphql', query }
  const at = lineMap[start] ?? { line: text.text.span.line + start, column: 1 }
  return {
    kind: 'graphql',
    query,
    variables: {
      raw: variablesRaw,
      span: { file: text.text.span.file, line: at.line, column: at.column },
      lines: lineMap.slice(start),
    },
  }
}
