// Where a redirect may take a request, and what it may carry there. The rules, as curl and
// browsers apply them, made strict for a tool that holds API keys:
//   - 301/302/303 become GET (HEAD stays HEAD) without their body; 307/308 keep method and body;
//   - to another origin (scheme, host or port differs: `localhost` and `127.0.0.1` are two origins)
//     every secret header is dropped, and so is any header whose value holds a known secret; a
//     307/308 that would carry a body holding a secret there is refused;
//   - https → http is not followed unless asked for (--allow-http-redirect): credentials never
//     travel in clear text because of a server's answer;
//   - a Location that is not a URL, or not http(s), and more hops than the limit, are errors.
import { SendError } from '../errors.js'
import type { HttpRequest, SourceSpan } from '../model.js'
import { type Secrets, isSecretHeader } from '../secrets.js'

export type RedirectPolicy = {
  readonly follow: boolean
  /** Hops followed before the run fails with "too many redirects" (curl's --max-redirs). */
  readonly max: number
  readonly allowHttpDowngrade: boolean
  readonly secrets?: Secrets
}

export const DEFAULT_MAX_REDIRECTS = 10
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

export function isRedirect(status: number, location: string | undefined): location is string {
  return location !== undefined && REDIRECT_STATUSES.has(status)
}

/** The request to send after `current` was answered with `status` and `location`; `hop` counts from 1. */
export function followRedirect(
  current: HttpRequest,
  status: number,
  location: string,
  hop: number,
  visited: ReadonlySet<string>,
  policy: RedirectPolicy,
  span: SourceSpan | undefined,
): HttpRequest {
  const from = `${current.method} ${masked(current.url, policy)}`
  if (hop > policy.max) {
    const loop = visited.has(resolveQuietly(location, current.url) ?? '')
      ? ' (the server sends the same URLs round in a loop)'
      : ''
    throw new SendError(
      'SEND_REDIRECT',
      `Too many redirects: more than ${policy.max}${loop}: ${from}`,
      span,
      'raise the limit with --max-redirs N, or stop following with --no-follow / # @no-redirect to see the 3xx itself',
    )
  }
  let next: URL
  try {
    next = new URL(location, current.url)
  } catch {
    throw new SendError(
      'SEND_REDIRECT',
      `The server redirected to an invalid URL \`${masked(location, policy)}\`: ${from}`,
      span,
      'the Location header of the response is not a URL; add # @no-redirect to see the response itself',
    )
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new SendError(
      'SEND_REDIRECT',
      `The server redirected to a \`${next.protocol.slice(0, -1)}:\` URL, which is never followed: ${from}`,
      span,
      'reqchain follows redirects to http:// and https:// URLs only',
    )
  }
  const origin = new URL(current.url)
  if (origin.protocol === 'https:' && next.protocol === 'http:' && !policy.allowHttpDowngrade) {
    throw new SendError(
      'SEND_REDIRECT',
      `The server redirected from https to plain http (${masked(next.href, policy)}), which is not followed: ${from}`,
      span,
      'credentials would travel unencrypted; --allow-http-redirect follows it anyway (without the secret headers)',
    )
  }
  const keepMethod = status === 307 || status === 308
  const sameOrigin = next.origin === origin.origin
  const secrets = policy.secrets
  if (!sameOrigin && keepMethod && current.body && secrets?.containsSecret(new TextDecoder().decode(current.body))) {
    throw new SendError(
      'SEND_REDIRECT',
      `A ${status} redirect to another origin (${next.origin}) would re-send a body that holds a secret; not followed: ${from}`,
      span,
      'point the request at the final URL, or add # @no-redirect',
    )
  }
  const headers = current.headers.filter(([name, value]) => {
    if (!keepMethod && /^content-(type|length|encoding)$/i.test(name)) return false
    if (sameOrigin) return true
    return !isSecretHeader(name) && !secrets?.containsSecret(value)
  })
  return {
    method: keepMethod ? current.method : current.method === 'HEAD' ? 'HEAD' : 'GET',
    url: next.href,
    headers,
    ...(keepMethod && current.body ? { body: current.body } : {}),
  }
}

function resolveQuietly(location: string, base: string): string | undefined {
  try {
    return new URL(location, base).href
  } catch {
    return undefined
  }
}

function masked(text: string, policy: RedirectPolicy): string {
  return policy.secrets ? policy.secrets.mask(text) : text
}
