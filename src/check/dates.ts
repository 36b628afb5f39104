// Dates for the `toDate` and `format` filters, in strftime's notation as Hurl writes them
// (`toDate "%Y-%m-%dT%H:%M:%S%z"`, `format "%a, %d %b %Y"`). Times without a zone are UTC.
import { DAYS, MONTHS } from '../render/dynamic.js'

const SHORT_MONTHS = MONTHS.map((name) => name.slice(0, 3))
const SHORT_DAYS = DAYS.map((name) => name.slice(0, 3))

/** Each directive: the pattern it reads, and where the value goes. */
const READ: Record<string, readonly [string, (fields: Fields, text: string) => void]> = {
  Y: ['([+-]?\\d{4,})', (f, t) => (f.year = Number(t))],
  y: ['(\\d{2})', (f, t) => (f.year = 2000 + Number(t) - (Number(t) >= 69 ? 100 : 0))],
  m: ['(\\d{1,2})', (f, t) => (f.month = Number(t) - 1)],
  d: ['(\\d{1,2})', (f, t) => (f.day = Number(t))],
  e: ['\\s?(\\d{1,2})', (f, t) => (f.day = Number(t))],
  H: ['(\\d{1,2})', (f, t) => (f.hour = Number(t))],
  M: ['(\\d{1,2})', (f, t) => (f.minute = Number(t))],
  S: ['(\\d{1,2})', (f, t) => (f.second = Number(t))],
  f: ['(\\d+)', (f, t) => (f.ms = Number(`0.${t}`) * 1000)],
  s: ['(-?\\d+)', (f, t) => (f.epoch = Number(t) * 1000)],
  z: ['(Z|[+-]\\d{2}:?\\d{2})', (f, t) => (f.offset = offsetMinutes(t))],
  Z: ['([A-Za-z]+)', () => undefined],
  b: ['([A-Za-z]{3})', (f, t) => (f.month = monthOf(t, SHORT_MONTHS))],
  B: ['([A-Za-z]+)', (f, t) => (f.month = monthOf(t, MONTHS))],
  a: ['([A-Za-z]{3})', () => undefined],
  A: ['([A-Za-z]+)', () => undefined],
  j: ['(\\d{1,3})', (f, t) => (f.dayOfYear = Number(t))],
}
/** Shorthands, as strftime defines them. */
const COMPOSITE: Record<string, string> = { T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M' }

type Fields = {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  ms: number
  offset: number
  epoch?: number
  dayOfYear?: number
}

/** A date read from text in `format`; a message saying why when the text does not fit it. */
export function parseDate(text: string, format: string): Date | string {
  const expanded = format.replace(/%([TDFR])/g, (_, c: string) => COMPOSITE[c]!)
  const setters: ((fields: Fields, text: string) => void)[] = []
  let pattern = ''
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i]!
    if (c !== '%') {
      pattern += /\s/.test(c) ? '\\s+' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      continue
    }
    const d = expanded[++i]
    if (d === '%') {
      pattern += '%'
      continue
    }
    const read = d === undefined ? undefined : READ[d]
    if (!read)
      return `the format has %${d ?? ''}, which toDate does not know (known: %${Object.keys(READ).join(' %')} %T %D %F %R)`
    pattern += read[0]
    setters.push(read[1])
  }
  const match = text.trim().match(new RegExp(`^${pattern}$`, 'i'))
  if (!match) return `${JSON.stringify(text)} is not a date in the format ${JSON.stringify(format)}`
  const fields: Fields = { year: 1970, month: 0, day: 1, hour: 0, minute: 0, second: 0, ms: 0, offset: 0 }
  setters.forEach((set, i) => set(fields, match[i + 1]!))
  if (fields.epoch !== undefined) return new Date(fields.epoch)
  if (fields.month < 0 || fields.month > 11 || fields.day < 1 || fields.day > 31 || fields.hour > 24)
    return `${JSON.stringify(text)} is not a date in the format ${JSON.stringify(format)}`
  const day = fields.dayOfYear !== undefined ? fields.dayOfYear : fields.day
  const month = fields.dayOfYear !== undefined ? 0 : fields.month
  const utc = Date.UTC(fields.year, month, day, fields.hour, fields.minute, fields.second, fields.ms)
  return new Date(utc - fields.offset * 60_000)
}

/** A date written in `format` (UTC). */
export function formatDate(date: Date, format: string): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return format.replace(/%([a-zA-Z%])/g, (whole, d: string) => {
    switch (d) {
      case 'Y':
        return String(date.getUTCFullYear())
      case 'y':
        return pad(date.getUTCFullYear() % 100)
      case 'm':
        return pad(date.getUTCMonth() + 1)
      case 'd':
        return pad(date.getUTCDate())
      case 'e':
        return String(date.getUTCDate()).padStart(2, ' ')
      case 'H':
        return pad(date.getUTCHours())
      case 'M':
        return pad(date.getUTCMinutes())
      case 'S':
        return pad(date.getUTCSeconds())
      case 'f':
        return pad(date.getUTCMilliseconds(), 3)
      case 's':
        return String(Math.floor(date.getTime() / 1000))
      case 'z':
        return '+0000'
      case 'Z':
        return 'UTC'
      case 'b':
        return SHORT_MONTHS[date.getUTCMonth()]!
      case 'B':
        return MONTHS[date.getUTCMonth()]!
      case 'a':
        return SHORT_DAYS[date.getUTCDay()]!
      case 'A':
        return DAYS[date.getUTCDay()]!
      case 'j':
        return pad(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3)
      case 'T':
        return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
      case 'F':
        return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
      case 'D':
        return `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCFullYear() % 100)}`
      case 'R':
        return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`
      case '%':
        return '%'
      default:
        return whole
    }
  })
}

/** RFC 3339 / ISO 8601 date-time or full date: `2026-12-07`, `2026-12-07T10:00:00Z`, `…+01:00`, fractions. */
export const ISO_DATE =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([Tt ]([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/

function offsetMinutes(text: string): number {
  if (text === 'Z') return 0
  const digits = text.replace(':', '')
  const sign = digits[0] === '-' ? -1 : 1
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)))
}

function monthOf(text: string, names: readonly string[]): number {
  return names.findIndex((name) => name.toLowerCase() === text.toLowerCase())
}
