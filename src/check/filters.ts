// Filters, chained after any query with `|` as Hurl chains them: `$.items | count`,
// `header Date | toDate "%a, %d %b %Y %H:%M:%S GMT" | daysBeforeNow`, `reply | jsonpath "$.city"`.
// Each takes the value the one before it gave (one match: the value; several: an array) and gives
// one value. A filter that cannot apply to its value says why: in an assertion that is a failed
// assertion, in a capture an error.
import { ExtractError } from '../errors.js'
import type { Filter, SourceSpan } from '../model.js'
import { formatDate, parseDate } from './dates.js'
import { queryJsonPath } from './jsonpath.js'

const DAY_MS = 86_400_000
const utf8 = new TextDecoder()

/** The filters' value after each in turn. */
export function applyFilters(value: unknown, filters: readonly Filter[], span: SourceSpan | undefined): unknown {
  let current = value
  for (const filter of filters) {
    const result = applyOne(current, filter)
    if (typeof result === 'object' && result !== null && 'failed' in result)
      throw new ExtractError(
        'EXTRACT_FILTER',
        `\`${filter.name}\` ${(result as { failed: string }).failed}`,
        span,
        'a filter takes the value the query (or the filter before it) gave',
      )
    current = result
  }
  return current
}

type Failed = { readonly failed: string }
const fail = (why: string): Failed => ({ failed: why })
const shown = (value: unknown): string => {
  if (value === undefined) return 'nothing'
  if (value instanceof Uint8Array) return `${value.length} bytes`
  const text = (JSON.stringify(value) as string | undefined) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 80)}…` : text
}

function applyOne(value: unknown, { name, args }: Filter): unknown {
  const text = () => (typeof value === 'string' ? value : value instanceof Uint8Array ? utf8.decode(value) : undefined)
  const str = (i: number) => String(args[i])
  switch (name) {
    case 'count':
      if (Array.isArray(value)) return value.length
      if (isObject(value)) return Object.keys(value).length
      return fail(`needs a collection (an array or an object), got ${shown(value)}`)
    case 'length':
      if (typeof value === 'string') return [...value].length
      if (Array.isArray(value) || value instanceof Uint8Array) return value.length
      return fail(`needs a string, an array or bytes, got ${shown(value)}`)
    case 'nth': {
      if (!Array.isArray(value)) return fail(`needs an array, got ${shown(value)}`)
      const n = Number(args[0])
      const item = value[n < 0 ? value.length + n : n]
      return n >= -value.length && n < value.length ? item : fail(`${n} is past the array's ${value.length} items`)
    }
    case 'first':
    case 'last':
      if (!Array.isArray(value)) return fail(`needs an array, got ${shown(value)}`)
      if (value.length === 0) return fail('has an empty array')
      return name === 'first' ? value[0] : value[value.length - 1]
    case 'split':
      return text() !== undefined ? text()!.split(str(0)) : fail(`needs a string, got ${shown(value)}`)
    case 'replace':
      return text() !== undefined ? text()!.split(str(0)).join(str(1)) : fail(`needs a string, got ${shown(value)}`)
    case 'replaceRegex':
      return text() !== undefined
        ? text()!.replace(new RegExp(str(0), 'g'), str(1))
        : fail(`needs a string, got ${shown(value)}`)
    case 'regex': {
      if (text() === undefined) return fail(`needs a string, got ${shown(value)}`)
      const match = text()!.match(new RegExp(str(0)))
      return match ? (match[1] ?? match[0]) : fail(`found no match for ${JSON.stringify(str(0))} in ${shown(value)}`)
    }
    case 'jsonpath': {
      let json = value
      if (text() !== undefined) {
        try {
          json = JSON.parse(text()!) as unknown
        } catch {
          return fail(`needs JSON, and ${shown(value)} is not JSON`)
        }
      }
      const result = queryJsonPath(str(0), json)
      if (!result.ok) return fail(`has an invalid JSONPath: ${result.message}`)
      if (result.matches.length === 0) return fail(`found no match for ${str(0)} in ${shown(json)}`)
      return result.matches.length === 1 ? result.matches[0] : result.matches
    }
    case 'toInt': {
      const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' ? Number(value.trim()) : NaN
      return Number.isInteger(n) && !(typeof value === 'string' && value.trim() === '')
        ? n
        : fail(`needs an integer or text of one, got ${shown(value)}`)
    }
    case 'toFloat': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN
      return Number.isFinite(n) ? n : fail(`needs a number or text of one, got ${shown(value)}`)
    }
    case 'toString':
      if (value === undefined) return fail('has nothing to turn into text')
      if (value instanceof Date) return value.toISOString()
      return typeof value === 'string'
        ? value
        : value instanceof Uint8Array
          ? utf8.decode(value)
          : JSON.stringify(value)
    case 'toDate': {
      if (text() === undefined) return fail(`needs a string, got ${shown(value)}`)
      const date = parseDate(text()!, str(0))
      return typeof date === 'string' ? fail(date) : date
    }
    case 'format':
      return value instanceof Date ? formatDate(value, str(0)) : fail(`needs a date (from toDate), got ${shown(value)}`)
    case 'daysAfterNow':
    case 'daysBeforeNow': {
      if (!(value instanceof Date)) return fail(`needs a date (from toDate), got ${shown(value)}`)
      const days = (value.getTime() - Date.now()) / DAY_MS
      return Math.floor(name === 'daysAfterNow' ? days : -days)
    }
    case 'base64Decode':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value.trim()))
        return fail(`needs base64 text, got ${shown(value)}`)
      return new Uint8Array(Buffer.from(value.trim(), /[-_]/.test(value) ? 'base64url' : 'base64'))
    case 'base64Encode':
      return text() !== undefined
        ? Buffer.from(value instanceof Uint8Array ? value : text()!).toString('base64')
        : fail(`needs a string or bytes, got ${shown(value)}`)
    case 'urlEncode':
      return text() !== undefined ? encodeURIComponent(text()!) : fail(`needs a string, got ${shown(value)}`)
    case 'urlDecode':
      if (text() === undefined) return fail(`needs a string, got ${shown(value)}`)
      try {
        return decodeURIComponent(text()!.replace(/\+/g, ' '))
      } catch {
        return fail(`got ${shown(value)}, which is not percent-encoded text`)
      }
    case 'urlQueryParam': {
      if (text() === undefined) return fail(`needs a URL, got ${shown(value)}`)
      let url: URL
      try {
        url = new URL(text()!, 'http://relative.invalid')
      } catch {
        return fail(`needs a URL, got ${shown(value)}`)
      }
      const param = url.searchParams.get(str(0))
      return param ?? fail(`found no query parameter ${JSON.stringify(str(0))} in ${shown(value)}`)
    }
    case 'htmlEscape':
      return text() !== undefined
        ? text()!
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;')
            .replace(/"/g, '&quot;')
            .replace(/'/g, '&#x27;')
        : fail(`needs a string, got ${shown(value)}`)
    case 'htmlUnescape':
      return text() !== undefined ? unescapeHtml(text()!) : fail(`needs a string, got ${shown(value)}`)
    case 'decode': {
      if (!(value instanceof Uint8Array)) return fail(`needs bytes (from bytes or base64Decode), got ${shown(value)}`)
      try {
        return new TextDecoder(str(0), { fatal: true }).decode(value)
      } catch (error) {
        return fail(
          error instanceof RangeError
            ? `does not know the charset ${JSON.stringify(str(0))}`
            : `cannot read the bytes as ${str(0)}`,
        )
      }
    }
  }
  return fail('is not a filter reqchain knows')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1))
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[entity.toLowerCase()] ?? whole
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}
