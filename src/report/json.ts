// toJson(run) → the whole run as data (shape documented in the README, "JSON report"):
//   { reqchain, durationMs, summary: { passed, failed, skipped, interrupted }, steps: [ { file, line,
//     name, status, request, response, timings, captures, asserts, error } ] }
// Secrets are masked throughout unless --show-secrets.
import type { Exchange, HttpRequest } from '../model.js'
import { type RunResult, type StepResult, statusOf, summaryOf } from '../run.js'
import type { Secrets } from '../secrets.js'
import { describeQuery } from '../check/extract.js'
import { parseStreamEvents } from '../send/sse.js'
import { VERSION } from '../version.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function toJson(run: RunResult, secrets: Secrets): string {
  return `${JSON.stringify({
    reqchain: VERSION,
    durationMs: round(run.durationMs),
    summary: summaryOf(run),
    steps: run.steps.map((step) => stepJson(step, secrets)),
  }, null, 2)}\n`
}

function stepJson(step: StepResult, secrets: Secrets): unknown {
  const mask = (value: unknown) => maskDeep(value, secrets)
  return {
    file: step.file.path,
    line: step.template.span.line,
    ...(step.template.name ? { name: step.template.name } : {}),
    status: statusOf(step),
    request: step.request ? requestJson(step.request, secrets) : null,
    response: step.exchange ? responseJson(step.exchange, secrets) : null,
    timings: step.exchange ? { ...step.exchange.timings, ttfbMs: round(step.exchange.timings.ttfbMs), totalMs: round(step.exchange.timings.totalMs), ...(step.exchange.timings.firstTokenMs !== undefined ? { firstTokenMs: round(step.exchange.timings.firstTokenMs) } : {}) } : null,
    captures: mask(step.captures),
    asserts: step.asserts.map((a) => ({
      query: describeQuery(a.assertion.query),
      predicate: `${a.assertion.negated ? 'not ' : ''}${a.assertion.predicate}`,
      ...(a.assertion.expected !== undefined ? { expected: a.assertion.expected } : {}),
      line: a.assertion.span.line,
      column: a.assertion.span.column,
      ok: a.ok,
      actual: mask(a.actual ?? null),
      ...(!a.ok ? { message: secrets.mask(a.message) } : {}),
    })),
    error: step.error ? {
      code: step.error.code,
      message: secrets.mask(step.error.message),
      ...(step.error.hint ? { hint: secrets.mask(step.error.hint) } : {}),
      ...(step.error.span ? { file: step.error.span.file, line: step.error.span.line, column: step.error.span.column } : {}),
    } : null,
  }
}

/** Bodies past this size are cut in reports, with a note: a report is for reading, not for holding 1 GB. */
export const REPORT_BODY_LIMIT = 1024 * 1024

export type ReportBody = { body: string | null; bodyBase64?: string; bodyTruncated?: { keptBytes: number; totalBytes: number } }

export function bodyText(bytes: Uint8Array | undefined, limit = REPORT_BODY_LIMIT): ReportBody {
  if (!bytes || bytes.length === 0) return { body: null }
  let kept = bytes
  if (bytes.length > limit) {
    let cut = limit
    while (cut > limit - 3 && (bytes[cut]! & 0xc0) === 0x80) cut-- // never split a UTF-8 sequence
    kept = bytes.subarray(0, cut)
  }
  const truncated = kept.length < bytes.length ? { bodyTruncated: { keptBytes: kept.length, totalBytes: bytes.length } } : {}
  try {
    return { body: utf8.decode(kept), ...truncated }
  } catch {
    return { body: null, bodyBase64: Buffer.from(kept.buffer, kept.byteOffset, kept.length).toString('base64'), ...truncated }
  }
}

/** A body as the report holds it: masked in the form it is written in. */
function maskedBody(body: ReportBody, secrets: Secrets): ReportBody {
  return {
    ...body,
    ...(body.body !== null ? { body: secrets.mask(body.body) } : {}),
    ...(body.bodyBase64 !== undefined ? { bodyBase64: secrets.mask(body.bodyBase64) } : {}),
  }
}

function requestJson(request: HttpRequest, secrets: Secrets): unknown {
  const body = bodyText(request.body)
  return {
    method: request.method,
    url: secrets.mask(request.url),
    headers: request.headers.map(([n, v]) => [n, secrets.maskHeader(n, v)]),
    ...maskedBody(body, secrets),
  }
}

function responseJson(exchange: Exchange, secrets: Secrets): unknown {
  const body = exchange.bodyWrittenTo ? { body: null, bodyWrittenTo: exchange.bodyWrittenTo } : bodyText(exchange.body)
  return {
    status: exchange.status,
    statusText: exchange.statusText,
    headers: exchange.headers.map(([n, v]) => [n, secrets.maskHeader(n, v)]),
    ...('bodyWrittenTo' in body ? body : maskedBody(body, secrets)),
    bodySize: exchange.bodySize,
    ...(exchange.stream ? {
      stream: {
        format: exchange.stream.format,
        chunks: exchange.stream.chunks,
        ending: exchange.stream.ending,
        ...(exchange.stream.completionTokens !== undefined ? { completionTokens: exchange.stream.completionTokens } : {}),
        events: parseStreamEvents(exchange.body, exchange.stream.format).map((e) => maskDeep(e, secrets)),
      },
      assembled: maskDeep(JSON.parse(exchange.assembled!), secrets),
    } : {}),
  }
}

function maskDeep(value: unknown, secrets: Secrets): unknown {
  if (typeof value === 'string') return secrets.mask(value)
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets))
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets)]))
  return value
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
