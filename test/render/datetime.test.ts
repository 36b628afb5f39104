// {{$datetime "…"}} tokens as JetBrains and REST Client document them (Day.js's), each one.
import { describe, expect, it } from 'vitest'
import { formatDate } from '../../src/render/dynamic.js'

// Monday 2024-03-04 07:05:09.042 UTC
const date = new Date(Date.UTC(2024, 2, 4, 7, 5, 9, 42))

describe('$datetime formats', () => {
  it.each([
    ['YYYY', '2024'],
    ['YY', '24'],
    ['M', '3'],
    ['MM', '03'],
    ['MMM', 'Mar'],
    ['MMMM', 'March'],
    ['D', '4'],
    ['DD', '04'],
    ['d', '1'],
    ['dd', 'Mo'],
    ['ddd', 'Mon'],
    ['dddd', 'Monday'],
    ['H', '7'],
    ['HH', '07'],
    ['h', '7'],
    ['hh', '07'],
    ['m', '5'],
    ['mm', '05'],
    ['s', '9'],
    ['ss', '09'],
    ['SSS', '042'],
    ['Z', '+00:00'],
    ['ZZ', '+0000'],
    ['A', 'AM'],
    ['a', 'am'],
    ['X', '1709535909'],
    ['x', '1709535909042'],
    ['[YYYY] YYYY', 'YYYY 2024'],
    ['dddd, MMMM D, YYYY h:mm A', 'Monday, March 4, 2024 7:05 AM'],
  ])('%s → %s', (format, expected) => {
    expect(formatDate(date, format, false)).toBe(expected)
  })

  it('writes the local offset in Z and iso8601 for $localDatetime', () => {
    const offset = -date.getTimezoneOffset()
    const zone = `${offset >= 0 ? '+' : '-'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`
    expect(formatDate(date, 'Z', true)).toBe(zone)
    expect(formatDate(date, 'iso8601', true)).toMatch(
      new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}${zone.replace('+', '\\+')}$`),
    )
    expect(formatDate(date, 'iso8601', false)).toBe('2024-03-04T07:05:09.042Z')
  })

  it('writes rfc1123 as REST Client does: GMT for $datetime, a numeric offset for $localDatetime', () => {
    expect(formatDate(date, 'rfc1123', false)).toBe('Mon, 04 Mar 2024 07:05:09 GMT')
    const zone = process.env['TZ']
    try {
      process.env['TZ'] = 'America/New_York' // UTC-5 in March before the switch to summer time
      expect(formatDate(date, 'rfc1123', true)).toBe('Mon, 04 Mar 2024 02:05:09 -0500')
      process.env['TZ'] = 'Asia/Kolkata'
      expect(formatDate(date, 'rfc1123', true)).toBe('Mon, 04 Mar 2024 12:35:09 +0530')
    } finally {
      if (zone === undefined) delete process.env['TZ']
      else process.env['TZ'] = zone
    }
  })
})
