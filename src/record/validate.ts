// A recording is untrusted input: it may come with a bug report. Each of its JSON files is parsed
// with line and column kept and checked value by value before anything uses it — a status outside
// 100–599, a header that holds CR or LF (it would split the replayed response), a side file that
// is not a plain regular file inside the recording's folder (a path, `..`, a symbolic link), a
// size that does not match — so every fault is a located error (exit 2), never a stack trace,
// and `serve --replay` never serves a file from outside the recording.
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { LoadError } from '../errors.js'
import type { SourceSpan } from '../model.js'
import { type JsonNode, parseLocatedJson, toPlain } from '../load/located-json.js'
import { InputFileError, MAX_INPUT_FILE_BYTES, readInputFile } from '../load/input-file.js'

type Checker = (node: JsonNode, at: string) => void

const HINT = 'a recording is written by --record DIR; this one was changed or damaged'

function fail(message: string, span: SourceSpan): never {
  throw new LoadError('LOAD_JSON', message, span, HINT)
}

/** Reads, parses and checks one JSON file of a recording; `display` is how it is shown (and found for its code frame). */
export function readRecordingJson(dir: string, display: string, name: string, check: Checker): unknown {
  let text: string
  try {
    text = readInputFile(join(dir, name)).toString('utf8')
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error
    throw new LoadError(
      'LOAD_FILE_NOT_FOUND',
      `${display} ${error.message === 'not found' ? 'is missing' : error.message}`,
      undefined,
      name === 'index.json' ? 'name a folder written by --record DIR' : HINT,
    )
  }
  const node = parseLocatedJson(text, display)
  check(node, 'the file')
  return toPlain(node)
}

const field = (node: JsonNode, key: string): JsonNode | undefined =>
  node.kind === 'object' ? node.entries.findLast((e) => e.key === key)?.value : undefined

function object(node: JsonNode, at: string, fields: Record<string, [required: boolean, Checker]>): void {
  if (node.kind !== 'object') fail(`${at} must be an object`, node.span)
  for (const [key, [required, check]] of Object.entries(fields)) {
    const value = field(node, key)
    if (value === undefined) {
      if (required) fail(`${at} has no \`${key}\``, node.span)
      continue
    }
    check(value, `\`${key}\``)
  }
}

const string: Checker = (node, at) => {
  if (node.kind !== 'string') fail(`${at} must be a string`, node.span)
}
const plainObject: Checker = (node, at) => {
  if (node.kind !== 'object') fail(`${at} must be an object`, node.span)
}

function number(min: number, max: number): Checker {
  return (node, at) => {
    if (node.kind !== 'number' || node.value < min || node.value > max)
      fail(`${at} must be a number from ${min} to ${max}`, node.span)
  }
}

function integer(min: number, max: number): Checker {
  return (node, at) => {
    if (node.kind !== 'number' || !Number.isInteger(node.value) || node.value < min || node.value > max)
      fail(`${at} must be a whole number from ${min} to ${max}`, node.span)
  }
}

function arrayOf(item: Checker): Checker {
  return (node, at) => {
    if (node.kind !== 'array') fail(`${at} must be an array`, node.span)
    node.items.forEach((n, i) => item(n, `${at}[${i}]`))
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** No CR, LF or NUL: a recorded value that holds one would split or end the replayed message. */
const ONE_LINE = /^[^\r\n\0]*$/

function oneLine(node: JsonNode, at: string): void {
  string(node, at)
  if (node.kind === 'string' && !ONE_LINE.test(node.value))
    fail(`${at} holds a line break or NUL, which would split the replayed message`, node.span)
}

const headers: Checker = arrayOf((node, at) => {
  if (node.kind !== 'array' || node.items.length !== 2) fail(`${at} must be a [name, value] pair`, node.span)
  const [name, value] = node.items as [JsonNode, JsonNode]
  if (name.kind !== 'string' || !TOKEN.test(name.value))
    fail(`${at}: a header name must be a token (letters, digits, !#$%&'*+-.^_\`|~)`, name.span)
  oneLine(value, `${at}'s value`)
})

/** A side file: a plain name of a regular file in the recording's own folder, of the size written. */
function body(dir: string): Checker {
  return (node, at) => {
    if (node.kind !== 'object') fail(`${at} must be an object`, node.span)
    const text = field(node, 'text')
    const base64 = field(node, 'base64')
    const file = field(node, 'file')
    if (text) return string(text, '`text`')
    if (base64) {
      string(base64, '`base64`')
      if (base64.kind === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(base64.value))
        fail('`base64` is not base64', base64.span)
      return
    }
    if (!file) fail(`${at} must have \`text\`, \`base64\` or \`file\``, node.span)
    string(file, '`file`')
    const size = field(node, 'size')
    if (!size) fail(`${at} has no \`size\``, node.span)
    integer(0, MAX_INPUT_FILE_BYTES)(size, '`size`')
    const name = (file as { value: string }).value
    if (!isPlainName(name))
      fail(`\`file\` must name a file in the recording's folder, not a path: ${JSON.stringify(name)}`, file.span)
    const stats = lstatOf(join(dir, name))
    if (!stats) fail(`\`file\` ${name} is missing from the recording`, file.span)
    if (stats.isSymbolicLink()) fail(`\`file\` ${name} is a symbolic link: a recording's files are its own`, file.span)
    if (!stats.isFile()) fail(`\`file\` ${name} is not a regular file`, file.span)
    if (stats.size !== (size as { value: number }).value)
      fail(
        `\`file\` ${name} holds ${stats.size} bytes where the recording says ${(size as { value: number }).value}`,
        size.span,
      )
  }
}

/** A side file's name is one plain name: no folder, no `..`, no separator of either kind. */
export function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name)
}

function lstatOf(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

export function checkIndex(node: JsonNode): void {
  object(node, 'the index', {
    format: [true, string],
    version: [true, integer(1, 1_000_000)],
    files: [true, arrayOf(string)],
    names: [true, arrayOf(string)],
    command: [false, string],
    dataset: [
      false,
      (n, a) =>
        object(n, a, {
          file: [true, string],
          rows: [false, string],
          limit: [false, integer(1, Number.MAX_SAFE_INTEGER)],
        }),
    ],
    exchanges: [
      true,
      arrayOf((entry, at) =>
        object(entry, at, {
          seq: [true, integer(1, Number.MAX_SAFE_INTEGER)],
          path: [
            true,
            (n, a) => {
              string(n, a)
              if (n.kind === 'string' && (!isPlainName(n.value) || !n.value.endsWith('.json')))
                fail(`${a} must name a .json file in the recording's folder: ${JSON.stringify(n.value)}`, n.span)
            },
          ],
          file: [true, string],
          line: [true, integer(1, Number.MAX_SAFE_INTEGER)],
          method: [true, string],
          url: [true, string],
          status: [false, integer(100, 599)],
        }),
      ),
    ],
  })
}

export function exchangeChecker(dir: string): Checker {
  return (node) =>
    object(node, 'the exchange', {
      seq: [true, integer(1, Number.MAX_SAFE_INTEGER)],
      file: [true, string],
      line: [true, integer(1, Number.MAX_SAFE_INTEGER)],
      name: [false, string],
      row: [false, integer(1, Number.MAX_SAFE_INTEGER)],
      request: [
        true,
        (n, at) =>
          object(n, at, {
            method: [
              true,
              (m, a) => {
                string(m, a)
                if (m.kind === 'string' && !TOKEN.test(m.value)) fail(`${a} must be an HTTP method (a token)`, m.span)
              },
            ],
            url: [true, oneLine],
            headers: [true, headers],
            body: [false, body(dir)],
          }),
      ],
      response: [
        false,
        (n, at) =>
          object(n, at, {
            status: [true, integer(100, 599)],
            statusText: [true, oneLine],
            httpVersion: [true, string],
            headers: [true, headers],
            body: [true, body(dir)],
            chunks: [
              false,
              arrayOf((c, a) =>
                object(c, a, { at: [true, number(0, 86_400_000)], size: [true, integer(0, MAX_INPUT_FILE_BYTES)] }),
              ),
            ],
          }),
      ],
      timings: [false, plainObject],
      captures: [true, plainObject],
      error: [false, (n, at) => object(n, at, { code: [true, string], message: [true, string] })],
    })
}
