// The cookie jar of a run (of each file, in `test`): `Set-Cookie` from any response — a redirect's
// too — is kept by RFC 6265's rules (domain, path, secure, expiry; tough-cookie applies them) and
// sent back on later requests to the places it belongs. A `Cookie:` header written in the file is
// sent as written, and the jar adds the cookies of other names (as JetBrains merges them).
// --cookie-jar FILE reads the jar before the run and writes it after, in the Netscape format curl
// reads and writes. tough-cookie loads only when a response sets a cookie or a jar file is named.
import type { Cookie, CookieJar } from 'tough-cookie'
import type { Dispatcher } from 'undici'
import type { HttpRequest } from '../model.js'

let library: typeof import('tough-cookie') | undefined

async function loadLibrary(): Promise<typeof import('tough-cookie')> {
  library ??= await import('tough-cookie')
  return library
}

/** Loads the cookie library ahead of a run that reads a jar file (`read` is then synchronous). */
export async function prepareCookies(): Promise<void> {
  await loadLibrary()
}

export class Cookies {
  private jar: CookieJar | undefined

  /** `onValue` hears every cookie value the jar takes in, so it can be masked. */
  constructor(private readonly onValue: (name: string, value: string) => void = () => {}) {}

  /** The `Cookie` header for a URL, merged with one written in the file; undefined when there is none. */
  headerFor(url: string, written: string | undefined): string | undefined {
    const cookies = this.jar?.getCookiesSync(url) ?? []
    if (cookies.length === 0) return written
    const taken = new Set(
      (written ?? '')
        .split(';')
        .map((pair) => pair.split('=')[0]!.trim())
        .filter(Boolean),
    )
    const added = cookies.filter((c) => !taken.has(c.key)).map((c) => c.cookieString())
    return [written, ...added].filter((part) => part !== undefined && part !== '').join('; ') || undefined
  }

  /** Takes the `Set-Cookie` headers of a response to `url`. */
  async store(url: string, setCookies: readonly string[]): Promise<void> {
    if (setCookies.length === 0) return
    const jar = await this.ensureJar()
    for (const header of setCookies) {
      const cookie = jar.setCookieSync(header, url, { ignoreError: true }) as Cookie | undefined
      if (cookie) this.onValue(cookie.key, cookie.value)
    }
  }

  /** Reads a Netscape cookie file (curl's `-c` format); prepareCookies() must have run. */
  read(text: string): void {
    if (!/^(#HttpOnly_)?[^#\s]/m.test(text)) return // no cookie in it
    if (!library) throw new Error('prepareCookies() must run before a cookie file is read')
    this.jar ??= new library.CookieJar()
    const jar = this.jar
    const { Cookie } = library
    for (const raw of text.split(/\r?\n/)) {
      const httpOnly = raw.startsWith('#HttpOnly_')
      const line = httpOnly ? raw.slice('#HttpOnly_'.length) : raw
      if (line.trim() === '' || line.startsWith('#')) continue
      const [domain, includeSubdomains, path, secure, expires, name, value = ''] = line.split('\t')
      if (!domain || name === undefined) continue
      const host = domain.replace(/^\./, '')
      const cookie = new Cookie({
        key: name,
        value,
        domain: host,
        path: path || '/',
        secure: secure === 'TRUE',
        httpOnly,
        hostOnly: includeSubdomains !== 'TRUE',
        ...(expires && expires !== '0' ? { expires: new Date(Number(expires) * 1000) } : {}),
      })
      jar.setCookieSync(cookie, `${cookie.secure ? 'https' : 'http'}://${host}${cookie.path}`, { ignoreError: true })
      this.onValue(name, value)
    }
  }

  /** The jar as a Netscape cookie file; session cookies are kept with expiry 0, as curl does. */
  async toNetscape(): Promise<string> {
    const lines = [
      '# Netscape HTTP Cookie File',
      '# Written by reqchain; curl reads it with -b and writes it with -c.',
      '',
    ]
    const cookies = this.jar ? (await this.jar.serialize()).cookies : []
    for (const c of cookies) {
      const domain = `${c.hostOnly ? '' : '.'}${String(c.domain ?? '')}`
      const expires =
        c.expires && c.expires !== 'Infinity' ? Math.floor(new Date(String(c.expires)).getTime() / 1000) : 0
      lines.push(
        `${c.httpOnly ? '#HttpOnly_' : ''}${domain}\t${c.hostOnly ? 'FALSE' : 'TRUE'}\t${String(c.path ?? '/')}\t${c.secure ? 'TRUE' : 'FALSE'}\t${expires}\t${String(c.key)}\t${String(c.value ?? '')}`,
      )
    }
    return `${lines.join('\n')}\n`
  }

  private async ensureJar(): Promise<CookieJar> {
    if (!this.jar) {
      const { CookieJar } = await loadLibrary()
      this.jar = new CookieJar()
    }
    return this.jar
  }
}

/** The request with the jar's cookies for its URL merged into its `Cookie` header. */
export function withJarCookies(request: HttpRequest, cookies: Cookies): HttpRequest {
  const index = request.headers.findIndex(([name]) => name.toLowerCase() === 'cookie')
  const written = index >= 0 ? request.headers[index]![1] : undefined
  const merged = cookies.headerFor(request.url, written)
  if (merged === written) return request
  const headers = [...request.headers]
  if (index >= 0) headers[index] = [headers[index]![0], merged!]
  else headers.push(['Cookie', merged!])
  return { ...request, headers }
}

export async function storeCookies(
  cookies: Cookies,
  url: string,
  headers: Dispatcher.ResponseData['headers'],
): Promise<void> {
  const value = headers['set-cookie']
  if (value === undefined) return
  await cookies.store(url, Array.isArray(value) ? value : [value])
}
