// A request's draft made a request template: its directives read (`@name`, captures, assertions,
// `@no-redirect`, `@timeout`, `@retry`, `@no-cookie-jar`, `@unix-socket`; an unknown one refused),
// its body trimmed and grouped into text and file parts, and a GraphQL request made the POST it is.
import { LoadError } from '../errors.js'
import type { AssertionSpec, Body, BodyPart, CaptureSpec, RequestOptions, RequestTemplate, Text } from '../model.js'
import { checkDirectiveKey, parseAssertion, parseCapture, timeLimitMs } from './directives.js'
import { type Draft, indentOf } from './http-draft.js'

export function finishRequest(draft: Draft, titleName: string | undefined): RequestTemplate {
  let name = titleName
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
      case 'noRedirect':
        options.followRedirects = false
        break
      case 'disabled': {
        const value = directive.value.trim()
        if (value !== '' && !/^\{\{[\s\S]*\}\}$/.test(value))
          throw new LoadError(
            'LOAD_SYNTAX',
            '`@disabled` takes no value, or a template (`{{…}}`) that renders true or false',
            directive.span,
            'reqchain runs no JavaScript here: write `# @disabled {{skipLogin}}` and set the variable',
          )
        options.disabled = value === '' ? true : { raw: value, span: directive.span }
        break
      }
      case 'loop': {
        const count = directive.value.match(/^for\s+(\d+)\s*$/)
        const list = directive.value.match(/^for\s+([A-Za-z_][\w]*)\s+of\s+(\{\{[\s\S]*\}\})\s*$/)
        if (count && Number(count[1]) >= 1 && Number(count[1]) <= 100_000) options.loop = { count: Number(count[1]) }
        else if (list) options.loop = { name: list[1]!, list: { raw: list[2]!, span: directive.span } }
        else
          throw new LoadError(
            'LOAD_SYNTAX',
            `\`@loop ${directive.value}\` is not a loop reqchain runs`,
            directive.span,
            'reqchain runs no JavaScript: write `# @loop for 3` (1 to 100,000), or `# @loop for city of {{cities}}` over a list variable',
          )
        break
      }
      case 'sleep': {
        const ms = Number(directive.value)
        if (directive.value.trim() === '' || !Number.isInteger(ms) || ms < 0 || ms > 3_600_000)
          throw new LoadError(
            'LOAD_SYNTAX',
            `\`@sleep\` takes a whole number of milliseconds up to an hour, got \`${directive.value}\``,
            directive.span,
            'write `# @sleep 500`',
          )
        options.sleepMs = ms
        break
      }
      case 'no-reject-unauthorized':
      case 'no-rejectUnauthorized':
        options.insecure = true
        break
      case 'prompt':
        if (!/^[A-Za-z_][\w.-]*(\s|$)/.test(directive.value))
          throw new LoadError(
            'LOAD_SYNTAX',
            '`@prompt` needs a variable name, then an optional description',
            directive.span,
            'write `# @prompt password Your password`',
          )
        break
      case 'graphql':
      case 'title':
      case 'ref':
      case 'forceRef':
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
  const isGraphql =
    method === 'GRAPHQL' ||
    requestType?.value.raw.toLowerCase() === 'graphql' ||
    draft.directives.some((d) => d.key === 'graphql')
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
