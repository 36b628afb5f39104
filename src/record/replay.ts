// `reqchain serve --replay DIR` and `run --replay DIR`: a server that answers each request with its
// recorded response, streams paced as they were recorded (or faster, or at once). A request is
// matched by method, path and body — JSON bodies by value, a masked secret (********) standing for
// any text — and when the same request was recorded several times, the recordings answer in order
// (the last one again once they are used up). A request that matches nothing gets a 404 that says
// what the recording expected next.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RecordedExchange, type Recording, bodyBytes, matchesMasked } from './format.js'

/** A request body past this is refused (413): a replay server holds what it is sent to match it. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024

export type ReplayServer = {
  readonly url: string
  readonly close: () => Promise<void>
  readonly misses: () => readonly string[]
}

/** Headers that describe the bytes on the wire as they were, not as the replay sends them (the body is stored decoded). */
const WIRE_HEADERS = new Set(['content-encoding', 'transfer-encoding', 'connection', 'keep-alive'])

export async function startReplayServer(
  recording: Recording,
  options: {
    readonly port: number
    readonly host: string
    readonly speed: number
    readonly onMiss?: (message: string) => void
  },
): Promise<ReplayServer> {
  const replayable = recording.exchanges.filter((e) => e.response)
  const used = new Set<RecordedExchange>()
  const misses: string[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REQUEST_BYTES) {
        if (!res.headersSent) {
          res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
          res.end('reqchain replay: the request body is larger than 64 MiB\n')
        }
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const found = match(replayable, used, req, body)
      if (!found) {
        const message = missMessage(replayable, used, req, body)
        misses.push(message)
        options.onMiss?.(message)
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Reqchain-Replay': 'no-match' })
        res.end(`${message}\n`)
        return
      }
      used.add(found)
      void answer(recording, found, res, options.speed)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    misses: () => misses,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A recorded URL's path and query, parsed once per URL: every request is matched against them all. */
const paths = new Map<string, string>()
function pathOf(url: string): string {
  let path = paths.get(url)
  if (path === undefined) {
    try {
      const parsed = new URL(url)
      path = `${parsed.pathname}${parsed.search}`
    } catch {
      path = url
    }
    paths.set(url, path)
  }
  return path
}

/** The first unused recording of this request, in order; else the last used one again. */
function match(
  exchanges: readonly RecordedExchange[],
  used: ReadonlySet<RecordedExchange>,
  req: IncomingMessage,
  body: string,
): RecordedExchange | undefined {
  const candidates = exchanges.filter(
    (e) => e.request.method === req.method && matchesMasked(pathOf(e.request.url), req.url ?? '/') && sameBody(e, body),
  )
  return candidates.find((e) => !used.has(e)) ?? candidates.at(-1)
}

function missMessage(
  exchanges: readonly RecordedExchange[],
  used: ReadonlySet<RecordedExchange>,
  req: IncomingMessage,
  body: string,
): string {
  const next = exchanges.find((e) => !used.has(e))
  const got = `${req.method} ${req.url}`
  if (!next) return `reqchain replay: no recorded exchange for ${got}; every recorded exchange has been replayed`
  const expected = `${next.request.method} ${pathOf(next.request.url)}`
  const samePlace = exchanges.some(
    (e) => e.request.method === req.method && matchesMasked(pathOf(e.request.url), req.url ?? '/'),
  )
  const why = samePlace ? `; ${got} was recorded, but with another body (got ${preview(body)})` : ''
  return `reqchain replay: no recorded exchange for ${got}${why}; expected next: ${expected} (exchange ${next.seq}, ${next.file}:${next.line}${next.request.body && 'text' in next.request.body ? `, body ${preview(next.request.body.text)}` : ''})`
}

function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line === '' ? '(empty)' : line.length > 120 ? `${line.slice(0, 119)}…` : line
}

function sameBody(exchange: RecordedExchange, actual: string): boolean {
  const recorded = exchange.request.body
  if (!recorded) return actual === ''
  const text =
    'text' in recorded
      ? recorded.text
      : 'base64' in recorded
        ? Buffer.from(recorded.base64, 'base64').toString('utf8')
        : undefined
  if (text === undefined) return true // a body too big to sit in the index is matched by method and path
  if (matchesMasked(text, actual)) return true
  try {
    return sameJson(JSON.parse(text), JSON.parse(actual))
  } catch {
    return false
  }
}

function sameJson(recorded: unknown, actual: unknown): boolean {
  if (typeof recorded === 'string') return typeof actual === 'string' && matchesMasked(recorded, actual)
  if (recorded === null || typeof recorded !== 'object') return recorded === actual
  if (actual === null || typeof actual !== 'object' || Array.isArray(recorded) !== Array.isArray(actual)) return false
  const a = recorded as Record<string, unknown>
  const b = actual as Record<string, unknown>
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(a[key], b[key]))
}

const gone = (res: ServerResponse): boolean => res.destroyed

async function answer(
  recording: Recording,
  exchange: RecordedExchange,
  res: ServerResponse,
  speed: number,
): Promise<void> {
  const response = exchange.response!
  const wait = (ms: number) =>
    speed > 0 && ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms / speed)) : undefined
  const body = bodyBytes(recording, response.body)
  const chunks = response.chunks
  // Headers in their recorded order; the length is the replayed body's (a stream has none: it is sent chunked).
  const headers: [string, string][] = response.headers
    .filter(([name]) => !WIRE_HEADERS.has(name.toLowerCase()) && !(chunks && name.toLowerCase() === 'content-length'))
    .map(([n, v]) => [n, n.toLowerCase() === 'content-length' ? String(body.length) : v])
  await wait(exchange.timings?.ttfbMs ?? 0)
  if (res.destroyed) return
  res.writeHead(response.status, response.statusText || undefined, headers.flat())
  if (!chunks) {
    res.end(body)
    return
  }
  let offset = 0
  let elapsed = exchange.timings?.ttfbMs ?? 0
  for (const chunk of chunks) {
    await wait(chunk.at - elapsed)
    elapsed = Math.max(elapsed, chunk.at)
    if (gone(res)) return // the client may have left while we waited
    res.write(body.subarray(offset, offset + chunk.size))
    offset += chunk.size
  }
  res.end(body.subarray(offset))
}
