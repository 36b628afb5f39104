// Servers that HTTP libraries will not be: a raw `net` server that writes whatever bytes a test
// gives it (for broken HTTP), and a TLS server with the test certificates (test/fixtures/tls).
import { readFileSync } from 'node:fs'
import { type Server, type Socket, createServer as createNetServer } from 'node:net'
import { type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

export type RawServer = { url: string; requests: string[]; close: () => Promise<void> }

/** Calls `respond` with each connection's socket once a request head (and a body of its Content-Length) has arrived. */
export async function startRawServer(
  respond: (socket: Socket, request: string) => void | Promise<void>,
): Promise<RawServer> {
  const requests: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(text.slice(0, end).match(/content-length:\s*(\d+)/i)?.[1] ?? 0)
      if (text.length < end + 4 + length) return
      requests.push(text)
      text = ''
      void respond(socket, requests[requests.length - 1]!)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

const tls = join(import.meta.dirname, '..', 'fixtures', 'tls')
export const TEST_CA = join(tls, 'ca.crt')

export type TlsServer = { url: string; close: () => Promise<void> }

export async function startTlsServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TlsServer> {
  const server = createHttpsServer(
    { key: readFileSync(join(tls, 'server.key')), cert: readFileSync(join(tls, 'server.crt')) },
    handler,
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
