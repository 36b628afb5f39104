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
//
// This module reads a block's lines into drafts (http-draft.ts): preamble, request line, headers,
// body lines. Scripts and handlers are read by http-scripts.ts; a draft becomes a request
// template, directives and body included, in http-request.ts.
import { LoadError } from '../errors.js'
import type { Directive, Extra, FileVar, RequestTemplate } from '../model.js'
import { type Draft, type Line, LineCursor, indentOf } from './http-draft.js'
import { finishRequest } from './http-request.js'
import { handlerLine, httpyacResponseScript, httpyacScript, script } from './http-scripts.js'

const SEPARATOR = /^###/
const COMMENT = /^\s*(#|\/\/)/
const DIRECTIVE = /^\s*(?:#|\/\/)\s*@([A-Za-z][\w.-]*\??)(?:\s*=\s*|\s+|$)(.*)$/
const FILE_VAR = /^\s*@([^\s=]+)\s*=\s*(.*?)\s*$/d
const METHOD = /^[A-Z][A-Z0-9_-]*$/
/** The request lines of other protocols (httpyac, JetBrains), refused by name. */
const PROTOCOL_NAMES: Record<string, string> = { GRPC: 'gRPC', MQTT: 'MQTT', AMQP: 'AMQP', RABBITMQ: 'RabbitMQ' }
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
  checkNames(requests)
  // httpyac: a region holding only scripts is global, and runs before every request of the file.
  if (globalScripts.length > 0)
    for (let i = 0; i < requests.length; i++)
      requests[i] = { ...requests[i]!, extras: [...globalScripts, ...requests[i]!.extras] }
  return { vars, requests }
}

/** Two requests of a file named alike by `# @name`: `{{name.response…}}` and `FILE#name` would not know which. */
function checkNames(requests: readonly RequestTemplate[]): void {
  const named = new Map<string, RequestTemplate>()
  for (const request of requests) {
    const directive = request.directives.findLast((d) => d.key === 'name')
    if (!directive || request.name !== directive.value) continue
    const earlier = named.get(directive.value)
    if (earlier)
      throw new LoadError(
        'LOAD_SYNTAX',
        `\`@name ${directive.value}\` names two requests of this file: this one and the one at line ${earlier.span.line}`,
        directive.span,
        'give each request a name of its own: references and FILE#name pick a request by it',
      )
    named.set(directive.value, request)
  }
}

class BlockParser extends LineCursor {
  private pendingDirectives: Directive[] = []
  private pendingExtras: Extra[] = []
  private titleName: string | undefined

  constructor(
    file: string,
    lines: Line[],
    title: Line | undefined,
    private readonly vars: FileVar[],
    private readonly requests: RequestTemplate[],
    private readonly globalScripts: Extra[],
  ) {
    super(file, lines)
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
      this.requests.push(finishRequest(draft, this.titleName))
      this.titleName = undefined // a second request in one block (no `###`) is not named by the title
    }
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
        this.pendingExtras.push(script(this, line, 'pre-request-script'))
        continue
      }
      if (trimmed === '{{') {
        this.pendingExtras.push(httpyacScript(this, line))
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
    const protocol =
      tokens.length > 1 ? /^(GRPC|WEBSOCKET|WS|WSS|MQTT|AMQP|RABBITMQ)$/.exec(tokens[0]!)?.[1] : undefined
    if (protocol) {
      throw this.error(
        `${PROTOCOL_NAMES[protocol] ?? 'WebSocket'} requests are not supported`,
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
      if (handlerLine(this, line, draft)) continue
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
      if (handlerLine(this, line, draft)) {
        previousBlank = false
        continue
      }
      if (previousBlank && trimmed === '{{') {
        httpyacResponseScript(this, line, draft)
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
}
