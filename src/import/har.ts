// A HAR file (a browser's or a proxy's record of what it sent) turned into `.http` requests, one
// `###` block per entry, in order. What the browser added on its own is left out: HTTP/2
// pseudo-headers, Host, Content-Length, Connection, Accept-Encoding; entries that only load a page
// (images, scripts, styles, fonts, media) and data:/blob: URLs are skipped unless --all. Tokens,
// API keys and cookies become variables, as in the curl import.
import { LoadError, UsageError } from '../errors.js'
import { bodyFile, checkHeader, checkMethod, checkUrl, holdsLiterally, literal } from './http-text.js'
import { type JsonNode, parseLocatedJson, toPlain } from '../load/located-json.js'
import type { SourceSpan } from '../model.js'
import { Credentials } from './credentials.js'

type HarHeader = { name: string; value: string }
type HarEntry = {
  _resourceType?: string
  request: {
    method: string
    url: string
    headers: HarHeader[]
    postData?: { mimeType?: string; text?: string; params?: { name: string; value?: string }[] }
  }
}

const DROPPED =
  /^(:.*|host|content-length|connection|accept-encoding|keep-alive|transfer-encoding|upgrade|te|priority)$/i
const PAGE_ASSETS = new Set([
  'image',
  'stylesheet',
  'script',
  'font',
  'media',
  'manifest',
  'texttrack',
  'ping',
  'preflight',
  'websocket',
])

export type ImportedHar = {
  readonly http: string
  readonly secrets: readonly { name: string; value: string }[]
  readonly skipped: number
  readonly filtered: number
  readonly count: number
  readonly notes: readonly string[]
}

/** `bodyDir`: where a body the .http dialect cannot hold literally is written as a file of its own (http-text.ts). */
export function importHar(
  text: string,
  file: string,
  all: boolean,
  filter: string | undefined,
  bodyDir: string,
): ImportedHar {
  const tree = parseLocatedJson(text.replace(/^\uFEFF/, ''), file)
  const root = toPlain(tree) as {
    log?: { entries?: unknown } | null
  } | null
  const entries = root?.log?.entries
  const entrySpans = entrySpansOf(tree)
  /** Where entry `index` starts in the file (its `{`), else the file's start. */
  const at = (index: number): SourceSpan => entrySpans[index] ?? { file, line: 1, column: 1 }
  if (!Array.isArray(entries))
    throw new LoadError(
      'LOAD_JSON',
      `${file} is not a HAR file: it has no log.entries`,
      { file, line: 1, column: 1 },
      'export it from the browser\'s network panel with "Save all as HAR"',
    )
  const escape = (text: string) => {
    const held = literal(text)
    if (held === undefined)
      throw new UsageError(
        `${file} holds \\{{ in ${JSON.stringify(text.slice(0, 60))}, which a .http file cannot send literally`,
        'edit the HAR entry, or write that request by hand',
      )
    return held
  }
  const credentials = new Credentials(escape)
  const notes: string[] = []
  const blocks: string[] = []
  let skipped = 0
  let filtered = 0
  const names = new Map<string, number>()
  entries.forEach((value, index) => {
    try {
      importEntry(value, index)
    } catch (error) {
      // What a .http file cannot hold (a method, a header, `\{{`) is this entry's fault: a load error at it.
      if (!(error instanceof UsageError)) throw error
      throw new LoadError('LOAD_JSON', `Entry ${index + 1} of ${file}: ${error.message}`, at(index), error.hint)
    }
  })
  function importEntry(value: unknown, index: number): void {
    const entry = value as HarEntry | null
    const request = entry?.request
    if (typeof request?.method !== 'string' || typeof request.url !== 'string' || !Array.isArray(request.headers)) {
      throw new LoadError(
        'LOAD_JSON',
        `Entry ${index + 1} of ${file} has no request with method, url and headers`,
        at(index),
        "a HAR entry's request needs method, url and headers",
      )
    }
    if (
      !all &&
      (PAGE_ASSETS.has(entry?._resourceType ?? '') || /^(data|blob|chrome-extension|about):/i.test(request.url))
    ) {
      skipped++
      return
    }
    if (filter !== undefined && !request.url.includes(filter)) {
      filtered++
      return
    }
    let path: string
    try {
      path = new URL(request.url).pathname
    } catch {
      throw new LoadError(
        'LOAD_JSON',
        `Entry ${index + 1} of ${file} has a URL that is not one: ${JSON.stringify(request.url.slice(0, 200))}`,
        at(index),
      )
    }
    const method = checkMethod(request.method)
    const name = uniqueName(nameOf(method, path), names)
    const lines = [
      `### ${index + 1}. ${method} ${path.replace(/[^\x21-\x7e]/g, encodeURIComponent)}`,
      `# @name ${name}`,
      '# @no-redirect',
      `${method} ${credentials.url(checkUrl(request.url))}`,
    ]
    for (const header of request.headers as unknown[]) {
      if (typeof header !== 'object' || header === null || typeof (header as { name?: unknown }).name !== 'string')
        throw new LoadError(
          'LOAD_JSON',
          `Entry ${index + 1} of ${file} has a header that is not {name, value}: ${String(JSON.stringify(header)).slice(0, 100)}`,
          at(index),
        )
      const { name, value } = header as { name: string; value?: unknown }
      if (DROPPED.test(name)) continue
      checkHeader(name, String(value))
      lines.push(`${name}: ${credentials.header(name, String(value))}`)
    }
    const post = request.postData as unknown as HarEntry['request']['postData'] | null | undefined
    const badPost =
      post !== undefined &&
      (typeof post !== 'object' ||
        post === null ||
        (post.text !== undefined && typeof post.text !== 'string') ||
        (post.mimeType !== undefined && typeof post.mimeType !== 'string') ||
        (post.params !== undefined &&
          (!Array.isArray(post.params) ||
            post.params.some(
              (p: unknown) =>
                typeof p !== 'object' ||
                p === null ||
                typeof (p as { name?: unknown }).name !== 'string' ||
                ((p as { value?: unknown }).value !== undefined &&
                  typeof (p as { value?: unknown }).value !== 'string'),
            ))))
    if (badPost)
      throw new LoadError(
        'LOAD_JSON',
        `Entry ${index + 1} of ${file} has a postData that is not {mimeType, text} or {params: [{name, value}]}`,
        at(index),
      )
    const body =
      post?.text ??
      (post?.params
        ? post.params.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value ?? '')}`).join('&')
        : undefined)
    if (body !== undefined && body !== '') {
      let shown = body
      if (/json/i.test(post?.mimeType ?? '')) {
        try {
          shown = JSON.stringify(JSON.parse(body), null, 2)
        } catch {
          /* kept as sent */
        }
      }
      if (holdsLiterally(shown, post?.mimeType)) {
        lines.push('', escape(shown))
      } else {
        const written = bodyFile(bodyDir, name, Buffer.from(shown, 'utf8'))
        notes.push(
          `the body of entry ${index + 1} holds text a .http file would read as its own syntax: it is in ${written.path}, beside the .http file, and sent as it is`,
        )
        lines.push('', written.line)
      }
    }
    blocks.push(lines.join('\n'))
  }
  return {
    http: `# Imported from ${file.replace(/[\r\n]/g, ' ')}.\n\n${blocks.join('\n\n')}\n`,
    secrets: credentials.found,
    skipped,
    filtered,
    count: blocks.length,
    notes,
  }
}

/** Where each of `log.entries` starts, in order. */
function entrySpansOf(tree: JsonNode): SourceSpan[] {
  const log = tree.kind === 'object' ? tree.entries.find((e) => e.key === 'log')?.value : undefined
  const entries = log?.kind === 'object' ? log.entries.find((e) => e.key === 'entries')?.value : undefined
  return entries?.kind === 'array' ? entries.items.map((item) => item.span) : []
}

/** A request name from its path: the words of it, without ids and version segments (`/v1/users/42/orders` → `users-orders`). */
function nameOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '' && !/^v\d+$/i.test(segment) && !/\d{3,}|^[0-9a-f-]{16,}$/i.test(segment))
  const name = words
    .map((w) =>
      w
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean)
    .join('-')
    .slice(0, 48)
  return name || method.toLowerCase()
}

function uniqueName(name: string, seen: Map<string, number>): string {
  const count = (seen.get(name) ?? 0) + 1
  seen.set(name, count)
  return count === 1 ? name : `${name}-${count}`
}
