// Which requests run: all of a file in order, or the named ones after the requests they depend on.
// A request depends on another when it references it (`{{login.response.body.$.token}}`, httpyac's
// `{{login.token}}` and `# @ref login`) or uses a variable that the other captures or sets in a
// script (`client.global.set("token", …)`); dependencies run first, once each, in file order. A
// cycle is a located error.
import { dirname, resolve } from 'node:path'
import { LoadError, nearest } from './errors.js'
import { readInputFile } from './load/input-file.js'
import type { Body, RequestFile, RequestTemplate, Text } from './model.js'
import { type JsonNode, jsonStrings } from './load/located-json.js'

const MUSTACHE = /\{\{([\s\S]*?)\}\}/g
const WORD = /[A-Za-z_$][\w$-]*/g

export function selectRequests(file: RequestFile, names: readonly string[]): RequestTemplate[] {
  if (names.length === 0) return [...file.requests]
  const byName = new Map(file.requests.filter((r) => r.name).map((r) => [r.name!, r]))
  const chosen = new Set<RequestTemplate>()
  const visiting: RequestTemplate[] = []
  const visit = (request: RequestTemplate) => {
    if (chosen.has(request)) return
    if (visiting.includes(request)) {
      const cycle = [...visiting.slice(visiting.indexOf(request)), request].map((r) => r.name ?? `line ${r.span.line}`)
      throw new LoadError(
        'LOAD_CYCLE',
        `Requests depend on each other in a cycle: ${cycle.join(' → ')}`,
        request.span,
        'break the cycle: a request cannot use a value that a later request of the cycle captures',
      )
    }
    visiting.push(request)
    for (const dependency of dependenciesOf(request, file, byName)) visit(dependency)
    visiting.pop()
    chosen.add(request)
  }
  for (const name of names) {
    const request = byName.get(name)
    if (!request) {
      const suggestion = nearest(name, byName.keys())
      throw new LoadError(
        'LOAD_NAME_NOT_FOUND',
        `No request named \`${name}\` in ${file.path}`,
        undefined,
        `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}names: ${[...byName.keys()].join(', ') || '(none: name requests with # @name)'}`,
      )
    }
    visit(request)
  }
  return file.requests.filter((r) => chosen.has(r))
}

function dependenciesOf(
  request: RequestTemplate,
  file: RequestFile,
  byName: ReadonlyMap<string, RequestTemplate>,
): RequestTemplate[] {
  const used = new Set<string>()
  const seenVars = new Set<string>()
  const addWords = (raw: string) => {
    for (const mustache of raw.matchAll(MUSTACHE)) {
      for (const word of mustache[1]!.matchAll(WORD)) {
        const name = word[0]
        used.add(name)
        const fileVar = file.vars.find((v) => v.name === name)
        if (fileVar && !seenVars.has(name)) {
          seenVars.add(name)
          addWords(fileVar.value.raw)
        }
      }
    }
  }
  for (const text of textsOf(request)) addWords(text.raw)
  // httpyac's `# @ref login` / `# @forceRef login`: login runs first.
  for (const directive of request.directives) {
    if (directive.key !== 'ref' && directive.key !== 'forceRef') continue
    const name = directive.value.trim()
    if (!byName.has(name)) {
      const suggestion = nearest(name, byName.keys())
      throw new LoadError(
        'LOAD_NAME_NOT_FOUND',
        `\`@${directive.key} ${name}\`: no request of that name in ${file.path}`,
        directive.span,
        `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}a reference names a request of the same file (# @name)`,
      )
    }
    used.add(name)
  }
  for (const assertion of request.asserts) if (assertion.expected) addWords(assertion.expected)
  for (const name of scriptVariables(request, file, 'get')) used.add(name)
  const deps: RequestTemplate[] = []
  for (const other of file.requests) {
    if (other === request) continue
    if (
      (other.name && used.has(other.name)) ||
      other.captures.some((c) => used.has(c.name)) ||
      scriptVariables(other, file, 'set').some((n) => used.has(n))
    )
      deps.push(other)
  }
  return deps
}

const SCRIPT_SETS =
  /\bclient\.(?:global|variables\.global)\.set\(\s*(["'`])([^"'`]+)\1|\bexports\.()([A-Za-z_$][\w$]*)\s*=(?!=)/g
const SCRIPT_GETS = /\bclient\.(?:global|variables\.global)\.get\(\s*(["'`])([^"'`]+)\1/g
const SCRIPT_REQUEST_SETS = /\brequest\.variables\.set\(\s*(["'`])([^"'`]+)\1/g

/**
 * The names a request's scripts set (`client.global.set("name", …)`, httpyac's `exports.name =`)
 * or read (`client.global.get("name")`), or set for the one request (`request.variables.set`), as written.
 */
export function scriptVariables(
  request: RequestTemplate,
  file: RequestFile,
  use: 'set' | 'get' | 'request',
): readonly string[] {
  if (!request.extras.some((e) => e.script)) return []
  let names = scriptNames.get(request)
  if (!names) scriptNames.set(request, (names = scanScripts(request, file)))
  return names[use]
}

/** Scanned once per request: dependency order asks for every pair of requests, and a run for every failed step. */
const scriptNames = new WeakMap<RequestTemplate, Record<'set' | 'get' | 'request', string[]>>()

function scanScripts(request: RequestTemplate, file: RequestFile): Record<'set' | 'get' | 'request', string[]> {
  const names = { set: [] as string[], get: [] as string[], request: [] as string[] }
  for (const { script } of request.extras) {
    if (!script) continue
    let code = ''
    // Only a regular file of a sane size (never /dev/zero or a FIFO); any other is the script's error when it runs.
    if (script.kind === 'inline') code = script.code
    else
      try {
        code = readInputFile(resolve(dirname(file.absolutePath), script.path), file.root).toString('utf8')
      } catch {
        /* said when it runs */
      }
    for (const match of code.matchAll(SCRIPT_SETS)) names.set.push(match[2] ?? match[4]!)
    for (const match of code.matchAll(SCRIPT_GETS)) names.get.push(match[2]!)
    for (const match of code.matchAll(SCRIPT_REQUEST_SETS)) names.request.push(match[2]!)
  }
  return names
}

function textsOf(request: RequestTemplate): Text[] {
  const texts: Text[] = [request.url, ...request.headers.map((h) => h.value)]
  if (request.body) texts.push(...bodyTexts(request.body))
  return texts
}

function bodyTexts(body: Body): Text[] {
  switch (body.kind) {
    case 'parts':
      return body.parts.map((p) => (p.kind === 'text' ? p.text : { raw: p.path, span: p.span }))
    case 'graphql':
      return body.variables ? [body.query, body.variables] : [body.query]
    case 'json':
      return jsonStrings(body.value as JsonNode).map((raw) => ({ raw, span: body.span }))
  }
}
