// Queries on an exchange: `$.json.path`, `header NAME`, `status`, `body`, `regex "…"`, `duration`,
// `var NAME`. Every query yields a list of matches; captures and assertions decide what a list means.
import { ExtractError, tooDeep } from '../errors.js'
import type { Exchange, Query, SourceSpan } from '../model.js'
import { JSONPATH_HINT, queryJsonPath } from './jsonpath.js'
import { llmValues, tokensPerSecond } from './llm.js'
import { applyFilters } from './filters.js'
import { queryXPath } from './xpath.js'
import { createHash } from 'node:crypto'

const parsedBodies = new WeakMap<Exchange, { ok: true; value: unknown } | { ok: false }>()
const decoder = new TextDecoder()

/** The response body as text; for a stream, the assembled response a non-streaming call would return. */
export function responseText(exchange: Exchange): string {
  return exchange.assembled ?? decoder.decode(exchange.body)
}

export function responseJson(exchange: Exchange): { ok: true; value: unknown } | { ok: false } {
  let parsed = parsedBodies.get(exchange)
  if (!parsed) {
    try {
      parsed = { ok: true, value: JSON.parse(responseText(exchange)) as unknown }
    } catch {
      parsed = { ok: false }
    }
    parsedBodies.set(exchange, parsed)
  }
  return parsed
}

export function describeQuery(query: Query): string {
  switch (query.kind) {
    case 'jsonpath':
      return query.path
    case 'header':
      return `header ${query.name}`
    case 'regex':
      return `regex ${JSON.stringify(query.pattern)}`
    case 'variable':
      return `var ${query.name}`
    case 'request':
      return `request ${query.path}`
    case 'script':
      return `${query.test ? 'client.test' : 'client.assert'} ${JSON.stringify(query.name)}`
    case 'recorded':
      return `recorded ${query.path}`
    case 'documented':
      return `documented ${query.path}`
    case 'llm':
      return query.path === undefined ? query.field : `${query.field}.${query.path}`
    case 'cookie':
      return `cookie ${JSON.stringify(query.attribute ? `${query.name}[${query.attribute}]` : query.name)}`
    case 'xpath':
      return `xpath ${JSON.stringify(query.expression)}`
    case 'certificate':
      return `certificate ${JSON.stringify(query.field)}`
    case 'filtered':
      return [
        describeQuery(query.query),
        ...query.filters.map((f) =>
          [f.name, ...f.args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : String(a)))].join(' '),
        ),
      ].join(' | ')
    default:
      return query.kind
  }
}

export function bodyPreview(exchange: Exchange, max = 200): string {
  if (exchange.bodyWrittenTo) return `(body written to ${exchange.bodyWrittenTo})`
  const text = responseText(exchange).replace(/\s+/g, ' ').trim()
  if (text === '') return '(empty body)'
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export function runJsonPath(path: string, json: unknown, span: SourceSpan | undefined): unknown[] {
  let result
  try {
    result = queryJsonPath(path, json)
  } catch (error) {
    throw tooDeep(error, span)
  }
  if (!result.ok)
    throw new ExtractError('EXTRACT_BAD_QUERY', `Invalid JSONPath \`${path}\`: ${result.message}`, span, JSONPATH_HINT)
  return result.matches
}

export function extract(
  query: Query,
  exchange: Exchange,
  vars: Readonly<Record<string, unknown>>,
  span: SourceSpan | undefined,
): unknown[] {
  switch (query.kind) {
    case 'status':
      return [exchange.status]
    case 'duration':
      return [exchange.timings.totalMs]
    case 'ttft':
      return exchange.timings.firstTokenMs === undefined ? [] : [exchange.timings.firstTokenMs]
    case 'tokensPerSecond': {
      const rate = tokensPerSecond(exchange)
      return rate === undefined ? [] : [rate]
    }
    case 'llm': {
      const json = responseJson(exchange)
      return json.ok ? llmValues(json.value, query.field, query.path) : []
    }
    case 'body':
      return [responseText(exchange)]
    case 'header': {
      const name = query.name.toLowerCase()
      return exchange.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value)
    }
    case 'regex': {
      const match = responseText(exchange).match(new RegExp(query.pattern))
      if (!match) return []
      return [match[1] ?? match[0]]
    }
    case 'variable':
      return query.name in vars ? [vars[query.name]] : []
    case 'script':
    case 'recorded':
    case 'documented':
      return []
    case 'request': {
      let sent: unknown
      try {
        sent = JSON.parse(decoder.decode(exchange.request.body ?? new Uint8Array()))
      } catch {
        throw new ExtractError(
          'EXTRACT_NOT_JSON',
          `Cannot query \`request ${query.path}\`: the request body is not JSON`,
          span,
        )
      }
      return runJsonPath(query.path, sent, span)
    }
    case 'filtered': {
      const matches = extract(query.query, exchange, vars, span)
      if (matches.length === 0)
        throw new ExtractError(
          'EXTRACT_FILTER',
          `\`${describeQuery(query.query)}\` found nothing to filter`,
          span,
          `the body starts: ${bodyPreview(exchange, 120)}`,
        )
      return [applyFilters(matches.length === 1 ? matches[0] : matches, query.filters, span)]
    }
    case 'sha256':
    case 'md5':
      return [createHash(query.kind).update(exchange.body).digest('hex')]
    case 'bytes':
      return [exchange.body]
    case 'url':
      return [exchange.request.url]
    case 'redirects':
      return [exchange.redirects ?? []]
    case 'version':
      return [exchange.httpVersion]
    case 'certificate':
      return exchange.certificate ? [exchange.certificate[query.field]] : []
    case 'cookie':
      return cookieValues(exchange, query.name, query.attribute)
    case 'xpath':
      return queryXPath(
        query.expression,
        responseText(exchange),
        exchange.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1],
        exchange,
        span,
      )
    case 'jsonpath': {
      if (exchange.bodyWrittenTo)
        throw new ExtractError(
          'EXTRACT_NOT_JSON',
          `Cannot query \`${query.path}\`: the body went straight to ${exchange.bodyWrittenTo}`,
          span,
          'drop -o to query the body',
        )
      const json = responseJson(exchange)
      if (!json.ok) {
        throw new ExtractError(
          'EXTRACT_NOT_JSON',
          `Cannot query \`${query.path}\`: the response body is not JSON`,
          span,
          `the body starts: ${bodyPreview(exchange, 120)}`,
        )
      }
      return runJsonPath(query.path, json.value, span)
    }
  }
}

/** One match gives the value, several give an array; none is an error naming the query. */
export function extractOne(
  query: Query,
  exchange: Exchange,
  vars: Readonly<Record<string, unknown>>,
  span: SourceSpan | undefined,
  optional = false,
): unknown {
  const matches = extract(query, exchange, vars, span)
  if (matches.length === 0) {
    if (optional) return undefined
    const inString = query.kind === 'jsonpath' ? jsonInString(query.path, exchange, span) : undefined
    throw new ExtractError(
      'EXTRACT_NO_MATCH',
      `No match for \`${describeQuery(query)}\``,
      span,
      inString
        ? `\`${inString}\` is a string that holds JSON, not JSON itself: a path cannot go into it (read it in a response handler: JSON.parse(response.body…))`
        : `the body starts: ${bodyPreview(exchange, 120)}`,
    )
  }
  return matches.length === 1 ? matches[0] : matches
}

/**
 * Where a JSONPath that found nothing ran into a string holding JSON (an LLM's `content` that is
 * JSON text, say): the longest leading part of the path whose value is such a string.
 */
function jsonInString(path: string, exchange: Exchange, span: SourceSpan | undefined): string | undefined {
  const steps = path.match(/^\$((?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\['[^']*'\]|\["[^"]*"\])+)/)?.[1]
  if (!steps) return undefined
  const parts = steps.match(/\.[A-Za-z_$][\w$-]*|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? []
  for (let n = parts.length - 1; n >= 1; n--) {
    const prefix = `$${parts.slice(0, n).join('')}`
    const json = responseJson(exchange)
    if (!json.ok) return undefined
    let found: unknown[]
    try {
      found = runJsonPath(prefix, json.value, span)
    } catch {
      return undefined
    }
    const value = found.length === 1 ? found[0] : undefined
    if (typeof value !== 'string') continue
    try {
      const parsed = JSON.parse(value) as unknown
      return typeof parsed === 'object' && parsed !== null ? prefix : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * The cookies the response sets with this name (`Set-Cookie`), or one attribute of each: `Value`,
 * `Expires` (a date), `Max-Age` (a number), `Domain`, `Path`, `SameSite`; `Secure` and `HttpOnly`
 * are true when set (and match nothing when not).
 */
function cookieValues(exchange: Exchange, name: string, attribute = 'Value'): unknown[] {
  const values: unknown[] = []
  for (const [header, line] of exchange.headers) {
    if (header.toLowerCase() !== 'set-cookie') continue
    const [pair = '', ...parts] = line.split(';')
    const at = pair.indexOf('=')
    if (at < 0 || pair.slice(0, at).trim() !== name) continue
    if (attribute === 'Value') {
      values.push(pair.slice(at + 1).trim())
      continue
    }
    for (const part of parts) {
      const eq = part.indexOf('=')
      const key = (eq < 0 ? part : part.slice(0, eq)).trim()
      if (key.toLowerCase() !== attribute.toLowerCase()) continue
      const value = eq < 0 ? true : part.slice(eq + 1).trim()
      values.push(
        attribute === 'Max-Age'
          ? Number(value)
          : attribute === 'Expires' && typeof value === 'string'
            ? new Date(value)
            : value,
      )
    }
  }
  return values
}
