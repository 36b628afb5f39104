// What a document says of a request, for the HTML report that documents an API: its description
// — the comment lines right above it in a .http file, or the prose before its block in a Markdown
// document — and the request as written (before any variable is rendered).
import type { RequestFile, RequestTemplate } from '../model.js'
import { blockOf, isFence } from '../load/markdown.js'

const linesByFile = new WeakMap<RequestFile, string[]>()

function linesOf(file: RequestFile): string[] {
  let lines = linesByFile.get(file)
  if (!lines) linesByFile.set(file, (lines = file.source.replace(/^\uFEFF/, '').split(/\r?\n/)))
  return lines
}

/** The description of a request: its `@description`/`@note`, else the comments or prose above it. */
export function descriptionOf(file: RequestFile, template: RequestTemplate): string | undefined {
  const note = template.directives.find((d) => d.key === 'note' || d.key === 'description' || d.key === 'title')
  if (note) return note.value
  if (file.kind === 'json') return undefined
  const lines = linesOf(file)
  const block = file.markdown ? blockOf(file.markdown.blocks, template.span.line) : undefined
  return block ? proseAbove(lines, block.openLine - 1) : commentsAbove(lines, template.span.line - 1)
}

/** The request's lines as its file writes them: a Markdown block's, or a .http section's. */
export function writtenOf(file: RequestFile, template: RequestTemplate): string | undefined {
  if (file.kind === 'json') return undefined
  const lines = linesOf(file)
  const block = file.markdown ? blockOf(file.markdown.blocks, template.span.line) : undefined
  if (block) return lines.slice(block.openLine, block.closeLine - 1).join('\n')
  let start = template.span.line - 1
  while (start > 0 && !/^###/.test(lines[start - 1]!)) start--
  let end = template.span.line
  while (end < lines.length && !/^###/.test(lines[end]!)) end++
  const section = lines.slice(start, end)
  while (section.length > 0 && section[section.length - 1]!.trim() === '') section.pop()
  while (section.length > 0 && section[0]!.trim() === '') section.shift()
  return section.join('\n')
}

/** Plain comment lines (not `# @directives`) right above the request line, up to a blank line or a `###`. */
function commentsAbove(lines: readonly string[], index: number): string | undefined {
  const found: string[] = []
  for (let i = index - 1; i >= 0; i--) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('###')) break
    const comment = line.match(/^(?:#|\/\/)\s?(.*)$/)
    if (!comment) break
    if (!comment[1]!.startsWith('@')) found.unshift(comment[1]!)
  }
  const text = found.join('\n').trim()
  return text === '' ? undefined : text
}

/** The paragraph of prose right before a Markdown block (not past a heading or another block). */
function proseAbove(lines: readonly string[], fenceIndex: number): string | undefined {
  const found: string[] = []
  let i = fenceIndex - 1
  while (i >= 0 && (lines[i]!.trim() === '' || /^\s*<!--.*-->\s*$/.test(lines[i]!))) i--
  for (; i >= 0; i--) {
    const line = lines[i]!
    if (line.trim() === '' || isFence(line) || /^#{1,6}\s/.test(line)) break
    found.unshift(line.trim())
  }
  const text = found.join('\n').trim()
  return text === '' ? undefined : text
}
