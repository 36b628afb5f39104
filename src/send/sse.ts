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
  private buffer = ''
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

  private lines(text: string): SseEvent[] {
    const events: SseEvent[] = []
    if (this.skipLeadingLf && text.startsWith('\n')) text = text.slice(1)
    this.skipLeadingLf = false
    const buffer = this.buffer + text
    let start = 0
    if (buffer.indexOf('\r') < 0) {
      // LF-only line ends, what every LLM server sends: let indexOf find them.
      for (let lf = buffer.indexOf('\n'); lf >= 0; lf = buffer.indexOf('\n', start)) {
        this.line(buffer.slice(start, lf), events)
        start = lf + 1
      }
    } else {
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i)
        if (c !== 10 && c !== 13) continue
        this.line(buffer.slice(start, i), events)
        if (c === 13) {
          if (i + 1 < buffer.length) { if (buffer.charCodeAt(i + 1) === 10) i++ }
          else this.skipLeadingLf = true
        }
        start = i + 1
      }
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start)
    return events
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const event: { event?: string; id?: string; data: string } = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') }
        if (this.event) event.event = this.event
        if (this.id !== undefined) event.id = this.id
        events.push(event)
        this.data = []
      }
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment
    if (line.startsWith('data: ')) { // nearly every line of an LLM stream
      this.data.push(line.slice(6))
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data': this.data.push(value); break
      case 'event': this.event = value; break
      case 'id': if (!value.includes('\0')) this.id = value; break
      case 'error': events.push({ event: 'error', data: value, isErrorLine: true }); break
    }
  }
}

/** application/x-ndjson and application/jsonl: one JSON value per line (Ollama's native API). */
export class NdjsonParser {
  private readonly decoder = new TextDecoder('utf-8')
  private buffer = ''

  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true })
    return this.take(false)
  }

  end(): SseEvent[] {
    this.buffer += this.decoder.decode()
    return this.take(true)
  }

  private take(final: boolean): SseEvent[] {
    const events: SseEvent[] = []
    let start = 0
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n', start)) {
      const line = this.buffer.slice(start, newline).trim()
      if (line) events.push({ data: line })
      start = newline + 1
    }
    this.buffer = this.buffer.slice(start)
    if (final && this.buffer.trim()) {
      events.push({ data: this.buffer.trim() })
      this.buffer = ''
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
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/ndjson' || type === 'application/jsonlines') return 'ndjson'
  return undefined
}
