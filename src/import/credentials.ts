// Credentials found in an imported request (a curl command, a HAR file) never land in the .http
// file: each becomes a variable to set in .env. The same value gets the same name everywhere;
// different values of one kind are numbered (token, token2, …).
export class Credentials {
  readonly found: { readonly name: string; readonly value: string }[] = []
  private readonly names = new Map<string, string>()
  private readonly perKind = new Map<string, number>()

  /** `literal` writes text that is kept as the .http file must hold it (a literal `{{` escaped). */
  constructor(private readonly literal: (text: string) => string = (text) => text) {}

  /** `{{name}}` for the value, the name chosen once per value. */
  variable(kind: string, value: string): string {
    let name = this.names.get(value)
    if (name === undefined) {
      const count = (this.perKind.get(kind) ?? 0) + 1
      this.perKind.set(kind, count)
      name = count === 1 ? kind : `${kind}${count}`
      this.names.set(value, name)
      this.found.push({ name, value })
    }
    return `{{${name}}}`
  }

  /**
   * A header's value as the file writes it: a token, API key or session cookie as a variable,
   * anything else as it is. `keep` says a part is already a reference (a `$VAR` from a shell).
   */
  header(name: string, value: string, keep: (text: string) => boolean = () => false): string {
    if (keep(value)) return this.literal(value)
    if (/^(proxy-)?authorization$/i.test(name)) {
      const scheme = value.match(/^(Bearer|Token|Basic)\s+(.+)$/i)
      if (!scheme) return this.variable('authorization', value)
      return `${scheme[1]} ${this.variable(/^basic$/i.test(scheme[1]!) ? 'basicAuth' : 'token', scheme[2]!)}`
    }
    if (/^(x-api-key|api-key|x-auth-token|x-goog-api-key|anthropic-api-key)$/i.test(name))
      return this.variable('apiKey', value)
    if (/^cookie$/i.test(name)) return this.variable('cookie', value)
    return this.literal(value)
  }

  /**
   * A URL with its credentials written as variables: a password in it (`https://user:pass@host`)
   * and a credential in its query (`?key=…`, `access_token=…`).
   */
  url(text: string): string {
    let written = ''
    let rest = text
    const userinfo = rest.match(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*):([^/?#@]*)@/i)
    if (userinfo) {
      written = `${this.literal(userinfo[1]!)}${this.literal(userinfo[2]!)}:${this.variable('password', decoded(userinfo[3]!))}@`
      rest = rest.slice(userinfo[0].length)
    }
    const query = rest.indexOf('?')
    if (query < 0) return written + this.literal(rest)
    const params = rest
      .slice(query + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        if (eq < 0 || !/^(api[-_]?key|key|token|access[-_]?token|auth|password|secret)$/i.test(pair.slice(0, eq)))
          return this.literal(pair)
        return `${this.literal(pair.slice(0, eq))}=${this.variable('apiKey', decoded(pair.slice(eq + 1)))}`
      })
    return `${written}${this.literal(rest.slice(0, query))}?${params.join('&')}`
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text // not percent-encoding: kept as written
  }
}
