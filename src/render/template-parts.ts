// What the three parts of template rendering share (template.ts, plain-template.ts,
// handlebars-template.ts): the types a caller hands in, the placeholders a rendered value leaves,
// the pattern of the mustaches that are not Handlebars syntax, the undefined-variable error, and
// positions inside a Text.
import { RenderError, UndefinedVariableError, nearest } from '../errors.js'
import type { SourceSpan, Text } from '../model.js'

export type Special = { readonly source: string; readonly span: SourceSpan }
export type TemplateRuntime = {
  /** Evaluates a `{{$…}}` or request-reference mustache. */
  readonly special: (special: Special) => unknown
  /** Variable names in scope, for "did you mean". */
  readonly names: () => Iterable<string>
  /** Where relative paths in helpers ({{file "./x"}}) start: the request file's folder. */
  readonly baseDir?: string
  /** The folder helpers may read files in (a real path): the request file's root. */
  readonly fileRoot?: string
}

export type RenderMode = 'text' | 'json' | 'value'

export const OPEN = '\uE000'
export const CLOSE = '\uE001'
/**
 * `{"list": {{json list}}}` ends in `}}}`, which Handlebars reads as a triple-stash close. The brace
 * after a double-brace mustache is swapped for this character (same length, so positions hold) and
 * restored after rendering.
 */
export const BRACE = '\uE002'
export const TRAILING_BRACE = /(?<!\{)(\{\{(?!\{)[^{}]*\}\})\}/g
export const PLACEHOLDER = /\uE000(\d+)\uE001/g
/** `{{$uuid}}`, `{{$random.integer(1, 9)}}`, `{{ask.response.body.$.a[0]}}`, `{{ask.request.headers.X}}`. */
export const SPECIAL =
  /\{\{\s*(\$[^{}]*?|[A-Za-z_][\w-]*\.(?:response|request)\.(?:body|headers)(?:\.[^{}]*?)?)\s*\}\}/g
/** SPECIAL, anchored where `lastIndex` says. */
export const SPECIAL_AT = new RegExp(SPECIAL.source, 'y')

export type MustacheInfo = { readonly name: string; readonly span: SourceSpan; readonly isHelper: boolean }

export function undefinedVariable(info: MustacheInfo, runtime: TemplateRuntime): RenderError {
  const root = info.name.split(/[.[/]/)[0]!
  const suggestion = nearest(root, runtime.names())
  return new UndefinedVariableError(
    root,
    `Undefined variable \`${info.name}\``,
    info.span,
    `\`${info.name}\` is not set.${suggestion ? ` Did you mean \`${suggestion}\`?` : ' Set it in .env, an environment, @var = value, or with --var.'}`,
  )
}

export function stringify(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'null'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function lineOffset(raw: string, line: number): number {
  let offset = 0
  for (let i = 1; i < line; i++) {
    const next = raw.indexOf('\n', offset)
    if (next < 0) break
    offset = next + 1
  }
  return offset
}

/** The file position of an offset inside a Text. */
export function spanAt(text: Text, offset: number, length?: number): SourceSpan {
  let line = 0
  let lineStart = 0
  for (let i = 0; i < offset && i < text.raw.length; i++) {
    if (text.raw[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  const column = offset - lineStart
  const at =
    text.lines?.[line] ??
    (line === 0 ? { line: text.span.line, column: text.span.column } : { line: text.span.line + line, column: 1 })
  const span = { file: text.span.file, line: at.line, column: at.column + column }
  return length === undefined ? span : { ...span, length }
}

/** A template Handlebars could not compile or run: a located error with its first line. */
export function templateError(error: unknown, span: SourceSpan): RenderError {
  return new RenderError(
    'RENDER_SYNTAX',
    `Template error: ${(error as Error).message.split('\n')[0]}`,
    span,
    undefined,
    { cause: error },
  )
}
