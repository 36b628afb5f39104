// What an imported request becomes as `.http` text, so that it parses back to exactly the request
// imported. An imported command or HAR file may come from anyone, and a `.http` file reads some of
// its text as its own syntax: `{{` is a template, and in a body a line can start a new request
// (`###`), be a comment (`#`, `//`), a script (`> {%`, `< {%`), a file read (`< ./file`), an
// assertion (`?? `) or an example response. Literal `{{` is written `\{{`; a body the dialect cannot
// hold literally goes to a body file beside the .http file, which is sent as it is; a method, header
// or URL it cannot hold is refused.
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'

const METHOD = /^[A-Z][A-Z0-9_-]*$/
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Text with every literal `{{` escaped, or undefined when it cannot be held (it has `\{{` already). */
export function literal(text: string): string | undefined {
  if (text.includes('\\{{')) return undefined
  return text.replace(/\{\{/g, '\\{{')
}

export function checkMethod(method: string): string {
  if (!METHOD.test(method))
    throw new UsageError(
      `The method ${JSON.stringify(method)} cannot be written in a .http file`,
      'a method is a word of capital letters, digits, _ and -',
    )
  return method
}

/** A URL on its request line: no whitespace or control character (they would end or split the line). */
export function checkUrl(url: string): string {
  if (/[\s\p{Cc}]/u.test(url))
    throw new UsageError(
      `The URL ${JSON.stringify(url)} holds whitespace or a control character`,
      'percent-encode it (a space is %20)',
    )
  return url
}

/** A header as received, before it is written: a token name and a one-line value. */
export function checkHeader(name: string, value: string): void {
  if (!HEADER_NAME.test(name))
    throw new UsageError(
      `The header name ${JSON.stringify(name)} cannot be written in a .http file`,
      "a header name is a token (letters, digits, !#$%&'*+-.^_`|~)",
    )
  if (/[\r\n\0]/.test(value))
    throw new UsageError(`The header ${name} holds a line break or NUL`, 'a header value is one line')
}

/**
 * Whether a body reads back as exactly these bytes when written after the blank line: UTF-8 text
 * with `\n` line breaks, no line the dialect reads as its own, nothing the parser trims.
 */
export function holdsLiterally(body: string, contentType: string | undefined): boolean {
  if (/multipart\//i.test(contentType ?? '')) return false // its lines are joined with CRLF
  if (/[\r\0\uFFFD]/.test(body) || body.includes('\\{{')) return false
  const lines = body.split('\n')
  // A form body's line that starts with `&` continues the line before it (REST Client's layout).
  if (
    /application\/x-www-form-urlencoded/i.test(contentType ?? '') &&
    lines.slice(1).some((line) => /^[ \t]*&/.test(line))
  )
    return false
  if (lines[0]!.trim() === '' || /^\s/.test(lines[0]!) || lines[lines.length - 1]!.trim() === '' || /\s$/.test(body))
    return false
  return lines.every((line) => {
    const trimmed = line.trim()
    return !(
      /^###/.test(line) ||
      /^\s*(#|\/\/)/.test(line) ||
      trimmed.startsWith('??') ||
      /^<(@\w*)?\s/.test(trimmed) ||
      /^<>\s/.test(trimmed) ||
      /^>/.test(trimmed) ||
      /^<\s*\{%/.test(trimmed) ||
      trimmed === '{{' ||
      /^HTTP\/\d/.test(trimmed) ||
      /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s/.test(trimmed)
    )
  })
}

/**
 * Writes a body the dialect cannot hold literally to a new file in `dir` (never over an existing
 * one) and returns the body line that sends it as it is.
 */
export function bodyFile(dir: string, stem: string, bytes: Uint8Array): { line: string; path: string } {
  const safe =
    stem
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'body'
  for (let n = 1; n < 10_000; n++) {
    const name = `${safe}${n === 1 ? '' : `-${n}`}.body`
    let fd: number
    try {
      fd = openSync(join(dir, name), 'wx', 0o644)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw new UsageError(
        `Cannot write the body file ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        'run the import in a folder you can write',
      )
    }
    try {
      for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset)
    } finally {
      closeSync(fd)
    }
    return { line: `< ./${name}`, path: name }
  }
  throw new UsageError('Cannot find a free name for the body file')
}
