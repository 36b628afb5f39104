// text/event-stream, parsed by the WHATWG rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
//
//   event: ping          ┐
//   data: {"a":1}        ├→ { event: 'ping', data: '{"a":1}\n2' }
//   data: 2              ┘
//   (blank line)
//
// Chunks may split anywhere: inside a line, inside a UTF-8 sequence, between CR and LF. One
// addition: llama-server writes `error: {…}` lines, which a strict parser drops; they become events
// with `isErrorLine`.
//
// One limit: an event (its unfinished line and the data lines gathered for it) may hold at most
// MAX_EVENT_CHARS of text. Past it the parser drops that event up to the next line end and says so
// (`overflowed`): a server that never ends a line cannot take the run's memory.
import type { SseEvent } from '../model.js'

/** The most text one event of a stream may hold while it is read (64 Mi characters). */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024

/** What both parsers keep of an unfinished line: its pieces, their length, and whether it grew too long. */
class PendingLine {
  pieces: string[] = []
  chars = 0
  /** The line passed the limit: the rest of it, up to its end, is dropped. */
  dropping = false

  add(text: string, held: number): void {
    if (this.dropping) return
    if (this.chars + text.length + held > MAX_EVENT_CHARS) {
      this.pieces = []
      this.chars = 0
      this.dropping = true
      return
    }
    this.pieces.push(text)
    this.chars += text.length
  }

  /** The whole line once its end has come (`last` is its final piece), or undefined if it was dropped. */
  finish(last: string, held: number): string | undefined {
    if (this.dropping) {
      this.dropping = false
      return undefined
    }
    if (this.pieces.length === 0) return last.length + held > MAX_EVENT_CHARS ? undefined : last
    if (this.chars + last.length + held > MAX_EVENT_CHARS) {
      this.pieces = []
      this.chars = 0
      return undefined
    }
    this.pieces.push(last)
    const line = this.pieces.join('')
    this.pieces = []
    this.chars = 0
    return line
  }
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8')
  /** The line being read, in the pieces it arrived in: joined once, when its end arrives. */
  private readonly pending = new PendingLine()
  private skipLeadingLf = false
  private data: string[] = []
  private dataChars = 0
  /** An event passed MAX_EVENT_CHARS and was dropped. */
  overflowed = false
  /** The lines up to the end of the event that passed the limit are dropped with it. */
  private skipEvent = false
  private event: string | undefined
  private id: string | undefined
  private sawBom = false

  /** Feeds bytes; returns the events they complete. */
  push(chunk: Uint8Array): SseEvent[] {
    let text = this.decoder.decode(chunk, { stream: true })
    if (!this.sawBom && text.length > 0) {
      this.sawBom = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    return this.lines(text)
  }

  /** Ends the stream: a last event without its blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    return this.lines(this.decoder.decode())
  }

  /**
   * Only the new text is searched for line ends, and an unfinished line is kept in pieces, so one
   * 200 MB `data:` line costs what its bytes cost, however many chunks it arrives in.
   */
  private lines(text: string): SseEvent[] {
    const events: SseEvent[] = []
    let start = 0
    if (this.skipLeadingLf && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1
      this.skipLeadingLf = false
    }
    let cr = text.indexOf('\r', start)
    let lf = text.indexOf('\n', start)
    while (cr >= 0 || lf >= 0) {
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf)
      const line = this.pending.finish(text.slice(start, end), this.dataChars)
      if (line === undefined) this.drop()
      else this.line(line, events)
      start = end + 1
      if (end === cr) {
        if (end + 1 >= text.length)
          this.skipLeadingLf = true // the LF of a CRLF may come in the next chunk
        else if (text.charCodeAt(end + 1) === 10) start++
      }
      if (cr >= 0 && cr < start) cr = text.indexOf('\r', start)
      if (lf >= 0 && lf < start) lf = text.indexOf('\n', start)
    }
    if (start < text.length) {
      this.pending.add(start === 0 ? text : text.slice(start), this.dataChars)
      if (this.pending.dropping) this.drop()
    }
    return events
  }

  /** The event being gathered passed the limit: it is dropped whole. */
  private drop(): void {
    this.overflowed = true
    this.skipEvent = true
    this.data = []
    this.dataChars = 0
  }

  private pushData(value: string): void {
    this.data.push(value)
    this.dataChars += value.length + 1
  }

  private line(line: string, events: SseEvent[]): void {
    if (this.skipEvent) {
      if (line === '') this.skipEvent = false
      return
    }
    if (line === '') {
      if (this.data.length > 0) {
        const event: { event?: string; id?: string; data: string } = {
          data: this.data.length === 1 ? this.data[0]! : this.data.join('\n'),
        }
        if (this.event) event.event = this.event
        if (this.id !== undefined) event.id = this.id
        events.push(event)
        this.data = []
        this.dataChars = 0
      }
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment
    if (line.startsWith('data: ')) {
      // nearly every line of an LLM stream
      this.pushData(line.slice(6))
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data':
        this.pushData(value)
        break
      case 'event':
        this.event = value
        break
      case 'id':
        if (!value.includes('\0')) this.id = value
        break
      case 'error':
        events.push({ event: 'error', data: value, isErrorLine: true })
        break
    }
  }
}

/** application/x-ndjson and application/jsonl: one JSON value per line (Ollama's native API). */
export class NdjsonParser {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly pending = new PendingLine()
  /** A line passed MAX_EVENT_CHARS and was dropped. */
  overflowed = false

  push(chunk: Uint8Array): SseEvent[] {
    return this.take(this.decoder.decode(chunk, { stream: true }), false)
  }

  end(): SseEvent[] {
    return this.take(this.decoder.decode(), true)
  }

  /** As in SseParser, only new text is searched and an unfinished line waits in pieces. */
  private take(text: string, final: boolean): SseEvent[] {
    const events: SseEvent[] = []
    let start = 0
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      this.emit(this.pending.finish(text.slice(start, newline), 0), events)
      start = newline + 1
    }
    if (start < text.length) {
      this.pending.add(start === 0 ? text : text.slice(start), 0)
      if (this.pending.dropping) this.overflowed = true
    }
    if (final && (this.pending.chars > 0 || this.pending.dropping)) this.emit(this.pending.finish('', 0), events)
    return events
  }

  private emit(line: string | undefined, events: SseEvent[]): void {
    if (line === undefined) {
      this.overflowed = true
      return
    }
    const trimmed = line.trim()
    if (trimmed) events.push({ data: trimmed })
  }
}

export type StreamFormat = 'sse' | 'ndjson'

/** The events of a whole stream body. Reports re-parse them so a long stream is not held twice while it arrives. */
export function parseStreamEvents(body: Uint8Array, format: StreamFormat): SseEvent[] {
  const parser = format === 'sse' ? new SseParser() : new NdjsonParser()
  return [...parser.push(body), ...parser.end()]
}

/** A stream is recognised by the response's Content-Type, whatever the request asked for. */
export function streamFormatOf(contentType: string | undefined): StreamFormat | undefined {
  if (!contentType) return undefined
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (type === 'text/event-stream') return 'sse'
  if (
    type === 'application/x-ndjson' ||
    type === 'application/jsonl' ||
    type === 'application/ndjson' ||
    type === 'application/jsonlines'
  )
    return 'ndjson'
  return undefined
}
