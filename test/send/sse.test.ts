import { describe, expect, it } from 'vitest'
import { MAX_EVENT_CHARS, NdjsonParser, SseParser, streamFormatOf } from '../../src/send/sse.js'
import type { SseEvent } from '../../src/model.js'

const bytes = (s: string) => new TextEncoder().encode(s)

/** Feeds the stream in every possible two-piece split and checks each gives the same events. */
function everySplit(text: string): SseEvent[][] {
  const data = bytes(text)
  const results: SseEvent[][] = []
  for (let cut = 0; cut <= data.length; cut++) {
    const parser = new SseParser()
    results.push([...parser.push(data.subarray(0, cut)), ...parser.push(data.subarray(cut)), ...parser.end()])
  }
  return results
}

describe('SseParser', () => {
  it('drops an event past MAX_EVENT_CHARS, one line or many, says so, and reads on after it', () => {
    const long = 'x'.repeat(1024 * 1024)
    for (const [name, write] of [
      [
        'one line in pieces',
        (p: SseParser) => [p.push(bytes('data: ')), ...Array.from({ length: 65 }, () => p.push(bytes(long)))],
      ],
      ['many data lines', (p: SseParser) => Array.from({ length: 65 }, () => p.push(bytes(`data: ${long}\n`)))],
    ] as const) {
      const parser = new SseParser()
      const events = [...parser.push(bytes('data: before\n\n')), ...write(parser).flat()]
      expect(parser.overflowed, name).toBe(true)
      events.push(...parser.push(bytes('\n\ndata: after\n\n')), ...parser.end())
      expect(events, name).toEqual([{ data: 'before' }, { data: 'after' }])
    }
    const parser = new SseParser()
    expect(parser.push(bytes(`data: ${'y'.repeat(MAX_EVENT_CHARS - 100)}\n\n`))).toHaveLength(1)
    expect(parser.overflowed).toBe(false)
  })

  it('gives the same events however the bytes are split: mid-line, mid-UTF-8, between CR and LF', () => {
    const stream =
      'event: greet\r\nid: 7\r\ndata: héllo 🎉\r\ndata: second line\r\n\r\n: a comment\n\ndata: {"a":1}\r\rdata: x\n\n'
    const expected: SseEvent[] = [
      { event: 'greet', id: '7', data: 'héllo 🎉\nsecond line' },
      { id: '7', data: '{"a":1}' },
      { id: '7', data: 'x' },
    ]
    for (const events of everySplit(stream)) expect(events).toEqual(expected)
  })

  it('strips one space after the colon only, and ignores a final event without its blank line', () => {
    const parser = new SseParser()
    expect([...parser.push(bytes('data:  two spaces\n\ndata: unfinished')), ...parser.end()]).toEqual([
      { data: ' two spaces' },
    ])
  })

  it('keeps llama-server error lines, which a strict parser drops', () => {
    const parser = new SseParser()
    expect(parser.push(bytes('data: {"a":1}\n\nerror: {"code":500,"message":"boom"}\n\n'))).toEqual([
      { data: '{"a":1}' },
      { event: 'error', data: '{"code":500,"message":"boom"}', isErrorLine: true },
    ])
  })

  it('recognises streams by Content-Type', () => {
    expect(streamFormatOf('text/event-stream; charset=utf-8')).toBe('sse')
    expect(streamFormatOf('application/x-ndjson')).toBe('ndjson')
    expect(streamFormatOf('application/jsonl')).toBe('ndjson')
    expect(streamFormatOf('application/json')).toBeUndefined()
  })
})

describe('NdjsonParser', () => {
  it('splits lines across chunks and keeps a last line without a newline', () => {
    const parser = new NdjsonParser()
    expect([
      ...parser.push(bytes('{"a":1}\n{"b"')),
      ...parser.push(bytes(':2}\r\n\n{"c":3}')),
      ...parser.end(),
    ]).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '{"c":3}' }])
  })
})

describe('NdjsonParser limits', () => {
  it('drops a line past MAX_EVENT_CHARS, says so, and reads on after it', () => {
    const parser = new NdjsonParser()
    const events = [...parser.push(bytes('{"a":1}\n'))]
    const long = bytes('x'.repeat(1024 * 1024))
    for (let i = 0; i < 65; i++) events.push(...parser.push(long))
    expect(parser.overflowed).toBe(true)
    events.push(...parser.push(bytes('\n{"b":2}\n')), ...parser.end())
    expect(events).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }])
  })
})
