// The send stage: a rendered request goes out through undici; what comes back is an Exchange.
// Streams (SSE, NDJSON) are parsed as they arrive, shown live through `listener`, and assembled.
// A stream that ends badly still yields its partial Exchange, on the error (`SendError.exchange`).
//
// Limits, each ending in a runtime error that names it: --max-time (the whole request, one timer),
// --idle-timeout (silence between two chunks of the body), --max-filesize and the inflate ratio
// (inflate.ts), and the redirect rules (redirect.ts). The whole-request timer is deadline.ts; what a
// failure says, failure.ts.
import type { Dispatcher } from 'undici'
import { monotonicMs } from '../builtins.js'
import { Arrivals } from './arrivals.js'
import { SendError } from '../errors.js'
import type { Certificate, Exchange, HeaderPairs, HttpRequest, SourceSpan, StreamInfo } from '../model.js'
import { VERSION } from '../version.js'
import { type Delta, StreamAssembler } from './assemble.js'
import { requestThrough } from './http-client.js'
import { type BodyLimits, DEFAULT_MAX_INFLATE_RATIO, decodedBody, limitBroken } from './inflate.js'
import { type RedirectPolicy, DEFAULT_MAX_REDIRECTS, followRedirect, isRedirect } from './redirect.js'
import { type BodySink, writeTo } from './sink.js'
import { type Cookies, storeCookies, withJarCookies } from './cookies.js'
import { RETRY_STATUSES, type RetryPolicy, mayRetry, sleep, waitBefore } from './retry.js'
import { MAX_EVENT_CHARS, NdjsonParser, SseParser, streamFormatOf } from './sse.js'
import { Deadline, MAX_TIMER_MS } from './deadline.js'
import { StreamFailure, mapError } from './failure.js'

export type StreamListener = {
  /** Raw bytes of a stream as they arrive (for --raw). */
  readonly onRaw?: (chunk: Uint8Array) => void
  readonly onDelta?: (delta: Delta) => void
  readonly onStreamStart?: (format: 'sse' | 'ndjson') => void
}

export type SendOptions = {
  readonly dispatcher: Dispatcher
  /** The whole request, redirects and body included; 0 for no limit. */
  readonly maxTimeMs: number
  /** The longest silence while the body arrives (between two chunks of a stream); 0 for no limit. */
  readonly idleTimeoutMs: number
  readonly redirects?: RedirectPolicy
  readonly limits?: BodyLimits
  readonly signal?: AbortSignal
  readonly listener?: StreamListener
  /** Keep when each piece of a stream arrived (--record replays streams at that pace). */
  readonly timePieces?: boolean
  /** Write the body here as it arrives instead of keeping it (-o, or a piped stdout). */
  readonly sink?: BodySink
  /** Retry transient failures (--retry). */
  readonly retry?: RetryPolicy
  /** HTTP/2 was offered for this request (ALPN with --http2 or an `HTTP/2` request line, or h2c). */
  readonly http2Offered?: 'alpn' | 'h2c'
  /** The certificate the server of a URL presented, kept on the exchange (the `certificate` query). */
  readonly certificateOf?: (url: string) => Certificate | undefined
  /** The proxy the request goes through, for messages that should name it. */
  readonly via?: string
  /** The chain's cookie jar: sent with every hop, and given every hop's `Set-Cookie`. */
  readonly cookies?: Cookies
  /** Where the request was written, for error messages. */
  readonly span?: SourceSpan
}

/** Bodies of a declared length above this are received into one buffer. */
const PREALLOCATE_FROM = 1024 * 1024
const NO_LIMITS: BodyLimits = { maxRatio: DEFAULT_MAX_INFLATE_RATIO }
const FOLLOW: RedirectPolicy = { follow: true, max: DEFAULT_MAX_REDIRECTS, allowHttpDowngrade: false }

export async function send(request: HttpRequest, options: SendOptions): Promise<Exchange> {
  const retry = options.retry
  const started = monotonicMs()
  for (let attempt = 0; ; attempt++) {
    const deadline = new Deadline(options.maxTimeMs, options.signal)
    // The wait before another attempt, when one is allowed: retries left, and time left for them.
    const another = (headers?: HeaderPairs): number | undefined => {
      if (!retry || attempt >= retry.count || options.signal?.aborted) return undefined
      const waitMs = waitBefore(attempt, retry, headers)
      return retry.maxTimeMs > 0 && monotonicMs() - started + waitMs > retry.maxTimeMs ? undefined : waitMs
    }
    try {
      return await exchange(request, options, deadline, retry ? another : undefined)
    } catch (error) {
      const again = retry ? retryableFailure(error, request.method, retry) : undefined
      const waitMs = error instanceof RetryableStatus ? error.waitMs : again ? another(again.headers) : undefined
      if (!again || waitMs === undefined) throw error
      retry!.onRetry?.({ attempt: attempt + 1, count: retry!.count, waitMs, reason: again.reason })
      await sleep(waitMs, options.signal)
      if (options.signal?.aborted)
        throw new SendError(
          'SEND_INTERRUPTED',
          `Interrupted while waiting to retry: ${request.method} ${request.url}`,
          options.span,
        )
    } finally {
      deadline.clear()
    }
  }
}

/** A status worth another try, raised from inside the exchange before its body is read. */
class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly waitMs: number,
  ) {
    super(`${status} ${statusText}`.trim())
  }
}

/** Whether a failed attempt may be retried, and why; undefined when not. */
function retryableFailure(
  error: unknown,
  method: string,
  policy: RetryPolicy,
): { reason: string; headers?: HeaderPairs } | undefined {
  if (error instanceof RetryableStatus) return { reason: error.message }
  if (!(error instanceof SendError)) return undefined
  // Refused or unresolvable: the request never left; any method may go again.
  if (error.code === 'SEND_CONNECT' && /refused|resolve/i.test(error.message))
    return { reason: error.message.split(':')[0]! }
  const reached = error.code === 'SEND_TIMEOUT' || error.code === 'STREAM_INCOMPLETE'
  if (reached && mayRetry(method, true, policy)) return { reason: error.message.split(':')[0]! }
  return undefined
}

async function exchange(
  request: HttpRequest,
  options: SendOptions,
  deadline: Deadline,
  another?: (headers: HeaderPairs) => number | undefined,
): Promise<Exchange> {
  const startedAt = new Date()
  const start = monotonicMs()
  const describe = `${request.method} ${request.url}`
  const policy = options.redirects ?? FOLLOW
  const limits = options.limits ?? NO_LIMITS
  let current = request
  let response: Dispatcher.ResponseData
  let visited: Set<string> | undefined
  for (let hop = 1; ; hop++) {
    if (options.cookies) current = withJarCookies(current, options.cookies)
    response = await dispatch(current, options, deadline, describe)
    if (options.cookies) await storeCookies(options.cookies, current.url, response.headers)
    const location = headerValue(response.headers, 'location')
    if (!policy.follow || !isRedirect(response.statusCode, location)) break
    await response.body.dump().catch(() => {})
    visited ??= new Set([request.url])
    current = followRedirect(current, response.statusCode, location, hop, visited, policy, options.span)
    visited.add(current.url)
  }
  // Out of retries (or time for them), the last response is the outcome, as in curl.
  // 429 says the request was refused, not done: any method may go again.
  const waitMs =
    another &&
    options.retry &&
    RETRY_STATUSES.has(response.statusCode) &&
    mayRetry(current.method, response.statusCode !== 429, options.retry)
      ? another(pairsOf(response.headers))
      : undefined
  if (waitMs !== undefined) {
    await response.body.dump().catch(() => {})
    throw new RetryableStatus(response.statusCode, statusTextOf(response), waitMs)
  }
  const ttfbMs = monotonicMs() - start
  const headers = pairsOf(response.headers)
  const format = streamFormatOf(headerValue(response.headers, 'content-type'))
  const decoded = decodedBody(response.body, headerValue(response.headers, 'content-encoding'))
  const base = {
    request: current,
    ...(visited ? { redirects: [...visited].slice(1) } : {}),
    ...(options.certificateOf?.(current.url) ? { certificate: options.certificateOf(current.url)! } : {}),
    status: response.statusCode,
    statusText: statusTextOf(response), // the reason phrase the server sent
    httpVersion: protocolOf(current.url, response.statusText, options.http2Offered),
    headers,
  }
  const chunks: Uint8Array[] = []
  let dropped = false
  // A large body of known length is copied into one buffer as it arrives: joining the chunks at the
  // end would hold it twice.
  const declared =
    decoded.compressedBytes() === undefined ? Number(headerValue(response.headers, 'content-length')) : NaN
  const whole =
    declared > PREALLOCATE_FROM && !(declared > (limits.maxBytes ?? Infinity)) && !format
      ? Buffer.allocUnsafe(declared)
      : undefined
  let size = 0
  const arrivals = new Arrivals()
  const assembler = format ? new StreamAssembler(format) : undefined
  const pieces: { at: number; size: number }[] | undefined = format && options.timePieces ? [] : undefined
  const parser = format === 'sse' ? new SseParser() : format === 'ndjson' ? new NdjsonParser() : undefined
  if (format) options.listener?.onStreamStart?.(format)
  const sink = options.sink && !format ? options.sink : undefined
  /** How many of `chunks` it took to complete the events read so far. */
  let chunksWithEvents = 0
  const feed = (events: ReturnType<SseParser['push']>) => {
    arrivals.nextRead()
    for (const event of events) {
      const deltas = assembler!.push(event)
      for (const delta of deltas) {
        if (delta.kind !== 'event') arrivals.text(monotonicMs() - start)
        options.listener?.onDelta?.(delta)
      }
    }
  }
  const finish = (ending: StreamInfo['ending']): Exchange => {
    const bytes = dropped
      ? new Uint8Array()
      : whole && chunks.length === 0
        ? whole.subarray(0, size)
        : chunks.length === 1
          ? chunks[0]!
          : Buffer.concat(chunks)
    const totalMs = monotonicMs() - start
    const timings = {
      startedAt: startedAt.toISOString(),
      ttfbMs,
      ...(arrivals.firstMs !== undefined ? { firstTokenMs: arrivals.firstMs, lastTokenMs: arrivals.lastMs! } : {}),
      totalMs,
    }
    if (!assembler)
      return {
        ...base,
        body: sink ? new Uint8Array() : bytes,
        ...(sink ? { bodyWrittenTo: sink.target } : {}),
        bodySize: size,
        timings,
      }
    const completionTokens = assembler.completionTokens()
    const serverSpeed = assembler.serverSpeed()
    const stream: StreamInfo = {
      format: format!,
      chunks: assembler.chunks,
      ending,
      contentChunks: assembler.contentDeltas,
      ...(arrivals.firstBurst > 1 ? { firstReadChunks: arrivals.firstBurst } : {}),
      ...(completionTokens !== undefined ? { completionTokens } : {}),
      ...(serverSpeed ? { serverSpeed } : {}),
      ...(pieces ? { pieces } : {}),
    }
    return { ...base, body: bytes, assembled: JSON.stringify(assembler.result()), stream, bodySize: size, timings }
  }
  const progress = () =>
    assembler ? `${afterChunks(assembler.chunks)} (${size} bytes)` : `after ${size} bytes of the body`
  try {
    for await (const chunk of decoded.stream as AsyncIterable<Buffer>) {
      size += chunk.length
      const broken = limitBroken(size, decoded, limits)
      if (broken) {
        decoded.stream.destroy()
        dropped = true // past a limit, what arrived is not kept: it is the thing that was too big
        throw new SendError(
          'SEND_TOO_LARGE',
          `Stopped reading the response: ${broken}: ${describe}`,
          options.span,
          'raise --max-filesize (bytes, or with k/M/G) or --max-inflate-ratio (0 for no limit)',
        )
      }
      if (sink) {
        await writeTo(sink, chunk, describe, options.span)
        continue
      }
      if (whole && chunks.length === 0 && size <= whole.length) {
        whole.set(chunk, size - chunk.length)
      } else {
        if (whole && chunks.length === 0) chunks.push(whole.subarray(0, size - chunk.length)) // more than declared
        chunks.push(chunk)
      }
      if (parser) {
        pieces?.push({ at: monotonicMs() - start, size: chunk.length })
        options.listener?.onRaw?.(chunk)
        const events = parser.push(chunk)
        feed(events)
        if (events.length > 0) chunksWithEvents = chunks.length
        if (parser.overflowed) {
          decoded.stream.destroy()
          chunks.length = chunksWithEvents // the body keeps the events read, not the one too large
          throw new SendError(
            'SEND_TOO_LARGE',
            `Stopped reading the stream: an event passed ${MAX_EVENT_CHARS / 1024 / 1024} MiB (a line or its data without an end) ${afterChunks(assembler!.chunks)}: ${describe}`,
            options.span,
            'the server sent one event larger than reqchain reads; what came before it is kept in the output and reports',
          )
        }
      }
    }
    if (parser) feed(parser.end())
    if (sink) await writeTo(sink, undefined, describe, options.span)
  } catch (error) {
    sink?.abort()
    if (parser) feed(parser.end())
    const exchange = finish('error')
    throw Object.assign(mapError(error, describe, options, deadline, progress()), { exchange })
  }
  if (!assembler) return finish('eof')
  const exchange = finish(assembler.error ? 'error' : assembler.done ? 'done' : 'eof')
  const after = afterChunks(assembler.chunks)
  if (assembler.error) {
    throw Object.assign(
      new StreamFailure(
        'STREAM_ERROR',
        `The server reported an error mid-stream ${after}: ${assembler.error}`,
        options.span,
        'the partial reply is kept in the output and reports',
      ),
      { exchange },
    )
  }
  const marker = assembler.endMarker()
  if (!assembler.done && marker && exchange.status < 400) {
    throw Object.assign(
      new StreamFailure(
        'STREAM_INCOMPLETE',
        `The stream closed without ${marker} ${after}: ${describe}`,
        options.span,
        'the server stopped early; the partial reply is kept in the output and reports',
      ),
      { exchange },
    )
  }
  return exchange
}

function afterChunks(chunks: number): string {
  return `after ${chunks} chunk${chunks === 1 ? '' : 's'}`
}

async function dispatch(
  request: HttpRequest,
  options: SendOptions,
  deadline: Deadline,
  describe: string,
): Promise<Dispatcher.ResponseData> {
  const url = new URL(request.url)
  const headers: string[] = []
  let hasUserAgent = false
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase()
    if (lower === 'user-agent') hasUserAgent = true
    if (lower === 'host' || lower === 'content-length') continue
    headers.push(name, value)
  }
  if (!hasUserAgent) headers.push('User-Agent', `reqchain/${VERSION}`)
  const idle = options.idleTimeoutMs > MAX_TIMER_MS ? 0 : options.idleTimeoutMs
  try {
    return await requestThrough(options.dispatcher, {
      origin: url.origin,
      path: url.pathname + url.search,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: request.body && request.body.length > 0 ? request.body : null,
      // The whole-request limit is the deadline's one timer; undici's own cover the silences,
      // before the response head and between chunks of its body.
      headersTimeout: idle,
      bodyTimeout: idle,
      signal: deadline as unknown as AbortSignal,
    })
  } catch (error) {
    throw mapError(error, describe, options, deadline, 'before a response arrived')
  }
}

/** The reason phrase; an HTTP/2 response has none (undici's type says a string is always there). */
function statusTextOf(response: { statusText?: string }): string {
  return response.statusText ?? ''
}

/**
 * The protocol a response came over. undici does not say; but an HTTP/2 response has no reason
 * phrase, while HTTP/1.1 servers send one, so where h2 was offered (over TLS by ALPN, or h2c) an
 * empty reason means h2 was chosen.
 */
function protocolOf(url: string, statusText: string | undefined, offered: SendOptions['http2Offered']): string {
  if (!offered || statusText) return '1.1'
  return offered === 'h2c' || url.startsWith('https:') ? '2' : '1.1'
}

function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

function pairsOf(headers: Dispatcher.ResponseData['headers']): [string, string][] {
  const pairs: [string, string][] = []
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v])
    else if (value !== undefined) pairs.push([name, value])
  }
  return pairs
}
