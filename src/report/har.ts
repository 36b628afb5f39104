// The HAR report (`--report har=FILE`): the run as HAR 1.2, which browsers' devtools, Charles,
// Fiddler, Insomnia and Postman import. One entry per request that was sent, with its timings
// (wait = time to the first byte, receive = the body); a request that got no response has status 0
// and says why in its comment. Secrets are masked as in every report; bodies are cut at 1 MiB.
import type { Exchange, HeaderPairs, HttpRequest } from '../model.js'
import type { StepResult } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import { VERSION } from '../version.js'
import { bodyText, maskedBody, round } from './json.js'
import type { ReportFormatter } from './formatter.js'

export function harFormatter(secrets: Secrets): ReportFormatter {
  let entries = 0
  return {
    step: (step) => {
      const entry = entryOf(step, secrets)
      if (!entry) return ''
      return `${entries++ === 0 ? '\n' : ',\n'}${JSON.stringify(entry, null, 2).replace(/^/gm, '      ')}`
    },
    finish: () => ({
      head: `{\n  "log": {\n    "version": "1.2",\n    "creator": { "name": "reqchain", "version": ${JSON.stringify(VERSION)} },\n    "pages": [],\n    "entries": [`,
      tail: entries === 0 ? ']\n  }\n}\n' : '\n    ]\n  }\n}\n',
    }),
  }
}

function entryOf(step: StepResult, secrets: Secrets): unknown {
  const request = step.exchange?.request ?? step.request
  if (step.skipped || !request) return undefined
  const exchange = step.exchange
  const timings = exchange?.timings
  const where = `${step.file.path}:${step.template.span.line}${step.template.name ? ` (${step.template.name})` : ''}${step.row !== undefined ? `, row ${step.row}` : ''}`
  return {
    startedDateTime: timings?.startedAt ?? new Date().toISOString(),
    time: round(timings?.totalMs ?? 0),
    request: requestOf(request, exchange, secrets),
    response: exchange ? responseOf(exchange, secrets) : noResponse(),
    cache: {},
    timings: {
      blocked: -1,
      dns: -1,
      connect: -1,
      ssl: -1,
      send: 0,
      wait: round(timings?.ttfbMs ?? 0),
      receive: round(Math.max(0, (timings?.totalMs ?? 0) - (timings?.ttfbMs ?? 0))),
    },
    comment: step.error ? `${where}: ${secrets.mask(step.error.message)}` : where,
  }
}

function requestOf(request: HttpRequest, exchange: Exchange | undefined, secrets: Secrets) {
  const url = new URL(request.url)
  const type = header(request.headers, 'content-type')
  const body = maskedBody(bodyText(request.body), secrets, request.body)
  return {
    method: request.method,
    url: secrets.mask(request.url),
    httpVersion: httpVersion(exchange?.httpVersion ?? '1.1'),
    cookies: cookiesOf(header(request.headers, 'cookie'), secrets),
    headers: headersOf(request.headers, secrets),
    queryString: [...url.searchParams].map(([name, value]) => ({
      name: secrets.mask(name),
      value: secrets.mask(value),
    })),
    ...(request.body && request.body.length > 0
      ? {
          postData: {
            mimeType: type ?? 'application/octet-stream',
            ...(body.body !== null ? { text: body.body } : { text: body.bodyBase64 ?? '', comment: 'base64' }),
          },
        }
      : {}),
    headersSize: -1,
    bodySize: request.body?.length ?? 0,
  }
}

function responseOf(exchange: Exchange, secrets: Secrets) {
  const body = exchange.bodyWrittenTo ? { body: null } : maskedBody(bodyText(exchange.body), secrets, exchange.body)
  const setCookies = exchange.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v.split(';')[0]!)
  return {
    status: exchange.status,
    statusText: exchange.statusText,
    httpVersion: httpVersion(exchange.httpVersion),
    cookies: setCookies.flatMap((c) => cookiesOf(c, secrets)),
    headers: headersOf(exchange.headers, secrets),
    content: {
      size: exchange.bodySize,
      mimeType: header(exchange.headers, 'content-type') ?? 'application/octet-stream',
      ...(body.body !== null
        ? { text: body.body }
        : 'bodyBase64' in body && body.bodyBase64 !== undefined
          ? { text: body.bodyBase64, encoding: 'base64' }
          : {}),
      ...(exchange.bodyWrittenTo
        ? { comment: `written to ${exchange.bodyWrittenTo}` }
        : 'bodyTruncated' in body && body.bodyTruncated
          ? { comment: `cut at ${body.bodyTruncated.keptBytes} of ${body.bodyTruncated.totalBytes} bytes` }
          : {}),
    },
    redirectURL: secrets.mask(header(exchange.headers, 'location') ?? ''),
    headersSize: -1,
    bodySize: exchange.bodySize,
  }
}

function noResponse() {
  return {
    status: 0,
    statusText: '',
    httpVersion: '',
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: 'x-unknown' },
    redirectURL: '',
    headersSize: -1,
    bodySize: -1,
  }
}

function header(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1]
}

function headersOf(headers: HeaderPairs, secrets: Secrets) {
  return headers.map(([name, value]) => ({ name, value: secrets.maskHeader(name, value) }))
}

function cookiesOf(text: string | undefined, secrets: Secrets) {
  if (!text) return []
  return text
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=')
      return { name: at < 0 ? pair : pair.slice(0, at), value: secrets.mask(at < 0 ? '' : pair.slice(at + 1)) }
    })
}

function httpVersion(version: string): string {
  return version.startsWith('HTTP/') || version === '' ? version : `HTTP/${version}`
}
