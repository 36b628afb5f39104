// How requests reach servers, composed in one place: TLS (--cacert, SSL_CERT_FILE, --cert/--key/
// --pass, -k), HTTP/2 (negotiated by ALPN for `HTTP/2` request lines and --http2; h2c with
// --http2-prior-knowledge), unix domain sockets (--unix-socket, `# @unix-socket`), --resolve and
// --connect-to (another address for a host:port, the URL and TLS name unchanged), and the response
// header limit. One keep-alive pool per way of connecting, made when a request first needs it.
import { isIP } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { Dispatcher } from 'undici'
import buildConnector from 'undici/lib/core/connect.js'
import type { Certificate } from '../model.js'
import { Agent } from './http-client.js'
import { type ProxySettings, proxyFor } from './proxy.js'

export type TlsOptions = {
  /** PEM text of the certificate authorities to trust instead of the system's. */
  readonly ca?: readonly string[]
  readonly cert?: string
  readonly key?: string
  readonly passphrase?: string
  readonly insecure: boolean
}

export type TransportOptions = {
  readonly connectTimeoutMs: number
  readonly tls: TlsOptions
  /** Response head size limit, bytes (curl accepts 100 kB; undici's own default is 16 kB). */
  readonly maxHeaderSize: number
  /** `host:port` → where to connect instead (--resolve, --connect-to). */
  readonly connectTo: ReadonlyMap<string, { readonly host: string; readonly port?: number }>
  readonly unixSocket?: string
  /** Every request over HTTP/2 where the server agrees (--http2). */
  readonly http2: boolean
  /** HTTP/2 without TLS and without negotiation (--http2-prior-knowledge). */
  readonly h2c: boolean
  readonly proxy: ProxySettings
  /** Every request to this loopback server over plain HTTP/1.1, whatever its URL names (--replay). */
  readonly replayTo?: { readonly host: string; readonly port: number }
}

/** What one request needs of the transport; `tls` adds an environment's client certificate and verification. */
export type Route = {
  readonly url: string
  readonly unixSocket?: string
  readonly http2?: boolean
  readonly tls?: { readonly cert?: string; readonly key?: string; readonly insecure?: boolean }
}

export class Transport {
  /** The certificate each https origin last presented (`https://host:port`), for the `certificate` query. */
  private readonly certificates = new Map<string, Certificate>()
  private readonly agents = new Map<string, Dispatcher>()
  private readonly tlsIds = new Map<object, number>()
  private readonly proxies = new Map<string, string | undefined>()

  constructor(private readonly options: TransportOptions) {}

  /** How HTTP/2 is offered to a request, if it is (not through a proxy). */
  http2Of(route: Route): 'alpn' | 'h2c' | undefined {
    if (this.options.replayTo || this.proxyOf(route)) return undefined
    if (this.options.h2c) return 'h2c'
    return route.http2 === true || this.options.http2 ? 'alpn' : undefined
  }

  /** The proxy a request goes through, if any (none through a unix socket). */
  proxyOf(route: Route): string | undefined {
    if (this.options.replayTo || (route.unixSocket ?? this.options.unixSocket)) return undefined
    // Decided once per scheme and host: a chain asks it two or three times for every request.
    const origin = route.url.match(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i)?.[0] ?? route.url
    if (this.proxies.has(origin)) return this.proxies.get(origin)
    const proxy = proxyFor(new URL(route.url), this.options.proxy)
    this.proxies.set(origin, proxy)
    return proxy
  }

  /** The certificate the server of this https URL presented when its connection was made. */
  certificateOf(url: string): Certificate | undefined {
    const origin = url.match(/^https:\/\/[^/?#]*/i)?.[0]
    if (!origin) return undefined
    return this.certificates.get(new URL(origin).origin)
  }

  /** Keeps the certificate of each TLS connection, by the origin it was made for. */
  private noteCertificate(options: { protocol: string; hostname: string; port: string }, socket: unknown): void {
    if (options.protocol !== 'https:' || !(socket instanceof TLSSocket)) return
    const peer = socket.getPeerCertificate()
    if (Object.keys(peer).length === 0) return
    const names = (entry: object) =>
      Object.entries(entry)
        .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
        .join(', ')
    const origin = new URL(`https://${options.hostname}${options.port ? `:${options.port}` : ''}`).origin
    this.certificates.set(origin, {
      Subject: names(peer.subject),
      Issuer: names(peer.issuer),
      'Start-Date': new Date(peer.valid_from),
      'Expire-Date': new Date(peer.valid_to),
      'Serial-Number': (peer.serialNumber.toLowerCase().match(/../g) ?? []).join(':'),
    })
  }

  /** The dispatcher for a request: by its proxy, its unix socket and whether it asks for HTTP/2. */
  async dispatcherFor(route: Route): Promise<Dispatcher> {
    if (this.options.replayTo) return this.replaying(this.options.replayTo)
    const socket = route.unixSocket ?? this.options.unixSocket
    const http2 = route.http2 === true || this.options.http2
    const proxy = this.proxyOf(route)
    const tls = route.tls ? { ...this.options.tls, ...route.tls } : this.options.tls
    const key = `${socket ?? ''}\n${http2 ? 'h2' : 'h1'}\n${proxy ?? ''}\n${route.tls ? this.idOf(route.tls) : ''}`
    let agent = this.agents.get(key)
    if (!agent) {
      agent = proxy ? await this.createProxied(proxy, tls) : this.create(socket, http2, tls)
      this.agents.set(key, agent)
    }
    return agent
  }

  private idOf(tls: object): number {
    let id = this.tlsIds.get(tls)
    if (id === undefined) this.tlsIds.set(tls, (id = this.tlsIds.size + 1))
    return id
  }

  /** Through a proxy: CONNECT for https, absolute URLs for http (as curl does), TLS to the server as configured. */
  private async createProxied(proxy: string, tls: TlsOptions): Promise<Dispatcher> {
    // Loaded only for a run that uses a proxy.
    const { default: ProxyAgent } = await import('undici/lib/dispatcher/proxy-agent.js')
    const requestTls = {
      rejectUnauthorized: !tls.insecure,
      ...(tls.ca ? { ca: [...tls.ca] } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    }
    return new ProxyAgent({
      uri: proxy,
      proxyTunnel: false,
      requestTls,
      proxyTls: { timeout: this.options.connectTimeoutMs },
      connect: { timeout: this.options.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      maxHeaderSize: this.options.maxHeaderSize,
    })
  }

  /** One pool whose every connection is a plain TCP one to the replay server (even for an https URL). */
  private replaying(to: { readonly host: string; readonly port: number }): Dispatcher {
    let agent = this.agents.get('replay')
    if (!agent) {
      const connector = buildConnector({ timeout: this.options.connectTimeoutMs }) as (
        options: object,
        callback: unknown,
      ) => unknown
      const connect = (options: object, callback: unknown) =>
        connector(
          { ...options, protocol: 'http:', hostname: to.host, host: to.host, port: String(to.port), servername: null },
          callback,
        )
      agent = new Agent({
        keepAliveTimeout: 30_000,
        maxHeaderSize: this.options.maxHeaderSize,
        connect: connect as unknown as NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'],
      })
      this.agents.set('replay', agent)
    }
    return agent
  }

  close(): Promise<void> {
    return Promise.all([...this.agents.values()].map((a) => a.close().catch(() => {}))).then(() => {})
  }

  private create(socketPath: string | undefined, http2: boolean, tls: TlsOptions): Dispatcher {
    const connect = {
      timeout: this.options.connectTimeoutMs,
      rejectUnauthorized: !tls.insecure,
      ...(tls.ca ? { ca: [...tls.ca] } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
      ...(socketPath ? { socketPath } : {}),
      ...(http2 ? { allowH2: true } : {}),
      ...(this.options.h2c ? { useH2c: true } : {}),
    }
    const base = {
      keepAliveTimeout: 30_000,
      maxHeaderSize: this.options.maxHeaderSize,
      ...(http2 || this.options.h2c ? { allowH2: true } : {}),
      ...(this.options.h2c ? { useH2c: true } : {}),
    }
    // Each connection's certificate is kept for the `certificate` query; with --resolve /
    // --connect-to, the connection goes elsewhere, keeping the URL's host for TLS and the Host header.
    type ConnectOptions = { hostname: string; port: string; protocol: string; servername?: string | null }
    type Callback = (error: Error | null, socket: unknown) => void
    const connector = buildConnector(connect) as (options: ConnectOptions, callback: Callback) => unknown
    const connectTo = this.options.connectTo
    const redirected = (options: ConnectOptions, callback: Callback) => {
      const noted: Callback = (error, socket) => {
        if (!error) this.noteCertificate(options, socket)
        callback(error, socket)
      }
      const port = options.port || (options.protocol === 'https:' ? '443' : '80')
      const target = connectTo.size > 0 ? connectTo.get(`${options.hostname.toLowerCase()}:${port}`) : undefined
      if (!target) return connector(options, noted)
      // The certificate is checked against the URL's host name (an address gets no TLS name).
      const servername = options.servername ?? (isIP(options.hostname) ? null : options.hostname)
      return connector({ ...options, servername, hostname: target.host, port: String(target.port ?? port) }, noted)
    }
    return new Agent({
      ...base,
      connect: redirected as unknown as NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'],
    })
  }
}
