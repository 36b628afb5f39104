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
import type { SseEvent } from '../model.js'

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8')
  /** The line being read, in the pieces it arrived in: joined once, when its end arrives. */
  private pieces: string[] = []
  private skipLeadingLf = false
  private data: string[] = []
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
      this.line(this.lineEndingAt(text, start, end), events)
      start = end + 1
      if (end === cr) {
        if (end + 1 >= text.length)
          this.skipLeadingLf = true // the LF of a CRLF may come in the next chunk
        else if (text.charCodeAt(end + 1) === 10) start++
      }
      if (cr >= 0 && cr < start) cr = text.indexOf('\r', start)
      if (lf >= 0 && lf < start) lf = text.indexOf('\n', start)
    }
    if (start < text.length) this.pieces.push(start === 0 ? text : text.slice(start))
    return events
  }

  private lineEndingAt(text: string, start: number, end: number): string {
    if (this.pieces.length === 0) return text.slice(start, end)
    this.pieces.push(text.slice(start, end))
    const line = this.pieces.join('')
    this.pieces = []
    return line
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const event: { event?: string; id?: string; data: string } = {
          data: this.data.length === 1 ? this.data[0]! : this.data.join('\n'),
        }
        if (this.event) event.event = this.event
        if (this.id !== undefined) event.id = this.id
        events.push(event)
        this.data = []
      }
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment
    if (line.startsWith('data: ')) {
      // nearly every line of an LLM stream
      this.data.push(line.slice(6))
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data':
        this.data.push(value)
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
  private pieces: string[] = []

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
      let line = text.slice(start, newline)
      if (this.pieces.length > 0) {
        this.pieces.push(line)
        line = this.pieces.join('')
        this.pieces = []
      }
      line = line.trim()
      if (line) events.push({ data: line })
      start = newline + 1
    }
    if (start < text.length) this.pieces.push(start === 0 ? text : text.slice(start))
    if (final && this.pieces.length > 0) {
      const line = this.pieces.join('').trim()
      this.pieces = []
      if (line) events.push({ data: line })
    }
    return events
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
