// A real forwarding proxy on loopback: absolute-URL requests are forwarded (http), CONNECT opens a
// tunnel (https). It records what went through it, and may demand credentials (407).
import { type IncomingMessage, createServer, request as httpRequest } from 'node:http'
import { type AddressInfo, type Socket, connect } from 'node:net'

export type ProxyCall = { method: string; target: string; proxyAuthorization?: string }
export type TestProxy = { url: string; calls: ProxyCall[]; close: () => Promise<void> }

export async function startProxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const calls: ProxyCall[] = []
  const sockets = new Set<Socket>()
  const allowed = (req: IncomingMessage) =>
    !options.credentials ||
    req.headers['proxy-authorization'] === `Basic ${Buffer.from(options.credentials).toString('base64')}`
  const record = (req: IncomingMessage, target: string) => {
    calls.push({
      method: req.method ?? '',
      target,
      ...(req.headers['proxy-authorization'] ? { proxyAuthorization: String(req.headers['proxy-authorization']) } : {}),
    })
  }
  const server = createServer((req, res) => {
    record(req, req.url ?? '')
    if (!allowed(req)) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' })
      res.end()
      return
    }
    const target = new URL(req.url ?? '')
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(res)
      },
    )
    upstream.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    record(req, req.url ?? '')
    sockets.add(client)
    client.on('error', () => {})
    if (!allowed(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n')
      return
    }
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
