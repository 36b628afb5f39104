// Credentials found in an imported request (a curl command, a HAR file) never land in the .http
// file: each becomes a variable to set in .env. The same value gets the same name everywhere;
// different values of one kind are numbered (token, token2, …).
export class Credentials {
  readonly found: { readonly name: string; readonly value: string }[] = []
  private readonly names = new Map<string, string>()
  private readonly perKind = new Map<string, number>()

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
    if (keep(value)) return value
    if (/^(proxy-)?authorization$/i.test(name)) {
      const scheme = value.match(/^(Bearer|Token|Basic)\s+(.+)$/i)
      if (!scheme) return this.variable('authorization', value)
      return `${scheme[1]} ${this.variable(/^basic$/i.test(scheme[1]!) ? 'basicAuth' : 'token', scheme[2]!)}`
    }
    if (/^(x-api-key|api-key|x-auth-token|x-goog-api-key|anthropic-api-key)$/i.test(name)) return this.variable('apiKey', value)
    if (/^cookie$/i.test(name)) return this.variable('cookie', value)
    return value
  }

  /** A URL with a credential in its query (`?key=…`, `access_token=…`) written as a variable. */
  url(text: string): string {
    const query = text.indexOf('?')
    if (query < 0) return text
    const params = text.slice(query + 1).split('&').map((pair) => {
      const eq = pair.indexOf('=')
      if (eq < 0 || !/^(api[-_]?key|key|token|access[-_]?token|auth|password|secret)$/i.test(pair.slice(0, eq))) return pair
      let value = pair.slice(eq + 1)
      try { value = decodeURIComponent(value) } catch { /* kept as written */ }
      return `${pair.slice(0, eq)}=${this.variable('apiKey', value)}`
    })
    return `${text.slice(0, query)}?${params.join('&')}`
  }
}
