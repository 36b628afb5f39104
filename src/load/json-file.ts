// Parses reqchain's JSON request format: one request object, or `{ "vars": {…}, "requests": [ … ] }`.
// The schema ships as schema/requests.schema.json; its keys and this file's must agree (a test checks).
//
//   { "name": "ask", "method": "POST", "url": "{{baseUrl}}/chat/completions",
//     "json": { "model": "{{model}}", "messages": "{{json history}}" },
//     "capture": { "answer": "$.choices[0].message.content" }, "assert": ["status == 200"] }
import { LoadError, nearest } from '../errors.js'
import type {
  AssertionSpec,
  Body,
  CaptureSpec,
  FileVar,
  Header,
  RequestOptions,
  RequestTemplate,
  SourceSpan,
  Text,
} from '../model.js'
import { parseAssertion, parseCapture, timeLimitMs } from './directives.js'
import { type JsonNode, type JsonWarning, parseLocatedJson, toPlain } from './located-json.js'

export const FILE_KEYS = ['$schema', 'vars', 'requests'] as const
export const REQUEST_KEYS = [
  'name',
  'description',
  'method',
  'url',
  'headers',
  'body',
  'json',
  'bodyFile',
  'capture',
  'assert',
  'options',
] as const
export const OPTION_KEYS = ['timeout', 'followRedirects', 'unixSocket'] as const
export const BODY_FILE_KEYS = ['path', 'templated'] as const

type ObjectNode = JsonNode & { kind: 'object' }

export function parseJsonFile(
  source: string,
  file: string,
  onWarning?: (warning: JsonWarning) => void,
): { vars: FileVar[]; requests: RequestTemplate[] } {
  const root = parseLocatedJson(source, file, onWarning)
  const top = expectObject(
    root,
    'A JSON request file holds an object',
    'write `{ "requests": [ … ] }` or a single request object',
  )
  if (!top.entries.some((e) => e.key === 'requests')) {
    return { vars: [], requests: [parseRequest(top)] }
  }
  checkKeys(top, FILE_KEYS, 'file')
  const vars: FileVar[] = []
  const varsNode = field(top, 'vars')
  if (varsNode) {
    for (const entry of expectObject(varsNode, '`vars` is an object of names to values').entries) {
      const value = entry.value
      const raw =
        value.kind === 'string'
          ? value.value
          : value.kind === 'object' || value.kind === 'array'
            ? JSON.stringify(toPlain(value))
            : String(value.value)
      const text = textOf(raw, value.span, value.kind === 'string')
      vars.push(
        value.kind === 'string'
          ? { name: entry.key, value: text }
          : { name: entry.key, value: text, literal: toPlain(value) },
      )
    }
  }
  const requestsNode = field(top, 'requests')!
  if (requestsNode.kind !== 'array')
    throw new LoadError('LOAD_JSON', '`requests` is a list of request objects', requestsNode.span)
  return {
    vars,
    requests: requestsNode.items.map((item) => parseRequest(expectObject(item, 'Each request is an object'))),
  }
}

function parseRequest(node: ObjectNode): RequestTemplate {
  checkKeys(node, REQUEST_KEYS, 'request')
  const urlNode = field(node, 'url')
  if (!urlNode)
    throw new LoadError('LOAD_JSON', 'The request has no `url`', node.span, 'add `"url": "{{baseUrl}}/path"`')
  const url = stringText(urlNode, '`url`')
  const methodNode = field(node, 'method')
  const method = methodNode
    ? stringText(methodNode, '`method`').raw.toUpperCase()
    : field(node, 'json') || field(node, 'body') || field(node, 'bodyFile')
      ? 'POST'
      : 'GET'
  const nameNode = field(node, 'name')
  const headers: Header[] = []
  const headersNode = field(node, 'headers')
  if (headersNode) {
    for (const entry of expectObject(headersNode, '`headers` is an object of names to values').entries) {
      headers.push({ name: entry.key, value: stringText(entry.value, `header \`${entry.key}\``), span: entry.keySpan })
    }
  }
  const bodies = (['body', 'json', 'bodyFile'] as const).filter((k) => field(node, k))
  if (bodies.length > 1) {
    throw new LoadError(
      'LOAD_JSON',
      `A request has one body: found ${bodies.map((b) => `\`${b}\``).join(' and ')}`,
      field(node, bodies[1]!)!.span,
    )
  }
  let body: Body | undefined
  const jsonNode = field(node, 'json')
  const bodyNode = field(node, 'body')
  const bodyFileNode = field(node, 'bodyFile')
  if (jsonNode) {
    body = { kind: 'json', value: jsonNode, span: jsonNode.span }
    if (!headers.some((h) => h.name.toLowerCase() === 'content-type')) {
      headers.push({
        name: 'Content-Type',
        value: { raw: 'application/json', span: jsonNode.span },
        span: jsonNode.span,
      })
    }
  } else if (bodyNode) {
    body = { kind: 'parts', parts: [{ kind: 'text', text: stringText(bodyNode, '`body`') }], lineBreak: '\n' }
  } else if (bodyFileNode) {
    if (bodyFileNode.kind === 'string') {
      body = {
        kind: 'parts',
        parts: [{ kind: 'file', path: bodyFileNode.value, templated: false, span: bodyFileNode.span }],
        lineBreak: '\n',
      }
    } else {
      const spec = expectObject(bodyFileNode, '`bodyFile` is a path, or `{ "path": …, "templated": true }`')
      checkKeys(spec, BODY_FILE_KEYS, 'bodyFile')
      const pathNode = field(spec, 'path')
      if (!pathNode) throw new LoadError('LOAD_JSON', '`bodyFile` needs a `path`', spec.span)
      const templated = field(spec, 'templated')
      body = {
        kind: 'parts',
        parts: [
          {
            kind: 'file',
            path: stringText(pathNode, '`path`').raw,
            templated: templated?.kind === 'boolean' && templated.value,
            span: pathNode.span,
          },
        ],
        lineBreak: '\n',
      }
    }
  }
  return {
    ...(nameNode ? { name: stringText(nameNode, '`name`').raw } : {}),
    span: node.span,
    method,
    url,
    headers,
    ...(body ? { body } : {}),
    directives: [],
    captures: parseCaptures(field(node, 'capture')),
    asserts: parseAsserts(field(node, 'assert')),
    extras: [],
    options: parseOptions(field(node, 'options')),
  }
}

function parseCaptures(node: JsonNode | undefined): CaptureSpec[] {
  if (!node) return []
  return expectObject(
    node,
    '`capture` is an object of names to queries',
    'for example `"capture": { "answer": "$.choices[0].message.content" }`',
  ).entries.map((entry) => {
    let queryNode = entry.value
    let optional = false
    if (queryNode.kind === 'object') {
      checkKeys(queryNode, ['query', 'optional'], 'capture')
      const optionalNode = field(queryNode, 'optional')
      optional = optionalNode?.kind === 'boolean' && optionalNode.value
      const inner = field(queryNode, 'query')
      if (!inner) throw new LoadError('LOAD_JSON', 'The capture needs a `query`', queryNode.span)
      queryNode = inner
    }
    const text = stringText(queryNode, `capture \`${entry.key}\``)
    return parseCapture({ key: 'capture', value: `${entry.key} = ${text.raw}`, span: text.span }, optional)
  })
}

function parseAsserts(node: JsonNode | undefined): AssertionSpec[] {
  if (!node) return []
  if (node.kind !== 'array')
    throw new LoadError(
      'LOAD_JSON',
      '`assert` is a list of assertions',
      node.span,
      'for example `"assert": ["status == 200", "$.id exists"]`',
    )
  return node.items.map((item) => {
    const text = stringText(item, 'an assertion')
    return parseAssertion({ key: 'assert', value: text.raw, span: text.span }, false)
  })
}

function parseOptions(node: JsonNode | undefined): RequestOptions {
  if (!node) return {}
  const object = expectObject(node, '`options` is an object')
  checkKeys(object, OPTION_KEYS, 'options')
  const options: { -readonly [K in keyof RequestOptions]: RequestOptions[K] } = {}
  const timeout = field(object, 'timeout')
  if (timeout) {
    const ms = timeout.kind === 'number' ? timeLimitMs(timeout.value) : 'is a number of seconds'
    if (typeof ms === 'string') throw new LoadError('LOAD_JSON', `\`timeout\` ${ms}`, timeout.span)
    options.timeoutMs = ms
  }
  const socket = field(object, 'unixSocket')
  if (socket) {
    if (socket.kind !== 'string' || socket.value === '')
      throw new LoadError('LOAD_JSON', '`unixSocket` is a socket path', socket.span)
    options.unixSocket = socket.value
  }
  const follow = field(object, 'followRedirects')
  if (follow) {
    if (follow.kind !== 'boolean') throw new LoadError('LOAD_JSON', '`followRedirects` is true or false', follow.span)
    options.followRedirects = follow.value
  }
  return options
}

function field(node: ObjectNode, key: string): JsonNode | undefined {
  return node.entries.find((e) => e.key === key)?.value
}

function expectObject(node: JsonNode, message: string, hint?: string): ObjectNode {
  if (node.kind !== 'object') throw new LoadError('LOAD_JSON', message, node.span, hint)
  return node
}

function checkKeys(node: ObjectNode, known: readonly string[], where: string): void {
  for (const entry of node.entries) {
    if (!known.includes(entry.key)) {
      const suggestion = nearest(entry.key, known)
      throw new LoadError(
        'LOAD_UNKNOWN_KEY',
        `Unknown key \`${entry.key}\` in a ${where}`,
        entry.keySpan,
        suggestion ? `did you mean \`${suggestion}\`?` : `known keys: ${known.join(', ')}`,
      )
    }
  }
}

/** A string value as template text; the span points just inside the opening quote. */
function stringText(node: JsonNode, what: string): Text {
  if (node.kind !== 'string') throw new LoadError('LOAD_JSON', `${what} must be a string`, node.span)
  return textOf(node.value, node.span, true)
}

function textOf(raw: string, span: SourceSpan, quoted: boolean): Text {
  return { raw, span: { file: span.file, line: span.line, column: span.column + (quoted ? 1 : 0) } }
}
