// What is secret in a run, and masking it wherever reqchain writes it.
//
// Secret values: .env values (unless plainly configuration), http-client.private.env.json, variables
// named with --secret, variables whose name looks secret (`token`, `*_key`, `password`, …) whether
// set or captured, the password of any URL-shaped value (`postgres://u:PASS@h/db`), and the values of
// secret response headers (`Set-Cookie`). Secret headers (`Authorization`, `Cookie`, `X-Api-Key`, …)
// are masked by name.
//
// A value is masked in every form reqchain may write it in: as is, JSON-escaped (and escaped twice,
// as inside the JSON report's strings), percent-encoded (as in a URL or a form), and base64 (Basic
// auth, `bodyBase64`), at each of the three byte alignments a base64 text can hold it at.
import type { HeaderPairs } from './model.js'

export type SecretSource = 'dotenv' | 'private-env' | 'flag' | 'name' | 'url' | 'response'
export type Secret = { readonly name: string; readonly value: string; readonly source: SecretSource }

export const MASK = '********'
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-goog-api-key|anthropic-api-key|openai-api-key|x-csrf-token|x-xsrf-token|x-amz-security-token|private-token|x-access-token)$/i
/** Names that say their value is a credential; `author`, `keyboard` and `monkey` do not. */
const SECRET_NAME =
  /token|secret|passw(or)?d|passwd|pwd|credential|cookie|session|bearer|jwt|signature|auth(?!or)|(^|[_\-.])key$|[a-z0-9]Key$|^key$|api_?key|private_?key/i
/**
 * `scheme://user:password@host`: the password part, whatever the variable is called. Bounded and
 * anchored at a word start, so a 100 kB run of letters is scanned once, not once per position.
 */
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,256}:)([^\s/?#@"'<>]{1,256})@/gi

export class Secrets {
  /** Every written form of every secret value → the secret. */
  private readonly byForm = new Map<string, Secret>()
  private readonly values = new Set<string>()
  private pattern: RegExp | undefined
  private bytePattern: RegExp | undefined
  private learned = 0

  constructor(
    private readonly names: ReadonlySet<string> = new Set(),
    private readonly reveal = false,
  ) {}

  add(secret: Secret): void {
    // Very short values would mask innocent text everywhere ("1", "on").
    if (secret.value.length < 4 || this.values.has(secret.value)) return
    this.values.add(secret.value)
    for (const form of formsOf(secret.value)) if (!this.byForm.has(form)) this.byForm.set(form, secret)
    this.pattern = undefined
    this.learned++
    this.bytePattern = undefined
    // A URL-shaped secret also hides its own password wherever that appears alone.
    for (const password of urlPasswords(secret.value)) this.add({ ...secret, value: password })
  }

  /** A variable's value from --var, a capture or a script: secret when named so, or holding a URL password. */
  noteVariable(name: string, value: unknown): void {
    if (typeof value !== 'string') return
    if (this.names.has(name)) this.add({ name, value, source: 'flag' })
    else if (isSecretName(name)) this.add({ name, value, source: 'name' })
    else for (const password of urlPasswords(value)) this.add({ name, value: password, source: 'url' })
  }

  /** Values of secret response headers: a `Set-Cookie` value, captured or not, never shows. */
  noteResponseHeaders(headers: HeaderPairs): void {
    for (const [name, value] of headers) {
      if (!SECRET_HEADER.test(name)) continue
      const lower = name.toLowerCase()
      if (lower === 'set-cookie' || lower === 'cookie') {
        // `Set-Cookie: sid=VALUE; Path=/` holds one cookie; a `Cookie:` header several.
        for (const pair of lower === 'cookie' ? value.split(';') : [value.split(';')[0]!]) {
          const at = pair.indexOf('=')
          if (at > 0) this.add({ name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), source: 'response' })
        }
      } else {
        this.add({ name, value: value.replace(/^(Bearer|Basic|Token)\s+/i, ''), source: 'response' })
      }
    }
  }

  /** Replaces every secret (in any of its forms) in the text; `replacement` may name the variable (curl export). */
  mask(text: string, replacement: (secret: Secret) => string = () => MASK): string {
    if (this.reveal) return text
    let masked = text
    if (this.byForm.size > 0) {
      this.pattern ??= new RegExp(
        [...this.byForm.keys()]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'g',
      )
      masked = masked.replace(this.pattern, (form) => replacement(this.byForm.get(form)!))
    }
    // A password written in a URL, known or not; one already replaced (by a mask or a curl `$NAME`) stays as it is.
    return masked.includes('://')
      ? masked.replace(URL_PASSWORD, (whole, head: string, password: string) =>
          password.includes('\u0000') || password === MASK ? whole : `${head}${MASK}@`,
        )
      : masked
  }

  /**
   * Bytes that are not text (an image, a protobuf) with every secret's forms masked where their
   * UTF-8 bytes appear: the bytes are read one character per byte (latin1), so nothing else moves.
   */
  maskBytes(bytes: Uint8Array): Uint8Array {
    if (this.reveal || this.byForm.size === 0) return bytes
    this.bytePattern ??= new RegExp(
      [...this.byForm.keys()]
        .map((form) => Buffer.from(form, 'utf8').toString('latin1'))
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    )
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    this.bytePattern.lastIndex = 0
    if (!this.bytePattern.test(text)) return bytes
    return Buffer.from(text.replace(this.bytePattern, MASK), 'latin1')
  }

  /** Whether the text holds a secret in any form (redirects use it to decide what may travel). */
  containsSecret(text: string): boolean {
    if (this.byForm.size === 0) return false
    this.pattern ??= new RegExp(
      [...this.byForm.keys()]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    )
    this.pattern.lastIndex = 0
    return this.pattern.test(text)
  }

  maskHeader(name: string, value: string): string {
    if (this.reveal) return value
    // A stand-in for a value known only at run time (dry run, curl export) shows what it stands for.
    if (SECRET_HEADER.test(name) && !value.includes('\uE100')) {
      const scheme = value.match(/^(Bearer|Basic|Token|Digest)\s+/i)
      return scheme ? `${scheme[0]}${MASK}` : MASK
    }
    return this.mask(value)
  }

  /** How many secret values are known: text masked at one count needs masking again only at a higher one. */
  get known(): number {
    return this.learned
  }

  get revealing(): boolean {
    return this.reveal
  }
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name)
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

function urlPasswords(value: string): string[] {
  if (!value.includes('://')) return []
  const out: string[] = []
  for (const match of value.matchAll(URL_PASSWORD)) {
    out.push(match[2]!)
    try {
      const decoded = decodeURIComponent(match[2]!)
      if (decoded !== match[2]) out.push(decoded)
    } catch {
      /* not percent-encoding: the raw form is enough */
    }
  }
  return out
}

/** The forms in which reqchain itself may write a value. */
function formsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1)
  const forms = new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    value.replace(/%(?![0-9A-Fa-f]{2})|[^\x21-\x7E]/gu, (c) => encodeURIComponent(c)),
    ...base64Forms(value),
  ])
  return [...forms].filter((form) => form.length >= 4)
}

/**
 * A value inside a longer base64 text shows as a run of characters that depends on where it
 * starts within a 3-byte group; the characters made only of the value's own bits are the same
 * whatever surrounds it. Those runs, for each of the three alignments, in base64 and base64url.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const forms: string[] = []
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64')
    const start = Math.ceil((8 * k) / 6)
    const end = Math.floor((8 * (k + bytes.length)) / 6)
    const run = encoded.slice(start, end)
    if (run.length >= 6) forms.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  forms.push(bytes.toString('base64'))
  return forms
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
