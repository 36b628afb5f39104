// The JSON report: the whole run as data (shape documented in the README, "JSON report"):
//   { reqchain, durationMs, summary: { passed, failed, skipped, interrupted }, dataset (with
//     --dataset: rows, passed, failed, latency and TTFT percentiles, tokens), steps: [ { file, line,
//     name, status, request, response, timings, captures, asserts, error } ] }
// Secrets are masked throughout unless --show-secrets.
import type { Exchange, HttpRequest } from '../model.js'
import { type StepResult, statusOf, summaryOf } from '../outcome.js'
import type { ReportFormatter } from './formatter.js'
import type { Secrets } from '../secrets.js'
import { describeQuery } from '../check/extract.js'
import { parseStreamEvents } from '../send/sse.js'
import { VERSION } from '../version.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The report in pieces, written as the run goes (report/write.ts): each step when it ends, the head
 * (which holds the summary) and the tail when the run is over. Joined, the text is
 * `JSON.stringify(report, null, 2)`.
 */
export function jsonFormatter(secrets: Secrets): ReportFormatter {
  let steps = 0
  return {
    step: (step) =>
      `${steps++ === 0 ? '\n' : ',\n'}${JSON.stringify(stepJson(step, secrets), null, 2).replace(/^/gm, '    ')}`,
    finish: (run, summaries) => ({
      head: `{\n  "reqchain": ${JSON.stringify(VERSION)},\n  "durationMs": ${round(run.durationMs)},\n  "summary": ${JSON.stringify(summaryOf(run), null, 2).replace(/\n/g, '\n  ')},\n${summaries?.dataset ? `  "dataset": ${JSON.stringify(summaries.dataset, null, 2).replace(/\n/g, '\n  ')},\n` : ''}${summaries?.matrix ? `  "matrix": ${JSON.stringify(summaries.matrix, null, 2).replace(/\n/g, '\n  ')},\n` : ''}  "steps": [`,
      tail: steps === 0 ? ']\n}\n' : '\n  ]\n}\n',
    }),
  }
}

function stepJson(step: StepResult, secrets: Secrets): unknown {
  const mask = (value: unknown) => maskDeep(value, secrets)
  return {
    file: step.file.path,
    line: step.template.span.line,
    ...(step.template.name ? { name: step.template.name } : {}),
    status: statusOf(step),
    ...(step.attempts ? { attempts: step.attempts } : {}),
    ...(step.row !== undefined ? { row: step.row } : {}),
    ...(step.iteration !== undefined ? { iteration: step.iteration } : {}),
    request: step.request ? requestJson(step.request, secrets) : null,
    response: step.exchange ? responseJson(step.exchange, secrets) : null,
    timings: step.exchange
      ? {
          ...step.exchange.timings,
          ttfbMs: round(step.exchange.timings.ttfbMs),
          totalMs: round(step.exchange.timings.totalMs),
          ...(step.exchange.timings.firstTokenMs !== undefined
            ? {
                firstTokenMs: round(step.exchange.timings.firstTokenMs),
                lastTokenMs: round(step.exchange.timings.lastTokenMs ?? step.exchange.timings.firstTokenMs),
              }
            : {}),
        }
      : null,
    captures: mask(step.captures),
    ...(step.logs ? { logs: step.logs.map((line) => secrets.mask(line)) } : {}),
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
    error: step.error
      ? {
          code: step.error.code,
          message: secrets.mask(step.error.message),
          ...(step.error.hint ? { hint: secrets.mask(step.error.hint) } : {}),
          ...(step.error.span
            ? { file: step.error.span.file, line: step.error.span.line, column: step.error.span.column }
            : {}),
        }
      : null,
  }
}

/** Bodies past this size are cut in reports, with a note: a report is for reading, not for holding 1 GB. */
export const REPORT_BODY_LIMIT = 1024 * 1024

export type ReportBody = {
  body: string | null
  bodyBase64?: string
  bodyTruncated?: { keptBytes: number; totalBytes: number }
}

/** Past the cut, this much more is masked with the kept part, so no secret is cut in two and half shown. */
const MASK_WINDOW = 4096

export function bodyText(bytes: Uint8Array | undefined, limit = REPORT_BODY_LIMIT): ReportBody {
  if (!bytes || bytes.length === 0) return { body: null }
  let kept = bytes
  if (bytes.length > limit) {
    let cut = limit
    while (cut > limit - 3 && (bytes[cut]! & 0xc0) === 0x80) cut-- // never split a UTF-8 sequence
    kept = bytes.subarray(0, cut)
  }
  const truncated =
    kept.length < bytes.length ? { bodyTruncated: { keptBytes: kept.length, totalBytes: bytes.length } } : {}
  try {
    return { body: utf8.decode(kept), ...truncated }
  } catch {
    return {
      body: null,
      bodyBase64: Buffer.from(kept.buffer, kept.byteOffset, kept.length).toString('base64'),
      ...truncated,
    }
  }
}

/**
 * A body as the report holds it: masked in the form it is written in. A cut body is masked with
 * what follows the cut and then cut again, so a secret across the cut is masked whole.
 */
export function maskedBody(body: ReportBody, secrets: Secrets, bytes: Uint8Array | undefined): ReportBody {
  const cutAt = body.bodyTruncated?.keptBytes
  const windowed = (text: string, render: (extra: Uint8Array) => string): string => {
    if (cutAt === undefined || !bytes) return secrets.mask(text)
    const masked = secrets.mask(text + render(bytes.subarray(cutAt, cutAt + MASK_WINDOW)))
    return masked.slice(0, text.length)
  }
  return {
    ...body,
    ...(body.body !== null ? { body: windowed(body.body, (extra) => Buffer.from(extra).toString('utf8')) } : {}),
    ...(body.bodyBase64 !== undefined ? { bodyBase64: secrets.mask(body.bodyBase64) } : {}),
  }
}

function requestJson(request: HttpRequest, secrets: Secrets): unknown {
  const body = bodyText(request.body)
  return {
    method: request.method,
    url: secrets.mask(request.url),
    headers: request.headers.map(([n, v]) => [n, secrets.maskHeader(n, v)]),
    ...maskedBody(body, secrets, request.body),
  }
}

function responseJson(exchange: Exchange, secrets: Secrets): unknown {
  const body = exchange.bodyWrittenTo ? { body: null, bodyWrittenTo: exchange.bodyWrittenTo } : bodyText(exchange.body)
  return {
    status: exchange.status,
    statusText: exchange.statusText,
    httpVersion: exchange.httpVersion,
    headers: exchange.headers.map(([n, v]) => [n, secrets.maskHeader(n, v)]),
    ...('bodyWrittenTo' in body ? body : maskedBody(body, secrets, exchange.body)),
    bodySize: exchange.bodySize,
    ...(exchange.stream
      ? {
          stream: {
            format: exchange.stream.format,
            chunks: exchange.stream.chunks,
            ending: exchange.stream.ending,
            contentChunks: exchange.stream.contentChunks,
            ...(exchange.stream.completionTokens !== undefined
              ? { completionTokens: exchange.stream.completionTokens }
              : {}),
            ...(exchange.stream.serverSpeed ? { serverSpeed: exchange.stream.serverSpeed } : {}),
            events: parseStreamEvents(exchange.body, exchange.stream.format).map((e) => maskDeep(e, secrets)),
          },
          assembled: maskDeep(JSON.parse(exchange.assembled!), secrets),
        }
      : {}),
  }
}

/** Values nest at most this deep in the report; a response can nest deeper than JSON.stringify walks. */
const MAX_REPORT_DEPTH = 256

function maskDeep(value: unknown, secrets: Secrets, depth = 0): unknown {
  if (typeof value === 'string') return secrets.mask(value)
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_REPORT_DEPTH) return `(nested deeper than ${MAX_REPORT_DEPTH} levels: not reported)`
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets, depth + 1)]))
}

/** Milliseconds to a tenth, as the reports write them. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
