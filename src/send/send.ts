// The send stage: a rendered request goes out through undici; what comes back is an Exchange.
// Streams (SSE, NDJSON) are parsed as they arrive, shown live through `listener`, and assembled.
// A stream that ends badly still yields its partial Exchange, on the error (`SendError.exchange`).
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { type Readable, pipeline } from 'node:stream'
import type { Dispatcher } from 'undici'
import { monotonicMs, nodeZlib } from '../builtins.js'
import { SendError } from '../errors.js'
import type { Exchange, HttpRequest, SourceSpan, StreamInfo } from '../model.js'
import { VERSION } from '../version.js'
import { type Delta, StreamAssembler } from './assemble.js'
import { requestThrough } from './http-client.js'
import { NdjsonParser, SseParser, streamFormatOf } from './sse.js'

export type StreamListener = {
  /** Raw bytes of a stream as they arrive (for --raw). */
  readonly onRaw?: (chunk: Uint8Array) => void
  readonly onDelta?: (delta: Delta) => void
  readonly onStreamStart?: (format: 'sse' | 'ndjson') => void
}

export type SendOptions = {
  readonly dispatcher: Dispatcher
  /** The whole request, and also the longest silence between two chunks; 0 for no limit. */
  readonly timeoutMs: number
  readonly followRedirects: boolean
  readonly signal?: AbortSignal
  readonly listener?: StreamListener
  /** Write the body to this file as it arrives instead of keeping it (for -o on big bodies). */
  readonly bodyFile?: string
  /** Where the request was written, for error messages. */
  readonly span?: SourceSpan
}

export class StreamFailure extends SendError {
  override name = 'StreamFailure'
}

const MAX_REDIRECTS = 10

export async function send(request: HttpRequest, options: SendOptions): Promise<Exchange> {
  const startedAt = new Date()
  const start = monotonicMs()
  const describe = `${request.method} ${request.url}`
  const deadline = options.timeoutMs > 0 ? AbortSignal.timeout(options.timeoutMs) : undefined
  const signal = deadline && options.signal ? AbortSignal.any([deadline, options.signal]) : deadline ?? options.signal
  let current = request
  let response: Dispatcher.ResponseData
  for (let hop = 0; ; hop++) {
    response = await dispatch(current, options, signal, deadline, describe)
    const location = headerValue(response.headers, 'location')
    if (!options.followRedirects || !location || ![301, 302, 303, 307, 308].includes(response.statusCode) || hop >= MAX_REDIRECTS) break
    await response.body.dump().catch(() => {})
    const keepMethod = response.statusCode === 307 || response.statusCode === 308
    const nextUrl = new URL(location, current.url).toString()
    const sameOrigin = new URL(nextUrl).origin === new URL(current.url).origin
    current = {
      method: keepMethod ? current.method : current.method === 'HEAD' ? 'HEAD' : 'GET',
      url: nextUrl,
      // Credentials never follow a redirect to another origin.
      headers: current.headers.filter(([name]) => (keepMethod || !/^content-(type|length)$/i.test(name)) && (sameOrigin || !/^(authorization|cookie)$/i.test(name))),
      ...(keepMethod && current.body ? { body: current.body } : {}),
    }
  }
  const ttfbMs = monotonicMs() - start
  const headers = pairsOf(response.headers)
  const contentType = headerValue(response.headers, 'content-type')
  const format = streamFormatOf(contentType)
  const body = decoded(response.body, headerValue(response.headers, 'content-encoding'))
  const base = {
    request: current,
    status: response.statusCode,
    statusText: response.statusText ?? '', // the reason phrase the server sent
    httpVersion: '1.1',
    headers,
  }
  const chunks: Uint8Array[] = []
  let size = 0
  let firstTokenMs: number | undefined
  const assembler = format ? new StreamAssembler(format) : undefined
  const parser = format === 'sse' ? new SseParser() : format === 'ndjson' ? new NdjsonParser() : undefined
  if (format) options.listener?.onStreamStart?.(format)
  const file = options.bodyFile && !format ? createWriteStream(options.bodyFile) : undefined
  const fileError = file ? once(file, 'error').then(([error]) => { throw error }) : undefined
  const feed = (events: ReturnType<SseParser['push']>) => {
    for (const event of events) {
      const deltas = assembler!.push(event)
      for (const delta of deltas) {
        if (firstTokenMs === undefined && delta.kind !== 'event') firstTokenMs = monotonicMs() - start
        options.listener?.onDelta?.(delta)
      }
    }
  }
  const finish = (ending: StreamInfo['ending']): Exchange => {
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
    const totalMs = monotonicMs() - start
    const timings = { startedAt: startedAt.toISOString(), ttfbMs, ...(firstTokenMs !== undefined ? { firstTokenMs } : {}), totalMs }
    if (!assembler) return { ...base, body: file ? new Uint8Array() : bytes, ...(file ? { bodyFile: options.bodyFile! } : {}), bodySize: size, timings }
    const completionTokens = assembler.completionTokens()
    const stream: StreamInfo = { format: format!, chunks: assembler.chunks, ending, ...(completionTokens !== undefined ? { completionTokens } : {}) }
    return { ...base, body: bytes, assembled: JSON.stringify(assembler.result()), stream, bodySize: size, timings }
  }
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (file) {
        if (!file.write(chunk)) await Promise.race([once(file, 'drain'), fileError])
        continue
      }
      chunks.push(chunk)
      if (parser) {
        options.listener?.onRaw?.(chunk)
        feed(parser.push(chunk))
      }
    }
    if (parser) feed(parser.end())
    if (file) {
      file.end()
      await Promise.race([once(file, 'finish'), fileError])
    }
  } catch (error) {
    file?.destroy()
    if (parser) feed(parser.end())
    const exchange = finish('error')
    const failure = mapError(error, describe, options, deadline, exchange.stream
      ? `${afterChunks(exchange.stream.chunks)} (${size} bytes)`
      : `after ${size} bytes of the body`)
    throw Object.assign(failure, { exchange })
  }
  if (!assembler) return finish('eof')
  const exchange = finish(assembler.error ? 'error' : assembler.done ? 'done' : 'eof')
  const after = afterChunks(assembler.chunks)
  if (assembler.error) {
    throw Object.assign(new StreamFailure('STREAM_ERROR', `The server reported an error mid-stream ${after}: ${assembler.error}`, options.span,
      'the partial reply is kept in the output and reports'), { exchange })
  }
  if (!assembler.done && needsEndMarker(assembler.shape) && exchange.status < 400) {
    const marker = format === 'sse' ? '`data: [DONE]`' : 'a final `"done": true` line'
    throw Object.assign(new StreamFailure('STREAM_INCOMPLETE', `The stream closed without ${marker} ${after}: ${describe}`, options.span,
      'the server stopped early; the partial reply is kept in the output and reports'), { exchange })
  }
  return exchange
}

function afterChunks(chunks: number): string {
  return `after ${chunks} chunk${chunks === 1 ? '' : 's'}`
}

function needsEndMarker(shape: StreamAssembler['shape']): boolean {
  return shape === 'openai-chat' || shape === 'openai-completion' || shape === 'ollama-chat' || shape === 'ollama-generate'
}

async function dispatch(request: HttpRequest, options: SendOptions, signal: AbortSignal | undefined, deadline: AbortSignal | undefined, describe: string): Promise<Dispatcher.ResponseData> {
  const url = new URL(request.url)
  const headers: string[] = []
  let hasUserAgent = false
  for (const [name, value] of request.headers) {
    if (name.toLowerCase() === 'user-agent') hasUserAgent = true
    if (name.toLowerCase() === 'host' || name.toLowerCase() === 'content-length') continue
    headers.push(name, value)
  }
  if (!hasUserAgent) headers.push('User-Agent', `reqchain/${VERSION}`)
  try {
    return await requestThrough(options.dispatcher, {
      origin: url.origin,
      path: url.pathname + url.search,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: request.body && request.body.length > 0 ? request.body : null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(signal ? { signal } : {}),
    })
  } catch (error) {
    throw mapError(error, describe, options, deadline, 'before a response arrived')
  }
}

function mapError(error: unknown, describe: string, options: SendOptions, deadline: AbortSignal | undefined, when: string): SendError {
  if (error instanceof SendError) return error
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code
  const seconds = (ms: number) => `${ms / 1000} s`
  const span = options.span
  if (options.signal?.aborted) return new SendError('SEND_INTERRUPTED', `Interrupted ${when}: ${describe}`, span)
  if (deadline?.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const what = code === 'UND_ERR_BODY_TIMEOUT' ? `no data for ${seconds(options.timeoutMs)}` : `no complete response within ${seconds(options.timeoutMs)}`
    return new SendError('SEND_TIMEOUT', `Timed out (${what}) ${when}: ${describe}`, span, 'raise --timeout (seconds; 0 for no limit), or # @timeout on the request', { cause: error })
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new SendError('SEND_TIMEOUT', `Connection timed out: ${describe}`, span, 'is the host reachable? raise --connect-timeout if it is slow', { cause: error })
  }
  if (code === 'ECONNREFUSED') {
    return new SendError('SEND_CONNECT', `Connection refused: ${describe}`, span, 'is the server running on that port? To try without one, add --mock', { cause: error })
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new SendError('SEND_CONNECT', `Cannot resolve the host: ${describe}`, span, 'check the host name in the URL (or baseUrl)', { cause: error })
  }
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED/.test(code)) {
    return new SendError('SEND_CONNECT', `TLS error (${code}): ${describe}`, span, 'use --insecure (-k) to accept the certificate anyway', { cause: error })
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return new StreamFailure('STREAM_INCOMPLETE', `The connection closed ${when}: ${describe}`, span, 'the server dropped the connection; what arrived is kept', { cause: error })
  }
  if (code === 'Z_DATA_ERROR' || code === 'ERR__ERROR_FORMAT_PADDING_1') {
    return new SendError('SEND_FAILED', `The response body could not be decompressed ${when}: ${describe}`, span, undefined, { cause: error })
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_CHAR') {
    return new SendError('SEND_FAILED', `Invalid request: ${(error as Error).message}: ${describe}`, span, 'check header names and values', { cause: error })
  }
  return new SendError('SEND_FAILED', `${(error as Error).message || 'Request failed'} ${when}: ${describe}`, span, undefined, { cause: error })
}

function decoded(body: Readable, encoding: string | undefined): Readable {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip': case 'x-gzip': return pipeline(body, nodeZlib().createGunzip(), ignore)
    case 'deflate': return pipeline(body, nodeZlib().createInflate(), ignore)
    case 'br': return pipeline(body, nodeZlib().createBrotliDecompress(), ignore)
    default: return body
  }
}

/** Errors surface through the stream being read; pipeline's callback has nothing to add. */
function ignore(): void {}

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
