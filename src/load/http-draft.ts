// The pieces the .http parser passes between its parts: a line of the file, the request being
// read (its draft), and a cursor over a block's lines that says where something is.
import { LoadError } from '../errors.js'
import type { BodyPart, Directive, Extra, Header, SourceSpan, Text } from '../model.js'

export type Line = { readonly text: string; readonly number: number }

export type Draft = {
  name?: string
  span: SourceSpan
  method: string
  url: Text
  urlLines: Line[]
  httpVersion?: string
  headers: Header[]
  bodyLines: { text: string; line: number; column: number }[]
  fileParts: Map<number, BodyPart>
  directives: Directive[]
  extras: Extra[]
}

/** A block's lines, the one being read, and positions in the file. */
export class LineCursor {
  protected index = 0

  constructor(
    protected readonly file: string,
    protected readonly lines: Line[],
  ) {}

  /** The line being read, and a step past it. */
  get at(): number {
    return this.index
  }

  set at(index: number) {
    this.index = index
  }

  lineAt(index: number): Line | undefined {
    return this.lines[index]
  }

  get length(): number {
    return this.lines.length
  }

  span(line: Line, column = 1, length?: number): SourceSpan {
    return length === undefined
      ? { file: this.file, line: line.number, column }
      : { file: this.file, line: line.number, column, length }
  }

  error(message: string, line: Line, column: number, hint?: string, length?: number): LoadError {
    return new LoadError('LOAD_SYNTAX', message, this.span(line, column, length), hint)
  }
}

export function indentOf(text: string): number {
  return text.length - text.trimStart().length
}
