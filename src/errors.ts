// Errors are values with a location. Anything thrown that is not a ReqchainError is a bug in
// reqchain: `main` prints its stack and exits 70, so bugs never pass for user mistakes.
import type { SourceSpan } from './model.js'

export type ErrorCode =
  | 'USAGE'
  | 'LOAD_FILE_NOT_FOUND'
  | 'LOAD_SYNTAX'
  | 'LOAD_JSON'
  | 'LOAD_UNKNOWN_KEY'
  | 'LOAD_BODY_FILE'
  | 'LOAD_NAME_NOT_FOUND'
  | 'LOAD_CYCLE'
  | 'LOAD_TOO_DEEP'
  | 'LOAD_UNKNOWN_DIRECTIVE'
  | 'RENDER_SYNTAX'
  | 'RENDER_UNDEFINED_VAR'
  | 'RENDER_UNKNOWN_DYNAMIC'
  | 'RENDER_HELPER'
  | 'RENDER_BAD_VALUE'
  | 'RENDER_URL'
  | 'RENDER_REFERENCE'
  | 'RENDER_INVALID_JSON'
  | 'RENDER_TOO_DEEP'
  | 'SEND_CONNECT'
  | 'SEND_TIMEOUT'
  | 'SEND_FAILED'
  | 'SEND_HTTP_STATUS'
  | 'SEND_INTERRUPTED'
  | 'SEND_REDIRECT'
  | 'SEND_TOO_LARGE'
  | 'SEND_OUTPUT'
  | 'STREAM_INCOMPLETE'
  | 'STREAM_ERROR'
  | 'EXTRACT_NO_MATCH'
  | 'EXTRACT_BAD_QUERY'
  | 'EXTRACT_NOT_JSON'
  | 'EXTRACT_NOT_XML'
  | 'EXTRACT_FILTER'
  | 'EXTRACT_TOO_DEEP'
  | 'ASSERT_BAD'
  | 'SCRIPT_FILE'
  | 'SCRIPT_SYNTAX'
  | 'SCRIPT_ERROR'
  | 'SCRIPT_LIMIT'
  | 'SCRIPT_INTERRUPTED'
  | 'REPLAY_MISS'
  | 'REPORT_WRITE'

export class ReqchainError extends Error {
  override name = 'ReqchainError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly span?: SourceSpan,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export class UsageError extends ReqchainError {
  override name = 'UsageError'
  constructor(message: string, hint?: string) {
    super('USAGE', message, undefined, hint)
  }
}
export class LoadError extends ReqchainError {
  override name = 'LoadError'
}
export class RenderError extends ReqchainError {
  override name = 'RenderError'
}
/** An undefined variable; `variable` is the name's root (`user` of `user.id`), for a hint that knows why it is unset. */
export class UndefinedVariableError extends RenderError {
  constructor(
    readonly variable: string,
    message: string,
    span: SourceSpan | undefined,
    hint: string,
  ) {
    super('RENDER_UNDEFINED_VAR', message, span, hint)
  }
}
export class SendError extends ReqchainError {
  override name = 'SendError'
}
export class ExtractError extends ReqchainError {
  override name = 'ExtractError'
}
export class ReportError extends ReqchainError {
  override name = 'ReportError'
}

/**
 * Data nested deeper than the stack can walk (a hostile JSON response, a deep capture) ends the
 * work on it with a located error instead of a crash; any other error is returned as it is.
 */
export function tooDeep(error: unknown, span: SourceSpan | undefined): unknown {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new ExtractError(
      'EXTRACT_TOO_DEEP',
      'A value is nested too deeply to process',
      span,
      'the response (or a value taken from it) nests thousands of levels deep; query a shallower part of it',
      { cause: error },
    )
  }
  return error
}

/** The closest candidate by edit distance, for "did you mean" hints; undefined when none is close. */
export function nearest(
  word: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(word.length / 3)),
): string | undefined {
  let best: string | undefined
  let bestDistance = maxDistance + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}
