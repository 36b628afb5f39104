// The render stage: a request template and the variables in scope become a concrete HTTP request.
//
//   POST {{baseUrl}}/chat/completions      →  POST http://localhost:11434/v1/chat/completions
//   {"content": "{{answer}}"}              →  {"content": "He said \"hi\"\nthen left"}
import { dirname, resolve } from 'node:path'
import { RenderError } from '../errors.js'
import {
  type Body,
  type HeaderPairs,
  type HttpRequest,
  type RequestFile,
  type RequestTemplate,
  type SourceSpan,
  type Text,
  headerValue,
} from '../model.js'
import { type JsonNode, jsonStrings } from '../load/located-json.js'
import { FILE_ROOT_HINT, InputFileError, readInputFile } from '../load/input-file.js'
import { loadJsonPath } from '../check/jsonpath.js'
import { registerHelpers } from './helpers.js'
import type { Scope } from './scope.js'
import {
  type RenderMode,
  type TemplateRuntime,
  loadTemplateEngine,
  needsEngine,
  renderText,
  stringify,
} from './template.js'

registerHelpers()

/**
 * Loads what rendering these files needs: Handlebars only when a template uses more than plain
 * `{{name}}` variables (a helper, a block), jsonpath-plus when one may reference a response by
 * JSONPath (`{{ask.response.body.$.id}}`).
 */
export async function prepareRender(files: readonly RequestFile[]): Promise<void> {
  if (!files.some((file) => file.source.includes('{{'))) return
  await Promise.all([files.some(needsTemplateEngine) ? loadTemplateEngine() : undefined, loadJsonPath()])
}

function needsTemplateEngine(file: RequestFile): boolean {
  const texts: Text[] = [...file.vars.map((v) => v.value)]
  for (const request of file.requests) {
    texts.push(request.url, ...request.headers.map((h) => h.value))
    for (const assertion of request.asserts)
      if (assertion.expected) texts.push({ raw: assertion.expected, span: assertion.span })
    const body = request.body
    if (body?.kind === 'graphql') texts.push(body.query, ...(body.variables ? [body.variables] : []))
    if (body?.kind === 'json')
      texts.push(...jsonStrings(body.value as JsonNode).map((raw) => ({ raw, span: body.span })))
    if (body?.kind === 'parts') {
      for (const part of body.parts) {
        if (part.kind === 'text') texts.push(part.text)
        else if (part.templated)
          return true // the file's text is known only when it is read
        else texts.push({ raw: part.path, span: part.span })
      }
    }
  }
  return texts.some(needsEngine)
}

export { type NamedExchange, Scope } from './scope.js'

const encoder = new TextEncoder()

export function render(template: RequestTemplate, scope: Scope): HttpRequest {
  const { context, runtime } = scope
  const text = (t: Text, mode: RenderMode = 'text') => stringify(renderText(t, context, runtime, mode))
  const headers: [string, string][] = template.headers.map((h) => [h.name, authorization(h.name, text(h.value))])
  const contentType = headerValue(headers, 'content-type') ?? ''
  const written = finishUrl(text(template.url), headers, template.url, (context as Record<string, unknown>)['host'])
  const url = written.includes('@') ? userinfoToBasic(written, headers) : written
  const body = template.body ? renderBody(template.body, contentType, context, runtime, scope) : undefined
  return { method: template.method, url, headers, ...(body ? { body } : {}) }
}

function renderBody(
  body: Body,
  contentType: string,
  context: Record<string, unknown>,
  runtime: TemplateRuntime,
  scope: Scope,
): Uint8Array {
  const isJson = /[/+]json\b/i.test(contentType)
  switch (body.kind) {
    case 'json':
      return encoder.encode(JSON.stringify(renderJsonNode(body.value as JsonNode, context, runtime)))
    case 'graphql': {
      const query = stringify(renderText(body.query, context, runtime, 'text'))
      let variables: unknown
      if (body.variables) {
        const text = stringify(renderText(body.variables, context, runtime, 'json'))
        try {
          variables = JSON.parse(text)
        } catch (error) {
          throw new RenderError(
            'RENDER_SYNTAX',
            `GraphQL variables are not valid JSON: ${(error as Error).message}`,
            body.variables.span,
          )
        }
      }
      return encoder.encode(JSON.stringify(variables === undefined ? { query } : { query, variables }))
    }
    case 'parts': {
      const isForm = /application\/x-www-form-urlencoded/i.test(contentType)
      const chunks: Uint8Array[] = []
      body.parts.forEach((part, i) => {
        if (i > 0) chunks.push(encoder.encode(body.lineBreak))
        if (part.kind === 'text') {
          let text = stringify(renderText(part.text, context, runtime, isJson ? 'json' : 'text'))
          if (isJson && body.parts.length === 1 && !scope.allowInvalidJson) checkRenderedJson(part.text, text)
          if (isForm) text = text.replace(/\r?\n[ \t]*(?=&)/g, '')
          if (body.lineBreak === '\r\n') text = text.replace(/\r?\n/g, '\r\n')
          chunks.push(encoder.encode(text))
        } else {
          chunks.push(readBodyFile(part.path, part.templated, part.span, context, runtime, scope, isJson))
        }
      })
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    }
  }
}

/**
 * A templated body sent as JSON that its values or helpers broke (`{"n": {{n}}}` with n = "abc", an
 * `{{#each}}` without commas) fails before it is sent, instead of reaching the server as a puzzle.
 */
function checkRenderedJson(template: Text, rendered: string): void {
  // A stand-in for a value known only at run time (curl export, dry run) is not JSON yet.
  // Whatever helpers the template holds (`{{#each}}` too): what is sent as JSON must be JSON.
  if (!template.raw.includes('{{') || rendered.includes('\uE100')) return
  try {
    JSON.parse(rendered)
  } catch (error) {
    throw new RenderError(
      'RENDER_INVALID_JSON',
      `The body is not valid JSON once rendered: ${(error as Error).message}`,
      template.span,
      'a value went in outside quotes: write "{{x}}" for a string or {{json x}} for any value (--allow-invalid-json sends it anyway)',
    )
  }
}

function readBodyFile(
  path: string,
  templated: boolean,
  span: SourceSpan,
  context: Record<string, unknown>,
  runtime: TemplateRuntime,
  scope: Scope,
  isJson: boolean,
): Uint8Array {
  const renderedPath = stringify(renderText({ raw: path, span }, context, runtime, 'text'))
  const absolute = resolve(dirname(scope.file.absolutePath), renderedPath)
  let bytes: Buffer
  try {
    bytes = readInputFile(absolute, scope.file.root)
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error
    if (error.message.startsWith('is outside the file root'))
      throw new RenderError('LOAD_BODY_FILE', `Body file ${renderedPath} ${error.message}`, span, FILE_ROOT_HINT)
    if (error.message === 'not found')
      throw new RenderError(
        'LOAD_BODY_FILE',
        `Body file not found: ${renderedPath}`,
        span,
        `paths are relative to the request file's folder (${dirname(scope.file.path) || '.'})`,
      )
    throw new RenderError(
      'LOAD_BODY_FILE',
      `Body file ${renderedPath} ${error.message}`,
      span,
      'a body file is a regular file of at most 1 GiB',
    )
  }
  if (!templated) return bytes
  const text: Text = { raw: bytes.toString('utf8'), span: { file: renderedPath, line: 1, column: 1 } }
  return encoder.encode(stringify(renderText(text, context, runtime, isJson ? 'json' : 'text')))
}

/** A JSON request file's `json` body: a string that is exactly one mustache takes the value's own type. */
function renderJsonNode(node: JsonNode, context: Record<string, unknown>, runtime: TemplateRuntime): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {}
      // As an own property whatever the key: `__proto__` is data in JSON, not the object's prototype.
      for (const entry of node.entries)
        Object.defineProperty(out, entry.key, {
          value: renderJsonNode(entry.value, context, runtime),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      return out
    }
    case 'array':
      return node.items.map((item) => renderJsonNode(item, context, runtime))
    case 'string': {
      if (!node.value.includes('{{')) return node.value
      const text: Text = { raw: node.value, span: { ...node.span, column: node.span.column + 1 } }
      return renderText(text, context, runtime, 'value')
    }
    default:
      return node.value
  }
}

/** JetBrains and REST Client encode `Authorization: Basic user password` (or `user:password`) for you. */
function authorization(name: string, value: string): string {
  if (name.toLowerCase() !== 'authorization') return value
  const match = value.match(/^Basic\s+(\S+?)(?::|\s+)(\S*)$/)
  if (!match || (!value.includes(':') && !/^Basic\s+\S+\s+\S/.test(value))) return value
  return `Basic ${Buffer.from(`${match[1]}:${match[2]}`).toString('base64')}`
}

/**
 * Completes and checks the rendered URL: `localhost:8080/x` gets `http://` (§3.2.1.1), an origin-form
 * `/path` takes its host from the Host header, else from a `host` variable as httpyac and kulala do
 * (`@host = http://localhost:3000` or `localhost:3000`), spaces and non-ASCII are percent-encoded
 * (existing `%XX` is kept, §4.1.2), and the fragment is dropped because it is never sent.
 */
/**
 * `http://user:pass@host/` sends its credentials as curl does: an `Authorization: Basic` header
 * (unless the request writes one), and a URL without them.
 */
function userinfoToBasic(url: string, headers: [string, string][]): string {
  const parsed = new URL(url)
  if (parsed.username === '' && parsed.password === '') return url
  if (!headers.some(([name]) => name.toLowerCase() === 'authorization')) {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
    headers.push(['Authorization', `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`])
  }
  parsed.username = ''
  parsed.password = ''
  return parsed.href
}

function finishUrl(raw: string, headers: HeaderPairs, template: Text, hostVariable: unknown): string {
  let url = raw.trim()
  if (url.startsWith('/')) {
    const host = headerValue(headers, 'host')
    if (host) url = `http://${host}${url}`
    else if (typeof hostVariable === 'string' && hostVariable.trim() !== '') {
      const base = hostVariable.trim().replace(/\/+$/, '')
      url = `${/^[a-z][a-z0-9+.-]*:\/\//i.test(base) ? base : `http://${base}`}${url}`
    } else
      throw new RenderError(
        'RENDER_URL',
        `\`${url}\` has no host`,
        template.span,
        'write a full URL ({{baseUrl}}/path), add a Host header, or set a host variable (@host = localhost:8080)',
      )
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    url = `http://${url}`
  }
  url = url.replace(/#.*$/s, '')
  const encoded = url.replace(/%(?![0-9A-Fa-f]{2})|[^\x21-\x7E]/gu, (c) => encodeURIComponent(c))
  let parsed: URL
  try {
    parsed = new URL(encoded)
  } catch {
    throw new RenderError(
      'RENDER_URL',
      `Invalid URL: ${raw}`,
      template.span,
      template.raw.includes('{{') ? 'check the variables the URL uses' : 'a URL looks like http://host:port/path',
    )
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RenderError(
      'RENDER_URL',
      `Unsupported scheme \`${parsed.protocol.slice(0, -1)}\``,
      template.span,
      'reqchain sends http:// and https:// requests',
    )
  }
  return encoded
}
