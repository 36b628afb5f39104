// The meaning of `# @capture`, `# @assert` and httpyac's `??` lines, parsed when the file loads so
// a typo is a located load error (exit 2) before anything is sent.
//
//   # @capture answer = $.choices[0].message.content
//   # @assert status == 200
//   # @assert header content-type contains "json"
//   # @assert $.choices count 1
//   ?? body $.model == "local"
import { LoadError, nearest } from '../errors.js'
import { DIALECT_DIRECTIVES, handlingOf } from './dialects.js'
import type { AssertionSpec, CaptureSpec, Directive, Filter, Query, SourceSpan } from '../model.js'

export const COOKIE_ATTRIBUTES = [
  'Value',
  'Expires',
  'Max-Age',
  'Domain',
  'Path',
  'Secure',
  'HttpOnly',
  'SameSite',
] as const

/** Predicates that take no value: presence, emptiness, types and forms, the LLM schema checks. */
const UNARY_PREDICATES = [
  'exists',
  'isEmpty',
  'isString',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isNull',
  'isInteger',
  'isFloat',
  'isCollection',
  'isDate',
  'isIsoDate',
  'isUuid',
  'isIpv4',
  'isIpv6',
  'matchesResponseFormat',
  'matchesToolSchemas',
] as const
export const PREDICATES = [
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'count',
  'matchesSchema',
  ...UNARY_PREDICATES,
] as const
const UNARY = new Set<string>(UNARY_PREDICATES)
/** httpyac's spellings. */
const ALIASES: Record<string, string> = {
  includes: 'contains',
  '===': '==',
  '!==': '!=',
  startsWith: 'startsWith',
  isTrue: '== true',
  isFalse: '== false',
}
const QUERY_HELP =
  'a query is `$.json.path`, `jsonpath "…"`, `header NAME`, `status`, `body`, `regex "…"`, `duration`, `var NAME`, `request $.path`, `cookie "NAME[ATTR]"`, `xpath "…"`, `sha256`, `md5`, `bytes`, `url`, `redirects`, `version`, `certificate "FIELD"`, or an LLM reply\'s `reply`, `toolCalls`, `finishReason`, `usage` (`usage.NAME`), `ttft`, `tokensPerSecond`; then filters after `|`'

type Cursor = { text: string; offset: number }

/**
 * A directive reqchain does not honour: by its nature without effect on a run (an editor's
 * setting) it is accepted; any other is a located error — a refused one saying what to do
 * instead, an unknown one the directive it was probably meant to be.
 */
export function checkDirectiveKey(directive: Directive): void {
  const key = directive.key
  const handling = handlingOf(key)
  const span = { ...directive.span, length: key.length + 1 }
  if (handling?.kind === 'honoured' || handling?.kind === 'editor') return
  if (handling?.kind === 'refused')
    throw new LoadError(
      'LOAD_UNKNOWN_DIRECTIVE',
      `\`@${key}\` (${DIALECT_DIRECTIVES[key]!.dialects}) is not supported`,
      span,
      handling.instead,
    )
  const meant = nearest(key, Object.keys(DIALECT_DIRECTIVES))
  throw new LoadError(
    'LOAD_UNKNOWN_DIRECTIVE',
    `Unknown directive \`@${key}\``,
    span,
    meant
      ? `did you mean \`@${meant}\`? (the README's table lists every directive)`
      : "a comment that is not a directive does not start with `@` (the README's table lists every directive)",
  )
}

export function parseCapture(directive: Directive, optional: boolean): CaptureSpec {
  const match = directive.value.match(/^([A-Za-z_$][\w.$-]*)\s*=\s*(.*)$/)
  if (!match) {
    throw new LoadError(
      'LOAD_SYNTAX',
      'Expected `@capture NAME = QUERY`',
      directive.span,
      'for example `# @capture answer = $.choices[0].message.content`',
    )
  }
  const cursor = { text: match[2]!, offset: 0 }
  const query = readQuery(cursor, directive.span)
  if (cursor.text.slice(cursor.offset).trim()) {
    throw new LoadError(
      'LOAD_SYNTAX',
      `Unexpected text after the capture query: \`${cursor.text.slice(cursor.offset).trim()}\``,
      directive.span,
      QUERY_HELP,
    )
  }
  return { name: match[1]!, query, optional, span: directive.span }
}

export function parseAssertion(directive: Directive, isHttpyac: boolean): AssertionSpec {
  const cursor = { text: directive.value, offset: 0 }
  if (isHttpyac && /^js\s/.test(directive.value)) {
    throw new LoadError(
      'LOAD_SYNTAX',
      'JavaScript assertions (`?? js …`) are not supported',
      directive.span,
      'write the check as `?? body $.path == value` or `# @assert $.path == value`',
    )
  }
  if (isHttpyac && /^body\s+\$/.test(directive.value)) cursor.offset = 5 // `?? body $.x == 1`: the path is the query
  // `?? body user.name == Eve`: httpyac's property path into the body, the JSONPath $.user.name.
  const property = isHttpyac
    ? directive.value.match(/^body\s+([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)(?=\s)/)
    : null
  if (
    property &&
    property[1] !== 'not' &&
    !(PREDICATES as readonly string[]).includes(property[1]!) &&
    !(property[1]! in ALIASES)
  ) {
    cursor.text = `$.${property[1]}${directive.value.slice(property[0].length)}`
  }
  const query: Query = readQuery(cursor, directive.span)
  let word = readWord(cursor)
  let negated = false
  if (word === 'not') {
    negated = true
    word = readWord(cursor)
  }
  if (!word)
    throw new LoadError(
      'LOAD_SYNTAX',
      'The assertion has no predicate',
      directive.span,
      `add one of: ${PREDICATES.join(' ')}`,
    )
  const alias = ALIASES[word]
  let rest = cursor.text.slice(cursor.offset).trim()
  if (alias?.includes(' ')) {
    ;[word, rest] = [alias.split(' ')[0]!, alias.split(' ')[1]!]
  } else if (alias) {
    word = alias
  }
  if (!(PREDICATES as readonly string[]).includes(word)) {
    const hint = `use one of: ${PREDICATES.join(' ')}`
    throw new LoadError('LOAD_SYNTAX', `Unknown predicate \`${word}\``, directive.span, hint)
  }
  if (UNARY.has(word)) {
    if (rest) throw new LoadError('LOAD_SYNTAX', `\`${word}\` takes no value, found \`${rest}\``, directive.span)
    return { query, predicate: word, negated, span: directive.span }
  }
  if (!rest)
    throw new LoadError(
      'LOAD_SYNTAX',
      `\`${word}\` needs a value`,
      directive.span,
      word === 'count' ? 'write `count 3` or `count >= 1`' : `write \`${word} "text"\` or \`${word} 200\``,
    )
  return { query, predicate: word, negated, expected: rest, span: directive.span }
}

function readWord(cursor: Cursor): string {
  const match = cursor.text.slice(cursor.offset).match(/^\s*(\S+)/)
  if (!match) return ''
  cursor.offset += match[0].length
  return match[1]!
}

function readQuoted(cursor: Cursor, span: SourceSpan, what: string): string {
  const rest = cursor.text.slice(cursor.offset)
  const match = rest.match(/^\s*"((?:[^"\\]|\\.)*)"/)
  if (!match) throw new LoadError('LOAD_SYNTAX', `\`${what}\` needs a quoted argument`, span, `write \`${what} "…"\``)
  cursor.offset += match[0].length
  // Only \" is an escape here: a regex keeps its own backslashes (`regex "(\w+)"`).
  return match[1]!.replace(/\\"/g, '"')
}

/** A JSONPath runs to the first space outside brackets, parentheses and quotes. */
function readPath(cursor: Cursor): string {
  const text = cursor.text
  let i = cursor.offset
  while (i < text.length && /\s/.test(text[i]!)) i++
  const start = i
  let depth = 0
  let quote = ''
  for (; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = ''
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '[' || c === '(') depth++
    else if (c === ']' || c === ')') depth--
    else if (/\s/.test(c) && depth <= 0) break
  }
  cursor.offset = i
  return text.slice(start, i)
}

/** Each filter and the arguments it takes (Hurl's filters). */
export const FILTERS: Readonly<Record<string, readonly ('string' | 'integer')[]>> = {
  count: [],
  length: [],
  nth: ['integer'],
  first: [],
  last: [],
  split: ['string'],
  replace: ['string', 'string'],
  replaceRegex: ['string', 'string'],
  regex: ['string'],
  jsonpath: ['string'],
  toInt: [],
  toFloat: [],
  toString: [],
  toDate: ['string'],
  format: ['string'],
  daysAfterNow: [],
  daysBeforeNow: [],
  base64Decode: [],
  base64Encode: [],
  urlEncode: [],
  urlDecode: [],
  urlQueryParam: ['string'],
  htmlEscape: [],
  htmlUnescape: [],
  decode: ['string'],
}

const CERTIFICATE_FIELDS = ['Subject', 'Issuer', 'Start-Date', 'Expire-Date', 'Serial-Number'] as const

/** A query, then the filters chained after it with `|`. */
export function readQuery(cursor: Cursor, span: SourceSpan): Query {
  const query = readBaseQuery(cursor, span)
  const filters: Filter[] = []
  for (;;) {
    const bar = cursor.text.slice(cursor.offset).match(/^\s*\|/)
    if (!bar) break
    cursor.offset += bar[0].length
    filters.push(readFilter(cursor, span))
  }
  return filters.length > 0 ? { kind: 'filtered', query, filters } : query
}

function readFilter(cursor: Cursor, span: SourceSpan): Filter {
  const name = readWord(cursor)
  const takes = FILTERS[name]
  if (!takes) {
    const meant = nearest(name, Object.keys(FILTERS))
    throw new LoadError(
      'LOAD_SYNTAX',
      name ? `Unknown filter \`${name}\`` : 'A filter is missing after `|`',
      span,
      `${meant ? `did you mean \`${meant}\`? ` : ''}filters: ${Object.keys(FILTERS).join(' ')}`,
    )
  }
  const args = takes.map((kind, i) => {
    if (kind === 'string') return readQuoted(cursor, span, name)
    const word = readWord(cursor)
    if (!/^-?\d+$/.test(word))
      throw new LoadError(
        'LOAD_SYNTAX',
        `\`${name}\` needs a whole number${takes.length > 1 ? ` as argument ${i + 1}` : ''}, got \`${word}\``,
        span,
        `write \`${name} 2\``,
      )
    return Number(word)
  })
  if (name === 'regex' || name === 'replaceRegex') checkRegex(String(args[0]), span)
  return { name, args }
}

function checkRegex(pattern: string, span: SourceSpan): void {
  try {
    new RegExp(pattern)
  } catch (error) {
    throw new LoadError('LOAD_SYNTAX', `Invalid regular expression: ${(error as Error).message}`, span)
  }
}

function readBaseQuery(cursor: Cursor, span: SourceSpan): Query {
  const rest = cursor.text.slice(cursor.offset).trimStart()
  if (rest.startsWith('$')) return { kind: 'jsonpath', path: readPath(cursor) }
  const word = readWord(cursor)
  switch (word) {
    case 'status':
      return { kind: 'status' }
    case 'body':
      return { kind: 'body' }
    case 'duration':
      return { kind: 'duration' }
    case 'ttft':
      return { kind: 'ttft' }
    case 'tokensPerSecond':
      return { kind: 'tokensPerSecond' }
    case 'reply':
    case 'toolCalls':
    case 'finishReason':
    case 'usage':
      return { kind: 'llm', field: word }
    case 'jsonpath':
      return { kind: 'jsonpath', path: readQuoted(cursor, span, 'jsonpath') }
    case 'request': {
      if (!cursor.text.slice(cursor.offset).trimStart().startsWith('$'))
        throw new LoadError('LOAD_SYNTAX', '`request` needs a JSONPath', span, 'write `request $.messages`')
      return { kind: 'request', path: readPath(cursor) }
    }
    case 'regex': {
      const pattern = readQuoted(cursor, span, 'regex')
      checkRegex(pattern, span)
      return { kind: 'regex', pattern }
    }
    case 'sha256':
    case 'md5':
    case 'bytes':
    case 'url':
    case 'redirects':
    case 'version':
      return { kind: word }
    case 'xpath':
      return { kind: 'xpath', expression: readQuoted(cursor, span, 'xpath') }
    case 'cookie': {
      const spec = readQuoted(cursor, span, 'cookie')
      const match = spec.match(/^([^[\]\s]+)(?:\[([A-Za-z-]+)\])?$/)
      const attribute = match?.[2] && COOKIE_ATTRIBUTES.find((a) => a.toLowerCase() === match[2]!.toLowerCase())
      if (!match || (match[2] && !attribute))
        throw new LoadError(
          'LOAD_SYNTAX',
          `\`cookie\` takes "NAME" or "NAME[ATTRIBUTE]", got ${JSON.stringify(spec)}`,
          span,
          `attributes: ${COOKIE_ATTRIBUTES.join(' ')}`,
        )
      return { kind: 'cookie', name: match[1]!, ...(attribute ? { attribute } : {}) }
    }
    case 'certificate': {
      const field = readQuoted(cursor, span, 'certificate')
      const known = CERTIFICATE_FIELDS.find((f) => f.toLowerCase() === field.toLowerCase())
      if (!known)
        throw new LoadError(
          'LOAD_SYNTAX',
          `\`certificate\` takes one of ${CERTIFICATE_FIELDS.map((f) => `"${f}"`).join(', ')}, got ${JSON.stringify(field)}`,
          span,
        )
      return { kind: 'certificate', field: known }
    }
    case 'variable':
      return { kind: 'variable', name: readQuoted(cursor, span, 'variable') }
    case 'header':
    case 'var': {
      const name = readWord(cursor)
      if (!name)
        throw new LoadError(
          'LOAD_SYNTAX',
          `\`${word}\` needs a name`,
          span,
          word === 'header' ? 'write `header Content-Type`' : 'write `var answer`',
        )
      return word === 'header' ? { kind: 'header', name } : { kind: 'variable', name }
    }
    default:
      if (/^usage\.[\w-]+$/.test(word)) return { kind: 'llm', field: 'usage', path: word.slice(6) }
      throw new LoadError('LOAD_SYNTAX', word ? `Unknown query \`${word}\`` : 'Missing query', span, QUERY_HELP)
  }
}

/** The longest limit accepted: ten years. Anything longer is a typo for "no limit" (0). */
const MAX_SECONDS = 10 * 365 * 24 * 3600

/**
 * A number of seconds as milliseconds: 0 (no limit), or from 1 ms to ten years. Shared by the
 * flags, `# @timeout` and a JSON file's `timeout`, so the rule is one; the message completes
 * "--timeout …" or "`@timeout` …".
 */
export function timeLimitMs(value: unknown): number | string {
  const seconds =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(seconds) || seconds < 0) return 'takes a number of seconds (0 for no limit)'
  if (seconds > 0 && seconds < 0.001) return 'takes at least 0.001 seconds (1 ms), or 0 for no limit'
  if (seconds > MAX_SECONDS) return `takes at most ${MAX_SECONDS} seconds (ten years); use 0 for no limit`
  return Math.round(seconds * 1000 * 1000) / 1000
}
