// Source positions and the one code-frame renderer every reporter uses:
//
//   error: Undefined variable
//     --> api/login.http:12:23
//      |
//   12 | Authorization: Bearer {{token}}
//      |                       ^^^^^^^^^ `token` is not set
import type { SourceSpan } from './model.js'
import type { AssertResult } from './model.js'

export function lineAt(source: string, line: number): string | undefined {
  return source.split(/\r\n|\r|\n/)[line - 1]
}

/** What a code frame needs: an error, or a failed assertion's message and place. */
export type Located = { readonly message: string; readonly span?: SourceSpan; readonly hint?: string }

export type Sources = (file: string) => string | undefined

/**
 * Renders an error with its location and, when the file's text is known, a caret under the spot;
 * a hint's first line goes beside the caret, any further lines below it as `= notes`.
 */
/** A code frame shows at most this much of its line, from this far before the column. */
const MAX_FRAME_WIDTH = 160
const FRAME_CONTEXT = 60

export function formatCodeFrame(error: Located, sources?: Sources, label = 'error'): string {
  const out = [`${label}: ${error.message}`]
  const span = error.span
  if (span) {
    out.push(`  --> ${span.file}:${span.line}:${span.column}`)
    const text = sources?.(span.file)
    const line = text === undefined ? undefined : lineAt(text.replace(/^\uFEFF/, ''), span.line)
    if (line !== undefined) {
      const gutter = String(span.line).length
      const pad = ' '.repeat(gutter)
      // A long line (minified JSON, a 1 MB body on one line) is shown as a window around the column.
      const start =
        line.length > MAX_FRAME_WIDTH
          ? Math.max(0, Math.min(span.column - 1 - FRAME_CONTEXT, line.length - MAX_FRAME_WIDTH))
          : 0
      const end = Math.min(line.length, start + MAX_FRAME_WIDTH)
      const lead = start > 0 ? '…' : ''
      const shown = `${lead}${line.slice(start, end).replace(/\t/g, ' ')}${end < line.length ? '…' : ''}`
      const column = span.column - start + lead.length
      const caretLength = Math.max(1, Math.min(span.length ?? 1, Math.max(1, end - start + lead.length - column + 1)))
      out.push(`${pad} |`)
      out.push(`${span.line} | ${shown}`)
      const [hint, ...notes] = error.hint?.split('\n') ?? []
      out.push(`${pad} | ${' '.repeat(Math.max(0, column - 1))}${'^'.repeat(caretLength)}${hint ? ` ${hint}` : ''}`)
      for (const note of notes) out.push(`${pad} = ${note}`)
      return out.join('\n')
    }
  }
  for (const note of error.hint?.split('\n') ?? []) out.push(`  = ${note}`)
  return out.join('\n')
}

export function formatAssertionFrame(result: AssertResult & { ok: false }, sources?: Sources): string {
  return formatCodeFrame({ message: result.message, span: result.assertion.span }, sources, 'assertion failed')
}

/**
 * One line a problem matcher reads: `file:line:col: error: message (hint)`, for editors and CI
 * (--error-format short).
 */
export function formatShort(error: Located, label = 'error'): string {
  const where = error.span ? `${error.span.file}:${error.span.line}:${error.span.column}: ` : 'reqchain: '
  return `${where}${label}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`.replace(/\r?\n/g, ' ')
}
