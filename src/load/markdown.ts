// Markdown files are request files: the ```http and ```rest fenced blocks of a document are its
// requests, in order, as if they were one .http file, so everything the .http dialect has works in
// them and every error is located at the document's own line. The document becomes a .http text
// of the same lines: each request block's fence opens a request (`### name`), its lines stay as
// they are, and every other line is empty. A fenced block right after a request block whose info
// string says `response` (```json response, ```http response) is what the document claims came
// back: `test` compares the real response with it, and `--update` rewrites it. Any other word in
// a request or response block's info string is a located error.
//
//   ```http name=login          a request named login
//   ```http skip                shown, not run (also: <!-- reqchain: skip --> on the line above)
//   ```json response            the response, compared (JSON path by path, volatile fields left out)
//   ```http response            a status line, the headers to compare, a blank line, the body
//   ```json response example    shown as an example, not compared (an LLM's reply varies)
import { LoadError } from '../errors.js'

/** A response block of the document, and where it is. */
export type DocumentedResponse = {
  /** 1-based lines of the opening and closing fence (the closing one is the opening one's when unclosed). */
  readonly openLine: number
  readonly closeLine: number
  /** The block's language: `json`, `http`, or another (compared as text). */
  readonly language: string
  /** `example`: shown, never compared. */
  readonly example: boolean
  /** The block's content, its indentation taken off. */
  readonly text: string
  readonly indent: string
}

/** A request block: its lines (1-based, fences included), and its response block if it has one. */
export type RequestBlock = {
  readonly openLine: number
  readonly closeLine: number
  readonly indent: string
  readonly response?: DocumentedResponse
}

/** What the document holds: its .http text, and its request blocks. */
export type MarkdownRequests = { readonly http: string; readonly blocks: readonly RequestBlock[] }

/** The block a request (by its line) was written in. */
export function blockOf(blocks: readonly RequestBlock[], line: number): RequestBlock | undefined {
  return blocks.find((block) => line > block.openLine && line <= block.closeLine)
}

type Fence = { line: number; indent: string; marker: string; info: string[] }

const OPENING = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/

/** The fenced blocks of a Markdown text, in order, with their lines (0-based). */
function fencedBlocks(lines: readonly string[]): { open: Fence; closeLine: number; body: string[] }[] {
  const blocks: { open: Fence; closeLine: number; body: string[] }[] = []
  for (let i = 0; i < lines.length; i++) {
    const match = lines[i]!.match(OPENING)
    if (!match) continue
    const open: Fence = {
      line: i,
      indent: match[1]!,
      marker: match[2]!,
      info: match[3]!.trim().split(/\s+/).filter(Boolean),
    }
    const closing = new RegExp(`^\\s*${open.marker[0] === '`' ? '`' : '~'}{${open.marker.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !closing.test(lines[end]!)) end++
    const body = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(open.indent) ? line.slice(open.indent.length) : line.trimStart()))
    blocks.push({ open, closeLine: Math.min(end, lines.length - 1), body })
    i = end
  }
  return blocks
}

/** The words a request block's info string may hold after `http`, and a response block's after its language. */
const REQUEST_WORDS = /^(skip|name=\S+)$/
const RESPONSE_WORDS = /^(response|example)$/

export function markdownRequests(source: string, file: string): MarkdownRequests {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/)
  const http: string[] = lines.map(() => '')
  const requestBlocks: RequestBlock[] = []
  const blocks = fencedBlocks(lines)
  /** Response blocks that belong to a request block (run or skipped). */
  const belonging = new Set<number>()
  blocks.forEach((block, index) => {
    const [language = '', ...words] = block.open.info
    if (words.includes('response')) {
      if (belonging.has(index)) return
      throw new LoadError(
        'LOAD_SYNTAX',
        'A response block with no request block right before it',
        { file, line: block.open.line + 1, column: block.open.indent.length + 1 },
        'a ```json response block follows the ```http block whose response it shows, with only blank lines between',
      )
    }
    if (!['http', 'rest'].includes(language.toLowerCase())) return
    const following = blocks[index + 1]
    if (
      following?.open.info.includes('response') &&
      lines.slice(block.closeLine + 1, following.open.line).every((line) => line.trim() === '')
    )
      belonging.add(index + 1)
    const above = lines.slice(0, block.open.line).findLast((line) => line.trim() !== '')
    if (words.includes('skip') || /<!--\s*reqchain:\s*skip\s*-->/.test(above ?? '')) return
    const unknown = words.find((w) => !REQUEST_WORDS.test(w))
    if (unknown !== undefined)
      throw new LoadError(
        'LOAD_SYNTAX',
        `Unknown word \`${unknown}\` in the request block's info string`,
        {
          file,
          line: block.open.line + 1,
          column: lines[block.open.line]!.indexOf(unknown) + 1,
          length: unknown.length,
        },
        'a request block is ```http, with `skip` to show it without running it, or `name=NAME`',
      )
    const name = words.find((w) => w.startsWith('name='))?.slice(5)
    http[block.open.line] = `###${name ? ` ${name}` : ''}`
    block.body.forEach((line, i) => (http[block.open.line + 1 + i] = line))
    const next = blocks[index + 1]
    const between = next ? lines.slice(block.closeLine + 1, next.open.line) : []
    const answered = next && next.open.info.includes('response') && between.every((line) => line.trim() === '')
    const odd = answered ? next.open.info.slice(1).find((w) => !RESPONSE_WORDS.test(w)) : undefined
    if (odd !== undefined)
      throw new LoadError(
        'LOAD_SYNTAX',
        `Unknown word \`${odd}\` in the response block's info string`,
        { file, line: next!.open.line + 1, column: lines[next!.open.line]!.indexOf(odd) + 1, length: odd.length },
        'a response block is ```json response (or ```http response), with `example` to show it without comparing',
      )
    requestBlocks.push({
      openLine: block.open.line + 1,
      closeLine: block.closeLine + 1,
      indent: block.open.indent,
      ...(answered
        ? {
            response: {
              openLine: next.open.line + 1,
              closeLine: next.closeLine + 1,
              language: (next.open.info[0] ?? '').toLowerCase(),
              example: next.open.info.includes('example'),
              text: next.body.join('\n'),
              indent: next.open.indent,
            },
          }
        : {}),
    })
  })
  return { http: http.join('\n'), blocks: requestBlocks }
}

/** Whether a line opens (or closes) a fenced block, as CommonMark reads it (a backtick fence's info has no backticks). */
export function isFence(line: string): boolean {
  return OPENING.test(line)
}

/** Whether a path is a Markdown document. */
export function isMarkdown(path: string): boolean {
  return /\.(md|markdown)$/i.test(path)
}
