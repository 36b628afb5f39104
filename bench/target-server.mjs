// The benchmark's target: a loopback server in its own process, counting what it serves.
//   GET /one            {"ok":true}
//   GET /next?n=N       {"n":N+1}             (chained captures)
//   POST /stream?n=N    N SSE chat chunks, then data: [DONE]
//     &format=responses  the same text as a Responses API stream; &format=messages as Anthropic Messages
//   GET /big?mb=N       N MiB of bytes
//   GET /bomb           a 4 MB gzip body that inflates to 4 GB (64 gzip members of 64 MiB of zeros)
//   GET /__stats        {"requests":…}        (not counted)
import { createServer } from 'node:http'
import { gzipSync } from 'node:zlib'

let requests = 0
/** Wall-clock time the last stream request arrived, to measure how soon its first chunk is shown. */
let streamArrivedAt = 0
const FORMATS = {
  chat: {
    first: '',
    chunk: (i) =>
      `data: {"id":"bench","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":"t${i % 10} "},"finish_reason":null}]}\n\n`,
    last: 'data: {"id":"bench","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
  },
  responses: {
    first:
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_bench","object":"response","status":"in_progress","model":"bench","output":[]}}\n\n' +
      'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"msg_bench","role":"assistant","status":"in_progress","content":[]}}\n\n',
    chunk: (i) =>
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_bench","output_index":0,"content_index":0,"delta":"t${i % 10} "}\n\n`,
    last: 'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_bench","object":"response","status":"completed","model":"bench","output":[{"type":"message","id":"msg_bench","role":"assistant","status":"completed","content":[{"type":"output_text","text":"(the text)"}]}],"usage":{"input_tokens":1,"output_tokens":10000,"total_tokens":10001}}}\n\n',
  },
  messages: {
    first:
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","content":[],"model":"bench","usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    chunk: (i) =>
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"t${i % 10} "}}\n\n`,
    last:
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10000}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  },
}
const block = Buffer.alloc(1024 * 1024, 'x')
let bomb

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/__stats') return res.end(JSON.stringify({ requests, streamArrivedAt }))
  requests++
  req.resume()
  switch (url.pathname) {
    case '/one':
      res.writeHead(200, { 'Content-Type': 'application/json' })
      return res.end('{"ok":true}')
    case '/next':
      res.writeHead(200, { 'Content-Type': 'application/json' })
      return res.end(JSON.stringify({ n: Number(url.searchParams.get('n')) + 1 }))
    case '/stream': {
      streamArrivedAt = performance.timeOrigin + performance.now()
      const n = Number(url.searchParams.get('n') ?? 10000)
      const format = FORMATS[url.searchParams.get('format') ?? 'chat']
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
      res.write(format.first + format.chunk(0))
      let i = 1
      const pump = () => {
        while (i < n) {
          if (!res.write(format.chunk(i++))) return res.once('drain', pump)
        }
        res.end(format.last)
      }
      return setImmediate(pump)
    }
    case '/bomb': {
      bomb ??= Buffer.concat(Array(64).fill(gzipSync(Buffer.alloc(64 * 1024 * 1024))))
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'Content-Length': bomb.length,
      })
      return res.end(bomb)
    }
    case '/big': {
      let left = Number(url.searchParams.get('mb') ?? 200)
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': left * block.length })
      const pump = () => {
        while (left > 0) {
          left--
          if (!res.write(block)) return res.once('drain', pump)
        }
        res.end()
      }
      return pump()
    }
  }
  res.writeHead(404)
  res.end()
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('SIGTERM', () => process.exit(0))
