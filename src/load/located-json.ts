// A strict JSON parser that keeps the 1-based line and column of every value, so errors in JSON
// request files point at the user's text (JSON.parse only says "position 312").
//
//   {"url": "{{baseUrl}}/x"}  →  { kind: 'object', entries: [{ key: 'url', value: { kind: 'string', span: 1:9 } }] }
import { LoadError } from '../errors.js'
import type { SourceSpan } from '../model.js'

export type JsonNode =
  | {
      readonly kind: 'object'
      readonly entries: readonly { readonly key: string; readonly keySpan: SourceSpan; readonly value: JsonNode }[]
      readonly span: SourceSpan
    }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[]; readonly span: SourceSpan }
  | { readonly kind: 'string'; readonly value: string; readonly span: SourceSpan }
  | { readonly kind: 'number'; readonly value: number; readonly span: SourceSpan }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly span: SourceSpan }
  | { readonly kind: 'null'; readonly value: null; readonly span: SourceSpan }

/** Something legal but probably not meant, with where it is: a key written twice. */
export type JsonWarning = { readonly message: string; readonly span: SourceSpan; readonly hint?: string }

/** Parses JSON as JSON.parse does — a key written twice keeps its last value — and says so through `onWarning`. */
export function parseLocatedJson(source: string, file: string, onWarning?: (warning: JsonWarning) => void): JsonNode {
  const parser = new Parser(source.replace(/^\uFEFF/, ''), file, onWarning)
  parser.skipSpace()
  const node = parser.value()
  parser.skipSpace()
  if (!parser.atEnd()) throw parser.error('Unexpected text after the JSON value')
  return node
}

export function toPlain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]))
    case 'array':
      return node.items.map(toPlain)
    default:
      return node.value
  }
}

/** JSON request and environment files nest at most this deep; deeper is a located error, not a crash. */
export const MAX_JSON_DEPTH = 512

/** Every string value in a JSON tree (not the keys): the templates of a JSON file's `json` body. */
export function jsonStrings(node: JsonNode): string[] {
  if (node.kind === 'string') return [node.value]
  if (node.kind === 'array') return node.items.flatMap(jsonStrings)
  if (node.kind === 'object') return node.entries.flatMap((e) => jsonStrings(e.value))
  return []
}

class Parser {
  private depth = 0
  private offset = 0
  private line = 1
  private lineStart = 0

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly onWarning?: (warning: JsonWarning) => void,
  ) {}

  atEnd(): boolean {
    return this.offset >= this.text.length
  }

  private span(length?: number): SourceSpan {
    const base = { file: this.file, line: this.line, column: this.offset - this.lineStart + 1 }
    return length === undefined ? base : { ...base, length }
  }

  error(message: string, hint?: string): LoadError {
    return new LoadError('LOAD_JSON', message, this.span(1), hint)
  }

  skipSpace(): void {
    while (this.offset < this.text.length) {
      const c = this.text[this.offset]!
      if (c === '\n') {
        this.offset++
        this.line++
        this.lineStart = this.offset
      } else if (c === '\r') {
        this.offset++
        if (this.text[this.offset] === '\n') this.offset++
        this.line++
        this.lineStart = this.offset
      } else if (c === ' ' || c === '\t') this.offset++
      else break
    }
  }

  value(): JsonNode {
    const c = this.text[this.offset]
    if (c === '{' || c === '[') {
      if (++this.depth > MAX_JSON_DEPTH)
        throw new LoadError(
          'LOAD_TOO_DEEP',
          `JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
          this.span(1),
          'a request file nests objects and arrays at most 512 levels deep',
        )
      const node = c === '{' ? this.object() : this.array()
      this.depth--
      return node
    }
    if (c === '"') {
      const span = this.span()
      return { kind: 'string', value: this.string(), span }
    }
    const span = this.span()
    const rest = this.text.slice(this.offset, this.offset + 64)
    const literal = rest.match(/^(true|false|null)\b/)
    if (literal) {
      this.offset += literal[1]!.length
      return literal[1] === 'null'
        ? { kind: 'null', value: null, span }
        : { kind: 'boolean', value: literal[1] === 'true', span }
    }
    const number = this.text.slice(this.offset).match(/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/)
    if (number && number[0].length > 0) {
      this.offset += number[0].length
      return { kind: 'number', value: Number(number[0]), span }
    }
    if (c === undefined) throw this.error('Unexpected end of JSON', 'a value, `}` or `]` is missing')
    if (c === "'") throw this.error('JSON strings use double quotes', 'replace the single quotes with "')
    throw this.error(`Unexpected character \`${c}\` in JSON`)
  }

  private object(): JsonNode {
    const span = this.span()
    this.offset++
    const entries: { key: string; keySpan: SourceSpan; value: JsonNode }[] = []
    const seen = new Map<string, (typeof entries)[number]>()
    this.skipSpace()
    if (this.text[this.offset] === '}') {
      this.offset++
      return { kind: 'object', entries, span }
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.offset] === "'")
        throw this.error('JSON strings use double quotes', 'replace the single quotes with "')
      if (this.text[this.offset] !== '"') {
        throw this.error(
          this.text[this.offset] === '}' ? 'Trailing comma in object' : 'Expected a quoted property name',
          'JSON allows no trailing commas and needs "quoted" keys',
        )
      }
      const keySpan = this.span()
      const key = this.string()
      this.skipSpace()
      if (this.text[this.offset] !== ':') throw this.error('Expected `:` after the property name')
      this.offset++
      this.skipSpace()
      const entry = { key, keySpan: { ...keySpan, length: key.length + 2 }, value: this.value() }
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        this.onWarning?.({
          message: `Duplicate key \`${key}\`: the last one counts, as in JSON.parse`,
          span: entry.keySpan,
          hint: `also at line ${earlier.keySpan.line}`,
        })
        entries.splice(entries.indexOf(earlier), 1)
      }
      seen.set(key, entry)
      entries.push(entry)
      this.skipSpace()
      const c = this.text[this.offset]
      if (c === ',') {
        this.offset++
        continue
      }
      if (c === '}') {
        this.offset++
        return { kind: 'object', entries, span }
      }
      throw this.error(
        c === undefined ? 'Unexpected end of JSON: `}` is missing' : 'Expected `,` or `}` after a property',
      )
    }
  }

  private array(): JsonNode {
    const span = this.span()
    this.offset++
    const items: JsonNode[] = []
    this.skipSpace()
    if (this.text[this.offset] === ']') {
      this.offset++
      return { kind: 'array', items, span }
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.offset] === ']') throw this.error('Trailing comma in array')
      items.push(this.value())
      this.skipSpace()
      const c = this.text[this.offset]
      if (c === ',') {
        this.offset++
        continue
      }
      if (c === ']') {
        this.offset++
        return { kind: 'array', items, span }
      }
      throw this.error(
        c === undefined ? 'Unexpected end of JSON: `]` is missing' : 'Expected `,` or `]` after an array item',
      )
    }
  }

  private string(): string {
    const start = this.offset
    this.offset++
    for (;;) {
      const c = this.text[this.offset]
      if (c === undefined || c === '\n' || c === '\r') {
        this.offset = start
        throw this.error('Unterminated string', 'a JSON string ends with " on the same line; write line breaks as \\n')
      }
      if (c === '"') break
      if (c === '\\') this.offset++
      else if (c < ' ') throw this.error('Control character in a JSON string', 'escape it, e.g. \\t for a tab')
      this.offset++
    }
    this.offset++
    try {
      return JSON.parse(this.text.slice(start, this.offset)) as string
    } catch {
      this.offset = start
      throw this.error('Invalid escape in a JSON string')
    }
  }
}
