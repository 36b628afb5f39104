// Source positions and the one code-frame renderer every reporter uses:
//
//   error: Undefined variable
//     --> api/login.http:12:23
//      |
//   12 | Authorization: Bearer {{token}}
//      |                       ^^^^^^^^^ `token` is not set
import type { SourceSpan } from './model.js'
import type { ReqchainError } from './errors.js'

const LINE_BREAK = /\r\n|\r|\n/

export function splitLines(source: string): string[] {
  return source.split(LINE_BREAK)
}

export function lineAt(source: string, line: number): string | undefined {
  return splitLines(source)[line - 1]
}

export type Sources = (file: string) => string | undefined

/** Renders an error with its location and, when the file's text is known, a caret under the spot. */
export function formatCodeFrame(error: ReqchainError, sources?: Sources, label = 'error'): string {
  const out = [`${label}: ${error.message}`]
  const span = error.span
  if (span) {
    out.push(`  --> ${span.file}:${span.line}:${span.column}`)
    const text = sources?.(span.file)
    const line = text === undefined ? undefined : lineAt(text.replace(/^\uFEFF/, ''), span.line)
    if (line !== undefined) {
      const gutter = String(span.line).length
      const pad = ' '.repeat(gutter)
      const shown = line.replace(/\t/g, ' ')
      const caretLength = Math.max(1, Math.min(span.length ?? 1, Math.max(1, shown.length - span.column + 1)))
      out.push(`${pad} |`)
      out.push(`${span.line} | ${shown}`)
      out.push(`${pad} | ${' '.repeat(Math.max(0, span.column - 1))}${'^'.repeat(caretLength)}${error.hint ? ` ${error.hint}` : ''}`)
      return out.join('\n')
    }
  }
  if (error.hint) out.push(`  = ${error.hint}`)
  return out.join('\n')
}

export function formatSpan(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`
}
