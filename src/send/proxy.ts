// Which requests go through a proxy, as curl decides it: --proxy, else the environment —
// `http_proxy` for http:// URLs (lower case only, as curl: an upper-case HTTP_PROXY can be set by a
// CGI request's `Proxy:` header), `HTTPS_PROXY`/`https_proxy` for https://, then `ALL_PROXY`/
// `all_proxy`; --noproxy, else `NO_PROXY`/`no_proxy`, names the hosts that bypass it: `*` for all,
// a name matches itself and every host in its domain (`example.com` matches `api.example.com`,
// not `notexample.com`; a leading dot changes nothing), an address matches itself or, with
// `/bits`, its CIDR block (and only address entries match an address). Ports play no part, as in curl.
import { BlockList, isIP } from 'node:net'

export type ProxySettings = {
  /** --proxy: every request through this one ('' turns the environment's off). */
  readonly proxy?: string
  /** --noproxy: overrides NO_PROXY ('' means no host bypasses the proxy). */
  readonly noProxy?: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The proxy URL for a request URL, or undefined for a direct connection. */
export function proxyFor(url: URL, settings: ProxySettings): string | undefined {
  const env = settings.env
  const proxy =
    settings.proxy ??
    (url.protocol === 'https:' ? (env['HTTPS_PROXY'] ?? env['https_proxy']) : env['http_proxy']) ??
    env['ALL_PROXY'] ??
    env['all_proxy']
  if (!proxy) return undefined
  const noProxy = settings.noProxy ?? env['NO_PROXY'] ?? env['no_proxy'] ?? ''
  if (bypasses(url.hostname.replace(/^\[|\]$/g, ''), noProxy)) return undefined
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}` // curl's default scheme
}

export function bypasses(host: string, noProxy: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  const ip = isIP(name)
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return true
    const [address, bits] = entry.split('/')
    const entryIp = isIP(address!.replace(/^\[|\]$/g, ''))
    if (entryIp !== 0) {
      if (ip === 0) continue
      const bare = address!.replace(/^\[|\]$/g, '')
      if (bits === undefined) {
        if (bare === name) return true
        continue
      }
      const list = new BlockList()
      const prefix = Number(bits)
      if (!Number.isInteger(prefix)) continue
      try {
        list.addSubnet(bare, prefix, entryIp === 6 ? 'ipv6' : 'ipv4')
        if (list.check(name, ip === 6 ? 'ipv6' : 'ipv4')) return true
      } catch {
        /* not a subnet curl would take either */
      }
      continue
    }
    if (ip !== 0) continue // an address matches only address entries
    const domain = entry.replace(/^\./, '').replace(/\.$/, '')
    if (name === domain || name.endsWith(`.${domain}`)) return true
  }
  return false
}
