// A real HTTP server on 127.0.0.1 and an ephemeral port, with a route table:
//   const server = await startServer({ 'POST /login': (req, res, body) => res.end('{"token":"t"}') })
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>
export type Routes = Record<string, Handler>
export type RecordedCall = { method: string; path: string; headers: IncomingMessage['headers']; body: Buffer }
export type TestServer = { url: string; calls: RecordedCall[]; close: () => Promise<void> }

export async function startServer(routes: Routes): Promise<TestServer> {
  const calls: RecordedCall[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const path = new URL(req.url ?? '/', 'http://x').pathname
    calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body })
    const handler = routes[`${req.method} ${path}`] ?? routes[`* ${path}`]
    if (!handler) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end(`no route for ${req.method} ${path}`)
      return
    }
    try {
      await handler(req, res, body)
    } catch (error) {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, value: unknown, status = 200, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(body)
}
