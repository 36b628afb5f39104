// What went wrong while sending, in words: every error undici or the socket raises becomes a
// SendError that says what failed, after what, and the flag or fix that helps — a timeout names
// its limit, a TLS failure the certificate and --cacert, -k or --cert.
import { SendError } from '../errors.js'
import type { SourceSpan } from '../model.js'
import type { Deadline } from './deadline.js'

/** A stream that ended badly: its partial exchange rides on the error. */
export class StreamFailure extends SendError {
  override name = 'StreamFailure'
}

/** What a failure's message draws on from the request's options. */
export type FailureContext = {
  readonly maxTimeMs: number
  readonly idleTimeoutMs: number
  readonly signal?: AbortSignal
  readonly via?: string
  readonly span?: SourceSpan
}

export function mapError(
  error: unknown,
  describe: string,
  options: FailureContext,
  deadline: Deadline,
  when: string,
): SendError {
  if (error instanceof SendError) return error
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code
  const seconds = (ms: number) => `${ms / 1000} s`
  const span = options.span
  if (options.signal?.aborted) return new SendError('SEND_INTERRUPTED', `Interrupted ${when}: ${describe}`, span)
  if (deadline.timedOut) {
    return new SendError(
      'SEND_TIMEOUT',
      `Timed out (no complete response within ${seconds(options.maxTimeMs)}) ${when}: ${describe}`,
      span,
      'raise --max-time or --timeout (seconds; 0 for no limit), or # @timeout on the request',
      { cause: error },
    )
  }
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new SendError(
      'SEND_TIMEOUT',
      `Timed out (no data for ${seconds(options.idleTimeoutMs)}) ${when}: ${describe}`,
      span,
      'raise --idle-timeout or --timeout (seconds; 0 for no limit), or # @timeout on the request',
      { cause: error },
    )
  }
  const proxyAnswer = /^Proxy response \((\d+)\)|Proxy Authentication Required \((\d+)\)/.exec(
    (error as Error | undefined)?.message ?? '',
  )
  if (
    options.via &&
    (code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EAI_AGAIN' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      proxyAnswer)
  ) {
    const status = proxyAnswer?.[1] ?? proxyAnswer?.[2]
    return new SendError(
      'SEND_CONNECT',
      status
        ? `The proxy ${options.via} refused the request (HTTP ${status}): ${describe}`
        : `Cannot connect to the proxy ${options.via} (${code}): ${describe}`,
      span,
      status === '407'
        ? 'the proxy wants credentials: give them in its URL, http://user:pass@proxy:port'
        : 'check the proxy (--proxy, or http_proxy / HTTPS_PROXY), or bypass it with --noproxy',
      { cause: error },
    )
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new SendError(
      'SEND_TIMEOUT',
      `Connection timed out: ${describe}`,
      span,
      'is the host reachable? raise --connect-timeout if it is slow',
      { cause: error },
    )
  }
  if (code === 'ECONNREFUSED') {
    return new SendError(
      'SEND_CONNECT',
      `Connection refused: ${describe}`,
      span,
      'is the server running on that port? To try without one, add --mock',
      { cause: error },
    )
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new SendError(
      'SEND_CONNECT',
      `Cannot resolve the host: ${describe}`,
      span,
      'check the host name in the URL (or baseUrl)',
      { cause: error },
    )
  }
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|OSSL|VERIFY|^UNABLE_TO_/.test(code))
    return tlsError(code, error as Error, describe, span)
  if (
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_CLOSED' ||
    code === 'HPE_INVALID_EOF_STATE'
  ) {
    // Over TLS 1.3 a server that wants a client certificate says so only by closing the connection.
    const hint =
      when === 'before a response arrived' && describe.includes(' https://')
        ? 'the server dropped the connection; if it asks for a client certificate, give one with --cert FILE (--key, --pass)'
        : 'the server dropped the connection; what arrived is kept'
    return new StreamFailure('STREAM_INCOMPLETE', `The server closed the connection ${when}: ${describe}`, span, hint, {
      cause: error,
    })
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'HPE_HEADER_OVERFLOW') {
    return new SendError(
      'SEND_TOO_LARGE',
      `The response's head is larger than --max-header-size allows (100k unless set) ${when}: ${describe}`,
      span,
      'raise it with --max-header-size 1M if the server is meant to send such headers',
      { cause: error },
    )
  }
  if ((error as Error).name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'))) {
    return new SendError(
      'SEND_FAILED',
      `The server sent malformed HTTP (${(error as Error).message}) ${when}: ${describe}`,
      span,
      'the response does not follow HTTP/1.1; what arrived is kept',
      { cause: error },
    )
  }
  if (
    code === 'Z_DATA_ERROR' ||
    code === 'Z_BUF_ERROR' ||
    code === 'ERR__ERROR_FORMAT_PADDING_1' ||
    (typeof code === 'string' && code.startsWith('ERR_BROTLI'))
  ) {
    return new SendError(
      'SEND_FAILED',
      `The response body could not be decompressed ${when}: ${describe}`,
      span,
      undefined,
      { cause: error },
    )
  }
  if (
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'ERR_INVALID_ARG_VALUE' ||
    code === 'ERR_INVALID_CHAR' ||
    code === 'ERR_INVALID_URL'
  ) {
    return new SendError(
      'SEND_FAILED',
      `Invalid request: ${(error as Error).message}: ${describe}`,
      span,
      'check header names and values',
      { cause: error },
    )
  }
  return new SendError(
    'SEND_FAILED',
    `${(error as Error).message || 'Request failed'} ${when}: ${describe}`,
    span,
    undefined,
    { cause: error },
  )
}

/** TLS failures say which certificate failed and the flag that fixes it. */
function tlsError(code: string, error: Error, describe: string, span: SourceSpan | undefined): SendError {
  const fail = (what: string, hint: string) =>
    new SendError('SEND_CONNECT', `TLS error (${code}): ${what}: ${describe}`, span, hint, { cause: error })
  if (/CERT_REQUIRED|HANDSHAKE_FAILURE/.test(code) || /certificate required|handshake failure/i.test(error.message)) {
    return fail(
      'the server asks for a client certificate',
      'give one with --cert FILE (and --key FILE, --pass if the key is encrypted)',
    )
  }
  if (/BAD_DECRYPT|BAD_PASSWORD/.test(code))
    return fail('the client key could not be decrypted', "check --pass (the key's passphrase)")
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return fail(
      `the server's certificate is not for this host (${error.message.replace(/^.*?: /, '')})`,
      'use the host name the certificate names, or -k to accept it anyway',
    )
  if (code === 'CERT_HAS_EXPIRED')
    return fail("the server's certificate has expired", 'renew it on the server, or -k to accept it anyway')
  return fail(
    "the server's certificate is not signed by a CA this run trusts",
    'trust its CA with --cacert FILE (or SSL_CERT_FILE), or -k to accept any certificate',
  )
}
