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
  | 'RENDER_SYNTAX'
  | 'RENDER_UNDEFINED_VAR'
  | 'RENDER_UNKNOWN_DYNAMIC'
  | 'RENDER_HELPER'
  | 'RENDER_URL'
  | 'RENDER_REFERENCE'
  | 'SEND_CONNECT'
  | 'SEND_TIMEOUT'
  | 'SEND_FAILED'
  | 'SEND_HTTP_STATUS'
  | 'SEND_INTERRUPTED'
  | 'STREAM_INCOMPLETE'
  | 'STREAM_ERROR'
  | 'EXTRACT_NO_MATCH'
  | 'EXTRACT_BAD_QUERY'
  | 'EXTRACT_NOT_JSON'
  | 'ASSERT_BAD'
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
export class LoadError extends ReqchainError { override name = 'LoadError' }
export class RenderError extends ReqchainError { override name = 'RenderError' }
export class SendError extends ReqchainError { override name = 'SendError' }
export class ExtractError extends ReqchainError { override name = 'ExtractError' }
export class ReportError extends ReqchainError { override name = 'ReportError' }

/** The closest candidate by edit distance, for "did you mean" hints; undefined when none is close. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
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
