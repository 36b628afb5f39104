// `{{$…}}` variables from the other editors' files, e.g.
//   {{$uuid}}  {{$random.integer(1, 10)}}  {{$timestamp -1 d}}  {{$datetime iso8601 1 h}}
//   {{$datetime "YYYY-MM-DD"}}  {{$randomInt 1 100}}  {{$processEnv HOME}}  {{$env.HOME}}  {{$dotenv KEY}}
// Sources: REST Client's system variables, JetBrains' dynamic variables ($random.* without faker).
import { nodeCrypto } from '../builtins.js'
import { RenderError } from '../errors.js'
import type { SourceSpan } from '../model.js'

export type DynamicContext = {
  readonly processEnv: Readonly<Record<string, string | undefined>>
  readonly dotenv: Readonly<Record<string, string>>
  /** For `%NAME` forms: the value of a variable that names the real one. */
  readonly lookup: (name: string) => unknown
  readonly now?: () => Date
  /** The --dataset row, for {{$rowIndex}} (0-based) and {{$row.NAME}}. */
  readonly row?: { readonly index: number; readonly values: Readonly<Record<string, unknown>> }
}

export const DYNAMIC_NAMES = [
  '$uuid',
  '$guid',
  '$random.uuid',
  '$timestamp',
  '$isoTimestamp',
  '$datetime',
  '$localDatetime',
  '$randomInt',
  '$random.integer',
  '$random.float',
  '$random.alphabetic',
  '$random.alphanumeric',
  '$random.hexadecimal',
  '$random.email',
  '$processEnv',
  '$dotenv',
  '$env.NAME',
  '$rowIndex',
  '$row.NAME',
]

const UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }

export function evaluateDynamic(source: string, span: SourceSpan, context: DynamicContext): unknown {
  const call = source.match(/^(\$[\w.]+)\s*\(([^)]*)\)\s*$/)
  const [name, args] = call
    ? [call[1]!, splitArgs(call[2]!, ',')]
    : [source.split(/\s+/)[0]!, splitArgs(source.slice(source.split(/\s+/)[0]!.length), ' ')]
  const now = () => context.now?.() ?? new Date()
  const fail = (message: string, hint?: string) => new RenderError('RENDER_UNKNOWN_DYNAMIC', message, span, hint)
  const int = (value: string | undefined, what: string): number => {
    const n = Number(value)
    if (value === undefined || !Number.isFinite(n))
      throw fail(
        `\`${name}\` needs a number for ${what}`,
        `for example {{${name} ${name.includes('random') ? '1 100' : '1 d'}}}`,
      )
    return n
  }
  /** A random string's length: a whole number up to 1 MiB (a billion characters took 3 GB). */
  const length = (): number => {
    if (args[0] === undefined) return 10
    const n = int(args[0], 'the length')
    if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM_LENGTH)
      throw fail(`\`${name}\`: the length must be a whole number from 0 to ${MAX_RANDOM_LENGTH}, got ${args[0]}`)
    return n
  }
  if (name.startsWith('$env.')) return envValue(name.slice(5), context, fail)
  if (name === '$rowIndex' || name.startsWith('$row.')) {
    if (!context.row)
      throw fail(
        `\`${name}\` is set only in a --dataset run`,
        'run with --dataset FILE (CSV, JSON Lines or a JSON array of objects)',
      )
    if (name === '$rowIndex') return context.row.index
    const field = name.slice(5)
    if (!(field in context.row.values))
      throw fail(`The row has no field \`${field}\``, `its fields: ${Object.keys(context.row.values).join(', ')}`)
    return context.row.values[field]
  }
  switch (name) {
    case '$uuid':
    case '$guid':
    case '$random.uuid':
      return nodeCrypto().randomUUID()
    case '$timestamp':
      return Math.floor(shifted(now(), args, 0, fail).getTime() / 1000)
    case '$isoTimestamp':
      return now().toISOString()
    case '$datetime':
    case '$localDatetime': {
      const format = args[0]
      if (!format)
        throw fail(
          `\`${name}\` needs a format`,
          `write {{${name} iso8601}}, {{${name} rfc1123}} or {{${name} "YYYY-MM-DD"}}`,
        )
      return formatDate(shifted(now(), args, 1, fail), format, name === '$localDatetime')
    }
    case '$randomInt':
    case '$random.integer': {
      const min = args[0] === undefined ? 0 : int(args[0], 'the minimum')
      const max = args[1] === undefined ? 1000 : int(args[1], 'the maximum')
      if (max <= min) throw fail(`\`${name}\`: the maximum must be above the minimum`)
      // crypto.randomInt's range: both ends safe integers, at most 2^48 apart.
      if (
        !Number.isSafeInteger(Math.ceil(min)) ||
        !Number.isSafeInteger(Math.ceil(max)) ||
        Math.ceil(max) - Math.ceil(min) > 2 ** 48
      ) {
        throw fail(
          `\`${name}\`: the range ${args[0] ?? 0}–${args[1] ?? 1000} is too wide`,
          'the minimum and maximum are integers at most 2^48 (281474976710656) apart',
        )
      }
      return nodeCrypto().randomInt(Math.ceil(min), Math.ceil(max))
    }
    case '$random.float': {
      const min = args[0] === undefined ? 0 : int(args[0], 'the minimum')
      const max = args[1] === undefined ? 1 : int(args[1], 'the maximum')
      return min + Math.random() * (max - min)
    }
    case '$random.alphabetic':
      return randomString('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', length())
    case '$random.alphanumeric':
      return randomString('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_', length())
    case '$random.hexadecimal':
      return randomString('0123456789abcdef', length())
    case '$random.email':
      return `${randomString('abcdefghijklmnopqrstuvwxyz', 8)}@example.com`
    case '$processEnv':
      return envValue(indirect(args[0], context, name, fail), context, fail)
    case '$dotenv': {
      const variable = indirect(args[0], context, name, fail)
      const value = context.dotenv[variable]
      if (value === undefined)
        throw fail(`\`${variable}\` is not set in any .env file`, 'add it to .env (see .env.example)')
      return value
    }
  }
  throw fail(`Unknown dynamic variable \`${name}\``, `known: ${DYNAMIC_NAMES.join(' ')}`)
}

function envValue(variable: string, context: DynamicContext, fail: (m: string, h?: string) => RenderError): string {
  const value = context.processEnv[variable]
  if (value === undefined)
    throw fail(`Environment variable \`${variable}\` is not set`, `export ${variable}=… before running`)
  return value
}

function indirect(
  arg: string | undefined,
  context: DynamicContext,
  name: string,
  fail: (m: string, h?: string) => RenderError,
): string {
  if (!arg) throw fail(`\`${name}\` needs a variable name`, `write {{${name} HOME}}`)
  if (!arg.startsWith('%')) return arg
  const value = context.lookup(arg.slice(1))
  if (typeof value !== 'string') throw fail(`\`${arg}\`: variable \`${arg.slice(1)}\` is not set`)
  return value
}

function splitArgs(text: string, separator: ' ' | ','): string[] {
  const args: string[] = []
  for (const match of text.matchAll(
    separator === ' ' ? /"([^"]*)"|'([^']*)'|(\S+)/g : /\s*(?:"([^"]*)"|'([^']*)'|([^,]+?))\s*(?:,|$)/g,
  )) {
    const value = match[1] ?? match[2] ?? match[3]
    if (value !== undefined && value !== '') args.push(value)
  }
  return args
}

/** `[offset unit]` after the other arguments, e.g. `-1 d`, `2 h`. */
function shifted(date: Date, args: string[], at: number, fail: (m: string, h?: string) => RenderError): Date {
  if (args.length <= at) return date
  const amount = Number(args[at])
  const unit = args[at + 1] ?? ''
  if (!Number.isFinite(amount))
    throw fail(`Offset \`${args[at]}\` is not a number`, 'write an offset like `-1 d` or `2 h`')
  const copy = new Date(date)
  if (unit === 'M') copy.setUTCMonth(copy.getUTCMonth() + amount)
  else if (unit === 'y') copy.setUTCFullYear(copy.getUTCFullYear() + amount)
  else if (UNITS[unit] !== undefined) copy.setTime(copy.getTime() + amount * UNITS[unit]!)
  else throw fail(`Unknown time unit \`${unit}\``, 'units: ms s m h d w M y')
  return copy
}

/** The names of days and months, in English (also the `toDate` and `format` filters', check/dates.ts). */
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/**
 * `{{$datetime "…"}}` formats, with the tokens JetBrains and REST Client document (Day.js's):
 * YYYY YY · M MM MMM MMMM · D DD · d dd ddd dddd · H HH h hh · m mm · s ss · SSS · Z ZZ · A a · X x,
 * and `[text]` for literal text. `local` formats in the machine's time zone, else in UTC.
 */
export function formatDate(date: Date, format: string, local: boolean): string {
  // REST Client's local RFC 1123 has a numeric offset (Mon, 07 Dec 2026 11:56:03 -0500); UTC's says GMT.
  if (format === 'rfc1123') return local ? formatDate(date, 'ddd, DD MMM YYYY HH:mm:ss ZZ', true) : date.toUTCString()
  if (format === 'iso8601') return local ? formatDate(date, 'YYYY-MM-DDTHH:mm:ss.SSSZ', true) : date.toISOString()
  const get = local
    ? {
        y: date.getFullYear(),
        M: date.getMonth(),
        d: date.getDate(),
        h: date.getHours(),
        m: date.getMinutes(),
        s: date.getSeconds(),
        ms: date.getMilliseconds(),
        wd: date.getDay(),
      }
    : {
        y: date.getUTCFullYear(),
        M: date.getUTCMonth(),
        d: date.getUTCDate(),
        h: date.getUTCHours(),
        m: date.getUTCMinutes(),
        s: date.getUTCSeconds(),
        ms: date.getUTCMilliseconds(),
        wd: date.getUTCDay(),
      }
  const offset = local ? -date.getTimezoneOffset() : 0
  const zone = (separator: string) =>
    `${offset >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}${separator}${pad(Math.abs(offset) % 60)}`
  const tokens: Record<string, () => string> = {
    YYYY: () => String(get.y).padStart(4, '0'),
    YY: () => String(get.y).slice(-2),
    MMMM: () => MONTHS[get.M]!,
    MMM: () => MONTHS[get.M]!.slice(0, 3),
    MM: () => pad(get.M + 1),
    M: () => String(get.M + 1),
    DD: () => pad(get.d),
    D: () => String(get.d),
    dddd: () => DAYS[get.wd]!,
    ddd: () => DAYS[get.wd]!.slice(0, 3),
    dd: () => DAYS[get.wd]!.slice(0, 2),
    d: () => String(get.wd),
    HH: () => pad(get.h),
    H: () => String(get.h),
    hh: () => pad(get.h % 12 || 12),
    h: () => String(get.h % 12 || 12),
    mm: () => pad(get.m),
    m: () => String(get.m),
    ss: () => pad(get.s),
    s: () => String(get.s),
    SSS: () => String(get.ms).padStart(3, '0'),
    ZZ: () => zone(''),
    Z: () => zone(':'),
    A: () => (get.h < 12 ? 'AM' : 'PM'),
    a: () => (get.h < 12 ? 'am' : 'pm'),
    X: () => String(Math.floor(date.getTime() / 1000)),
    x: () => String(date.getTime()),
  }
  return format.replace(
    /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|dd|d|HH|H|hh|h|mm|m|ss|s|SSS|ZZ|Z|A|a|X|x/g,
    (token, literal: string | undefined) => literal ?? tokens[token]!(),
  )
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

const MAX_RANDOM_LENGTH = 1024 * 1024

function randomString(alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[nodeCrypto().randomInt(alphabet.length)]
  return out
}
