// A Markdown document's response blocks, checked: what the document says came back beside what
// did, compared as `diff` compares with a recording — the status and the headers an ```http response
// block writes, a JSON body path by path (ids, dates, timings and --ignore paths left out), other
// text as it is. Every difference is a failed assertion located at the response block.
import type { AssertResult, Exchange, RequestFile, RequestTemplate, SourceSpan } from '../model.js'
import { blockOf, type DocumentedResponse } from '../load/markdown.js'
import { isVolatileText, jsonDifferences } from '../record/compare.js'
import { responseText } from './extract.js'

/** More differences than this in one response are counted, not listed. */
const MAX_LISTED = 20

/** A documented response split into its parts: a status and headers (```http response), and a body. */
export type DocumentedParts = {
  readonly status?: number
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
}

export function documentedParts(response: DocumentedResponse): DocumentedParts {
  if (response.language !== 'http') return { headers: [], body: response.text }
  const lines = response.text.split('\n')
  const status = lines[0]?.match(/^HTTP\/[\d.]+\s+(\d{3})\b/)
  if (!status) return { headers: [], body: response.text }
  const blank = lines.findIndex((line, i) => i > 0 && line.trim() === '')
  const headerLines = lines.slice(1, blank < 0 ? lines.length : blank)
  return {
    status: Number(status[1]),
    headers: headerLines
      .map((line) => line.match(/^([^:\s]+):\s*(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()] as const),
    body: blank < 0 ? '' : lines.slice(blank + 1).join('\n'),
  }
}

/** The response block a request of a Markdown document has, if any. */
export function documentedResponseOf(file: RequestFile, template: RequestTemplate): DocumentedResponse | undefined {
  return file.markdown ? blockOf(file.markdown.blocks, template.span.line)?.response : undefined
}

/** The differences of an exchange from the response the document shows, as assertions (one passing one when they agree). */
export function checkDocumented(
  file: RequestFile,
  response: DocumentedResponse,
  exchange: Exchange,
  ignore: readonly RegExp[],
): AssertResult[] {
  const span: SourceSpan = {
    file: file.path,
    line: response.openLine + 1,
    column: response.indent.length + 1,
  }
  const parts = documentedParts(response)
  const results: AssertResult[] = []
  const differs = (path: string, was: string, now: string, message: string) =>
    results.push(failure(span, path, was, now, message))
  if (parts.status !== undefined && parts.status !== exchange.status)
    differs(
      'status',
      String(parts.status),
      String(exchange.status),
      `status differs from the document: it shows ${parts.status}, the server said ${exchange.status}`,
    )
  for (const [name, shown] of parts.headers) {
    const actual = exchange.headers
      .filter(([n]) => n.toLowerCase() === name.toLowerCase())
      .map(([, v]) => v)
      .join(', ')
    if (actual !== shown && !isVolatileText(shown, actual))
      differs(
        `header ${name}`,
        shown,
        actual,
        `header ${name} differs from the document: it shows ${JSON.stringify(shown)}, the server said ${JSON.stringify(actual)}`,
      )
  }
  const now = exchange.assembled ?? responseText(exchange)
  const documented = parseJson(parts.body)
  const actual = parseJson(now)
  const differences =
    documented.ok && actual.ok
      ? jsonDifferences(documented.value, actual.value, ignore)
      : parts.body.trim() === now.trim() || isVolatileText(parts.body.trim(), now.trim())
        ? []
        : [{ path: 'body', was: shorten(parts.body.trim()), now: shorten(now.trim()) }]
  for (const d of differences.slice(0, MAX_LISTED))
    differs(d.path, d.was, d.now, `${d.path} differs from the document: it shows ${d.was}, the server said ${d.now}`)
  if (differences.length > MAX_LISTED)
    differs('body', '', '', `and ${differences.length - MAX_LISTED} more differences from the document in the body`)
  if (results.length > 0) return results
  return [{ assertion: assertionAt(span, 'response'), ok: true }]
}

function assertionAt(span: SourceSpan, path: string) {
  return { query: { kind: 'documented' as const, path }, predicate: 'matches the document', negated: false, span }
}

function failure(span: SourceSpan, path: string, expected: string, actual: string, message: string): AssertResult {
  return { assertion: assertionAt(span, path), ok: false, expected, actual, message }
}

/** JSON text's value; not ok for text that is not JSON (or is empty). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: false }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function shorten(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)
}
