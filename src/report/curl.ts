// toCurl(request) → a command a user can paste into a POSIX shell and get the same request:
//   curl -X POST 'http://h/v1/chat/completions' -H 'Authorization: Bearer $OPENAI_API_KEY' --json '{"model":…}'
// Quoting is single quotes with '\'' for embedded ones, which is exact for any byte but NUL.
// Secret values become "$NAME" references (double-quoted so the shell expands them).
import { type HttpRequest, headerValue } from '../model.js'
import { type Secrets, isSecretHeader } from '../secrets.js'

const textDecoder = new TextDecoder('utf-8', { fatal: true })

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * A value known only at run time (a capture, a response reference), standing in a rendered request
 * that was not sent: exported as the shell variable of that name, `"$token"`.
 */
export function shellStandIn(name: string): string {
  return `\uE100${shellVariable(name)}\uE101`
}
/** A stand-in as written, or percent-encoded where it landed in a URL. */
const STAND_IN = /\uE100([^\uE101]*)\uE101|%EE%84%80(\w*)%EE%84%81/g

/** Quotes text for the shell, turning secret values and stand-ins into "$NAME" expansions. */
function quoteMasked(text: string, secrets: Secrets | undefined): string {
  const marker = '\u0000'
  const withStandIns = text.replace(STAND_IN, (_, written: string | undefined, encoded: string | undefined) => `${marker}${written ?? encoded}${marker}`)
  if (!secrets && withStandIns === text) return shellQuote(text)
  const masked = secrets ? secrets.mask(withStandIns, (secret) => `${marker}${secret.name}${marker}`) : withStandIns
  if (!masked.includes(marker)) return shellQuote(masked)
  return masked.split(marker).map((piece, i) => (i % 2 === 1 ? `"$${shellVariable(piece)}"` : piece === '' ? '' : shellQuote(piece))).join('')
}

function shellVariable(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

export type CurlOptions = {
  readonly secrets?: Secrets
  readonly stream?: boolean
  /** `-L`: the request follows redirects, as reqchain did (curl keeps custom headers across hosts, reqchain does not). */
  readonly followRedirects?: boolean
  /** `-k`: the run accepted any certificate (--insecure). */
  readonly insecure?: boolean
}

export function toCurl(request: HttpRequest, options: CurlOptions = {}): string {
  const parts = ['curl']
  if (options.stream) parts.push('-N')
  if (options.followRedirects) parts.push('-L')
  if (options.insecure) parts.push('-k')
  const hasBody = request.body !== undefined && request.body.length > 0
  const contentType = headerValue(request.headers, 'content-type') ?? ''
  const accept = headerValue(request.headers, 'accept')
  let text: string | undefined
  if (hasBody) {
    try {
      text = textDecoder.decode(request.body)
    } catch {
      text = undefined
    }
  }
  // --json sets Content-Type and Accept itself; use it only when that changes nothing.
  const useJson = text !== undefined && /^application\/json$/i.test(contentType.trim()) && (accept === undefined || accept === 'application/json')
  const impliedMethod = hasBody ? 'POST' : 'GET'
  if (request.method === 'HEAD') parts.push('--head')
  else if (request.method !== impliedMethod) parts.push(`-X ${request.method}`)
  parts.push(quoteMasked(request.url, options.secrets))
  for (const [name, value] of request.headers) {
    if (useJson && /^(content-type|accept)$/i.test(name)) continue
    // A secret header whose value came from no known variable cannot become "$NAME": mask it.
    const unknownSecret = options.secrets && !options.secrets.revealing && isSecretHeader(name) && options.secrets.mask(value) === value && !value.includes('\uE100')
    parts.push(`-H ${unknownSecret ? shellQuote(`${name}: ${options.secrets!.maskHeader(name, value)}`) : quoteMasked(`${name}: ${value}`, options.secrets)}`)
  }
  // Without a Content-Type of the request's own, curl would add a form one for -d: remove it.
  if (hasBody && !useJson && !contentType) parts.push(`-H ${shellQuote('Content-Type:')}`)
  let input = ''
  if (hasBody) {
    if (text === undefined || text.includes('\0')) {
      // Binary bodies go through printf's octal escapes on stdin: exact for every byte, NUL included.
      input = `printf '${[...request.body!].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}' | `
      parts.push('--data-binary @-')
    } else {
      parts.push(`${useJson ? '--json' : '--data-raw'} ${quoteMasked(text, options.secrets)}`)
    }
  }
  return input + parts.join(' \\\n  ')
}
