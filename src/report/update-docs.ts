// `test --update`: a Markdown document's response blocks rewritten with what the server answered —
// pretty JSON (a stream as the message it assembles to; its reply text in a ```text block),
// secrets masked, and the values that change on every call (ids, dates, timings) kept as the
// document had them, so the next update and the next check stay quiet. With --add-responses, a
// request block that has no response block gets one. Everything else in the document is left byte
// for byte — line endings, trailing spaces, the other blocks — and the file is written whole or
// not at all.
import type { Exchange, RequestFile, RequestTemplate } from '../model.js'
import type { Secrets } from '../secrets.js'
import { blockOf, type RequestBlock } from '../load/markdown.js'
import { documentedParts, parseJson } from '../check/documented.js'
import { llmValues } from '../check/llm.js'
import { isVolatileKey, isVolatileText } from '../record/compare.js'
import { responseText } from '../check/extract.js'
import { writeAtomically } from './write.js'

/** The last exchange of each request block of each document, as the run gives them. */
export class DocumentUpdates {
  private readonly answers = new Map<RequestFile, Map<RequestBlock, Exchange>>()

  constructor(
    private readonly secrets: Secrets,
    private readonly addResponses: boolean,
  ) {}

  add(file: RequestFile, template: RequestTemplate, exchange: Exchange | undefined): void {
    const block = file.markdown && exchange ? blockOf(file.markdown.blocks, template.span.line) : undefined
    if (!block || !exchange) return
    let byBlock = this.answers.get(file)
    if (!byBlock) this.answers.set(file, (byBlock = new Map()))
    byBlock.set(block, exchange)
  }

  /** Writes each document that changed; returns what was done, a line per document. */
  write(): string[] {
    const said: string[] = []
    for (const [file, byBlock] of this.answers) {
      const updated = updatedText(file.source, byBlock, this.secrets, this.addResponses)
      if (updated.text === file.source) continue
      writeAtomically(file.absolutePath, updated.text)
      said.push(
        `updated ${file.path}: ${updated.rewritten} response block${updated.rewritten === 1 ? '' : 's'} rewritten${updated.added > 0 ? `, ${updated.added} added` : ''}`,
      )
    }
    return said
  }
}

/** The document with its response blocks rewritten (and added), its other bytes as they were. */
export function updatedText(
  source: string,
  byBlock: ReadonlyMap<RequestBlock, Exchange>,
  secrets: Secrets,
  addResponses: boolean,
): { text: string; rewritten: number; added: number } {
  const bom = source.startsWith('\uFEFF') ? '\uFEFF' : ''
  const lines = (bom ? source.slice(1) : source).split(/(?<=\n)/)
  const eol = source.includes('\r\n') ? '\r\n' : '\n'
  // From the last block up, so each edit leaves the lines above it where they were.
  const edits = [...byBlock].sort(([a], [b]) => b.openLine - a.openLine)
  let rewritten = 0
  let added = 0
  for (const [block, exchange] of edits) {
    const response = block.response
    if (response) {
      const content = blockContent(response.language, exchange, documentedParts(response), secrets)
      const body = content.split('\n').map((line) => `${line === '' ? '' : response.indent}${line}${eol}`)
      const from = response.openLine // 0-based index of the first content line
      const to = response.closeLine - 1 // 0-based index of the closing fence
      const old = lines.slice(from, to).join('')
      if (old !== body.join('')) rewritten++
      lines.splice(from, to - from, ...body)
    } else if (addResponses) {
      const json = parseJson(exchange.assembled ?? responseText(exchange))
      const language = json.ok ? 'json' : 'text'
      const content = blockContent(language, exchange, { headers: [], body: '' }, secrets)
      const indent = block.indent
      const at = block.closeLine // after the request block's closing fence
      if (!lines[at - 1]?.endsWith('\n')) lines[at - 1] = `${lines[at - 1] ?? ''}${eol}`
      lines.splice(
        at,
        0,
        eol,
        `${indent}\`\`\`${language} response${eol}`,
        ...content.split('\n').map((line) => `${line === '' ? '' : indent}${line}${eol}`),
        `${indent}\`\`\`${eol}`,
      )
      added++
    }
  }
  return { text: bom + lines.join(''), rewritten, added }
}

/** What a response block holds for this exchange, in the block's language. */
function blockContent(
  language: string,
  exchange: Exchange,
  documented: ReturnType<typeof documentedParts>,
  secrets: Secrets,
): string {
  const text = exchange.assembled ?? responseText(exchange)
  const json = parseJson(text)
  const documentedJson = parseJson(documented.body)
  const body = json.ok
    ? JSON.stringify(documentedJson.ok ? keepVolatile(documentedJson.value, json.value) : json.value, null, 2)
    : text.replace(/\r?\n$/, '')
  if (language === 'text') {
    const [reply] = json.ok ? llmValues(json.value, 'reply') : []
    return secrets.mask(typeof reply === 'string' ? reply : text.replace(/\r?\n$/, ''))
  }
  if (language !== 'http' || documented.status === undefined) return secrets.mask(body)
  const headers = documented.headers.map(([name, shown]) => {
    const value = exchange.headers
      .filter(([n]) => n.toLowerCase() === name.toLowerCase())
      .map(([, v]) => v)
      .join(', ')
    return `${name}: ${isVolatileText(shown, value) ? shown : secrets.maskHeader(name, value)}`
  })
  const status = `HTTP/${exchange.httpVersion} ${exchange.status}${exchange.statusText ? ` ${exchange.statusText}` : ''}`
  return [status, ...headers, '', secrets.mask(body)].join('\n')
}

/** The answer, with the values that change on every call as the document had them. */
function keepVolatile(documented: unknown, actual: unknown): unknown {
  if (typeof documented === 'string' && typeof actual === 'string')
    return isVolatileText(documented, actual) ? documented : actual
  if (Array.isArray(documented) && Array.isArray(actual))
    return actual.map((item, i) => (i < documented.length ? keepVolatile(documented[i], item) : item))
  if (isObject(documented) && isObject(actual))
    return Object.fromEntries(
      Object.entries(actual).map(([key, value]) => [
        key,
        !(key in documented) ? value : isVolatileKey(key) ? documented[key] : keepVolatile(documented[key], value),
      ]),
    )
  return actual
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
