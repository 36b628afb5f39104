// What a .http file runs rather than sends: JetBrains' `< {% %}` and `> {% %}` scripts and `> file.js`
// handlers, the response redirects and references kept as metadata (`>> file`, `<> file`), and
// httpyac's `{{ }}` blocks — read line by line from the parser's cursor.
import type { Directive, Extra } from '../model.js'
import { type Draft, type Line, type LineCursor, indentOf } from './http-draft.js'

/** `> {% %}` and `> file.js` (response handlers, run as scripts), `>> file`, `>>! file`, `<> file` (kept as metadata): never body. */
export function handlerLine(c: LineCursor, line: Line, draft: Draft): boolean {
  const trimmed = line.text.trim()
  const column = indentOf(line.text) + 1
  if (trimmed.startsWith('> {%')) {
    draft.extras.push(script(c, line, 'response-handler'))
    return true
  }
  const redirect = trimmed.match(/^>>!?\s+(\S.*)$/)
  if (redirect) {
    draft.extras.push({ kind: 'response-redirect', value: trimmed, span: c.span(line, column) })
    c.at++
    return true
  }
  const handler = trimmed.match(/^>\s+(\S.*)$/)
  if (handler) {
    const span = c.span(line, column)
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
    c.at++
    return true
  }
  const ref = trimmed.match(/^<>\s+(\S.*)$/)
  if (ref) {
    draft.extras.push({ kind: 'response-ref', value: ref[1]!, span: c.span(line, column) })
    c.at++
    return true
  }
  return false
}

/** A `{% … %}` script starting at this line; consumes through the line that closes it. */
export function script(c: LineCursor, line: Line, kind: 'response-handler' | 'pre-request-script'): Extra {
  const start = c.at
  const parts: string[] = []
  const open = line.text.indexOf('{%') + 2
  const code: string[] = []
  while (c.at < c.length) {
    const text = c.lineAt(c.at)!.text
    const from = c.at === start ? open : 0
    const close = text.indexOf('%}', from)
    parts.push(text)
    code.push(text.slice(from, close < 0 ? undefined : close))
    c.at++
    if (close >= 0) {
      const span = c.span(line, indentOf(line.text) + 1)
      return {
        kind,
        value: parts.join('\n').trim(),
        span,
        script: { kind: 'inline', code: code.join('\n'), span: c.span(line, open + 1) },
      }
    }
  }
  c.at = start
  throw c.error(
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
export function httpyacResponseScript(c: LineCursor, line: Line, draft: Draft): void {
  const inner = httpyacBlock(c, line)
  const captures: Directive[] = []
  for (const innerLine of inner) {
    const text = innerLine.text.trim()
    if (text === '' || text.startsWith('//')) continue
    const assignment = text.match(
      /^exports\.([A-Za-z_$][\w$]*)\s*=\s*response\.parsedBody((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*;?$/,
    )
    if (!assignment) {
      draft.extras.push(httpyacExtra(c, 'response-handler', line, inner))
      return
    }
    captures.push({
      key: 'capture',
      value: `${assignment[1]} = $${assignment[2]}`,
      span: c.span(innerLine, indentOf(innerLine.text) + 1, text.length),
    })
  }
  draft.directives.push(...captures)
}

export function httpyacScript(c: LineCursor, line: Line): Extra {
  return httpyacExtra(c, 'pre-request-script', line, httpyacBlock(c, line))
}

function httpyacExtra(
  c: LineCursor,
  kind: 'response-handler' | 'pre-request-script',
  line: Line,
  inner: Line[],
): Extra {
  const value = inner.map((l) => l.text).join('\n')
  const first = inner[0] ?? line
  return {
    kind,
    value,
    span: c.span(line, indentOf(line.text) + 1),
    script: { kind: 'inline', code: value, span: c.span(first, 1), dialect: 'httpyac' },
  }
}

/** The lines of an httpyac `{{` … `}}` block that starts at `line`; consumes through the closing `}}`. */
function httpyacBlock(c: LineCursor, line: Line): Line[] {
  const start = c.at
  c.at++
  const inner: Line[] = []
  while (c.at < c.length) {
    const next = c.lineAt(c.at++)!
    if (next.text.trim() === '}}') return inner
    inner.push(next)
  }
  c.at = start
  throw c.error('Unclosed script block: `{{` has no matching `}}`', line, indentOf(line.text) + 1)
}
