// Assertions: evaluate(assertion, exchange) → AssertResult. A failed assertion is a result, never
// an exception, so one run reports every failure; only a broken query (bad JSONPath, unreadable
// schema file) throws.
//
//   # @assert status == 200                       # @assert $.choices count 1
//   # @assert header content-type contains "json" # @assert $.choices[0].message.content matchesResponseFormat
import { readSettingsFile } from '../load/input-file.js'
import { resolve } from 'node:path'
import { ExtractError } from '../errors.js'
import type { AssertionSpec, AssertResult, Exchange, HttpRequest } from '../model.js'
import { describeQuery, extract } from './extract.js'
import { validateSchema } from './schema.js'
import { ISO_DATE } from './dates.js'
import { isIPv4, isIPv6 } from 'node:net'

export type AssertContext = {
  readonly vars: Readonly<Record<string, unknown>>
  /** Renders `{{…}}` in an expected value. */
  readonly renderExpected: (raw: string, assertion: AssertionSpec) => string
  /** The request file's folder, for `matchesSchema ./file.json`. */
  readonly baseDir: string
}

/** What a query meets in the response, not in the file: the assertion fails, the run goes on. */
const FAILS_ASSERTION = new Set(['EXTRACT_NOT_JSON', 'EXTRACT_NOT_XML', 'EXTRACT_FILTER'])

export function evaluate(assertion: AssertionSpec, exchange: Exchange, context: AssertContext): AssertResult {
  let matches: unknown[]
  try {
    matches = extract(assertion.query, exchange, context.vars, assertion.span)
  } catch (error) {
    // A body that is not JSON fails a JSONPath assertion; only a malformed query is an error.
    if (!(error instanceof ExtractError) || !FAILS_ASSERTION.has(error.code)) throw error
    return {
      assertion,
      ok: false,
      expected: assertion.predicate,
      actual: undefined,
      message: `${error.message} (${error.hint ?? ''})`,
    }
  }
  const actual = matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : matches
  const expectedText =
    assertion.expected === undefined ? undefined : context.renderExpected(assertion.expected, assertion)
  const expected = expectedText === undefined ? undefined : parseExpected(expectedText)
  const outcome = test(assertion, matches, actual, expected, exchange.request, context)
  const ok = assertion.negated ? !outcome.ok : outcome.ok
  const shown = `${assertion.negated ? 'not ' : ''}${assertion.predicate}${expectedText !== undefined ? ` ${expectedText}` : ''}`
  if (ok) return { assertion, ok: true, actual }
  return {
    assertion,
    ok: false,
    expected: shown,
    actual,
    message: `\`${describeQuery(assertion.query)}\` ${shown}: ${outcome.ok ? 'it does' : (outcome.why ?? `actual ${preview(actual)}`)}`,
  }
}

type Outcome = { ok: boolean; why?: string }

function test(
  assertion: AssertionSpec,
  matches: unknown[],
  actual: unknown,
  expected: unknown,
  request: HttpRequest,
  context: AssertContext,
): Outcome {
  const p = assertion.predicate
  switch (p) {
    case 'exists':
      return { ok: matches.length > 0, why: 'nothing matched' }
    case 'isEmpty':
      return {
        ok:
          actual === '' ||
          (Array.isArray(actual) && actual.length === 0) ||
          (isObject(actual) && Object.keys(actual).length === 0),
        why: `actual ${preview(actual)}`,
      }
    case 'isString':
      return { ok: typeof actual === 'string' }
    case 'isNumber':
      return { ok: typeof actual === 'number' }
    case 'isBoolean':
      return { ok: typeof actual === 'boolean' }
    case 'isArray':
      return { ok: Array.isArray(actual) }
    case 'isObject':
      return { ok: isObject(actual) }
    case 'isNull':
      return { ok: actual === null }
    case 'isInteger':
      return { ok: Number.isInteger(actual) }
    case 'isFloat':
      return { ok: typeof actual === 'number' && Number.isFinite(actual) && !Number.isInteger(actual) }
    case 'isCollection':
      return { ok: Array.isArray(actual) || isObject(actual) }
    case 'isDate':
      return { ok: actual instanceof Date && !Number.isNaN(actual.getTime()) }
    case 'isIsoDate':
      return { ok: typeof actual === 'string' && ISO_DATE.test(actual) && !Number.isNaN(Date.parse(actual)) }
    case 'isUuid':
      return { ok: typeof actual === 'string' && UUID.test(actual) }
    case 'isIpv4':
      return { ok: typeof actual === 'string' && isIPv4(actual) }
    case 'isIpv6':
      return { ok: typeof actual === 'string' && isIPv6(actual) }
    case 'count': {
      const count =
        matches.length === 1 && Array.isArray(matches[0]) ? (matches[0] as unknown[]).length : matches.length
      const spec = typeof expected === 'string' ? expected.match(/^(==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)$/) : null
      const [op, n] = spec ? [spec[1]!, Number(spec[2])] : ['==', Number(expected)]
      return { ok: compare(op, count, n), why: `count is ${count}` }
    }
    case '==':
      return { ok: equal(actual, expected) }
    case '!=':
      return { ok: !equal(actual, expected) }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return { ok: compare(p, actual, expected) }
    case 'contains':
      if (typeof actual === 'string') return { ok: actual.includes(String(expected)) }
      if (Array.isArray(actual)) return { ok: actual.some((item) => equal(item, expected)) }
      if (isObject(actual)) return { ok: typeof expected === 'string' && expected in actual }
      return { ok: false }
    case 'startsWith':
      return { ok: typeof actual === 'string' && actual.startsWith(String(expected)) }
    case 'endsWith':
      return { ok: typeof actual === 'string' && actual.endsWith(String(expected)) }
    case 'matches':
      return { ok: typeof actual === 'string' && toRegExp(String(expected), assertion).test(actual) }
    case 'matchesSchema': {
      const path = resolve(context.baseDir, String(expected))
      let schema: unknown
      try {
        schema = JSON.parse(readSettingsFile(path))
      } catch (error) {
        throw new ExtractError(
          'ASSERT_BAD',
          `Cannot read the schema ${String(expected)}: ${(error as Error).message}`,
          assertion.span,
          'the path is relative to the request file',
        )
      }
      return validateSchema(schema, actual)
    }
    case 'matchesResponseFormat':
      return matchesResponseFormat(actual, request, assertion)
    case 'matchesToolSchemas':
      return matchesToolSchemas(actual, request, assertion)
  }
  throw new ExtractError('ASSERT_BAD', `Unknown predicate ${p}`, assertion.span)
}

function requestJson(request: HttpRequest): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(request.body)) as unknown
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The assistant's content must parse as JSON and satisfy the request's own `response_format` schema. */
function matchesResponseFormat(actual: unknown, request: HttpRequest, assertion: AssertionSpec): Outcome {
  const body = requestJson(request)
  // Chat completions: response_format.json_schema.schema; Responses: text.format {type: json_schema,
  // schema}; Anthropic: output_format {type: json_schema, schema}.
  const format = body?.['response_format'] as Record<string, unknown> | undefined
  const textFormat = ((body?.['text'] as Record<string, unknown> | undefined)?.['format'] ??
    body?.['output_format']) as Record<string, unknown> | undefined
  const schema =
    (format?.['json_schema'] as Record<string, unknown> | undefined)?.['schema'] ??
    (format?.['type'] === 'json_object' || textFormat?.['type'] === 'json_object' ? { type: 'object' } : undefined) ??
    (textFormat?.['type'] === 'json_schema' ? textFormat['schema'] : undefined)
  if (schema === undefined) {
    throw new ExtractError(
      'ASSERT_BAD',
      'The request sets no JSON schema for the reply (`response_format`, `text.format` or `output_format`)',
      assertion.span,
      'add response_format to the request body, or use matchesSchema ./schema.json',
    )
  }
  if (typeof actual !== 'string') return { ok: false, why: `the content is not a string: ${preview(actual)}` }
  let value: unknown
  try {
    value = JSON.parse(actual)
  } catch (error) {
    return { ok: false, why: `the content is not JSON (${(error as Error).message}): ${preview(actual)}` }
  }
  return validateSchema(schema, value)
}

/** Every tool call's arguments must parse and satisfy that tool's `parameters` schema from the request. */
function matchesToolSchemas(actual: unknown, request: HttpRequest, assertion: AssertionSpec): Outcome {
  const tools = requestJson(request)?.['tools']
  if (!Array.isArray(tools))
    throw new ExtractError(
      'ASSERT_BAD',
      'The request has no `tools`',
      assertion.span,
      'query the tool calls of a request that offers tools',
    )
  const calls = (Array.isArray(actual) ? actual : [actual]) as unknown[]
  if (calls.length === 0 || actual === undefined) return { ok: false, why: 'there are no tool calls' }
  for (const raw of calls) {
    const call = callOf(raw)
    const schema = toolSchemaOf(tools as unknown[], call.name)
    if (schema === undefined)
      return { ok: false, why: `the call names \`${call.name}\`, which the request does not offer` }
    let args: unknown
    try {
      args = typeof call.arguments === 'string' ? JSON.parse(call.arguments) : call.arguments
    } catch (error) {
      return { ok: false, why: `the arguments of \`${call.name}\` are not JSON: ${(error as Error).message}` }
    }
    const result = validateSchema(schema, args)
    if (!result.ok) return { ok: false, why: `\`${call.name}\`: ${result.why}` }
  }
  return { ok: true }
}

/**
 * A tool call as any API writes it: chat completions' `{function: {name, arguments}}`, a Responses
 * `function_call` item, an Anthropic `tool_use` block (`input`), or the `toolCalls` query's `{name, arguments}`.
 */
function callOf(raw: unknown): { name: string; arguments: unknown } {
  const call = isObject(raw) ? raw : {}
  const fn = isObject(call['function']) ? call['function'] : undefined
  if (fn) return { name: String(fn['name']), arguments: fn['arguments'] }
  return { name: String(call['name']), arguments: call['type'] === 'tool_use' ? call['input'] : call['arguments'] }
}

/** The parameters schema the request declares for `name`: chat `function.parameters`, Responses `parameters`, Anthropic `input_schema`. */
function toolSchemaOf(tools: readonly unknown[], name: string): unknown {
  for (const raw of tools) {
    if (!isObject(raw)) continue
    const fn = isObject(raw['function']) ? raw['function'] : undefined
    if (fn?.['name'] === name) return fn['parameters'] ?? {}
    if (raw['name'] === name) return raw['parameters'] ?? raw['input_schema'] ?? {}
  }
  return undefined
}

/** An expected value is a JSON literal (`200`, `"stop"`, `true`, `[1]`) or, failing that, bare text. */
function parseExpected(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // `matches "^tok-\d+$"`: quoted, but not a JSON string (`\d` is no JSON escape). The quotes
    // delimit the text; only `\"` inside is an escape, so a regex keeps its backslashes.
    const quoted = text.match(/^"((?:[^"\\]|\\.)*)"$/s)
    return quoted ? quoted[1]!.replace(/\\"/g, '"') : text
  }
}

function toRegExp(pattern: string, assertion: AssertionSpec): RegExp {
  const literal = pattern.match(/^\/(.*)\/([a-z]*)$/s)
  try {
    return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(pattern)
  } catch (error) {
    throw new ExtractError('ASSERT_BAD', `Invalid regular expression: ${(error as Error).message}`, assertion.span)
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  )
}

/**
 * Deep equality; a number also equals the same number written as a string (header values are
 * text), a date the same instant (a Date, or text of one), bytes their UTF-8 text or the same bytes.
 */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Date || b instanceof Date) return timeOf(a) !== undefined && timeOf(a) === timeOf(b)
  if (a instanceof Uint8Array || b instanceof Uint8Array)
    return Buffer.from(textOrBytes(a)).equals(Buffer.from(textOrBytes(b)))
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => equal(item, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((key) => equal(a[key], b[key]))
  }
  return false
}

function timeOf(value: unknown): number | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN
  return Number.isNaN(time) ? undefined : time
}

function textOrBytes(value: unknown): Uint8Array | string {
  return value instanceof Uint8Array
    ? value
    : typeof value === 'string'
      ? value
      : ((JSON.stringify(value) as string | undefined) ?? '')
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return compare(op, timeOf(a), timeOf(b))
  const x = typeof a === 'string' && typeof b === 'number' ? Number(a) : a
  const y = typeof b === 'string' && typeof a === 'number' ? Number(b) : b
  if (!((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string')))
    return false
  switch (op) {
    case '<':
      return x < y
    case '<=':
      return x <= y
    case '>':
      return x > y
    case '>=':
      return x >= y
    case '==':
      return x === y
    case '!=':
      return x !== y
  }
  return false
}

export function preview(value: unknown, max = 120): string {
  if (value === undefined) return '(nothing)'
  if (value instanceof Uint8Array)
    return `${value.length} bytes (hex ${Buffer.from(value.subarray(0, 32)).toString('hex')}${value.length > 32 ? '…' : ''})`
  const text = (JSON.stringify(value) as string | undefined) ?? String(value) // undefined for undefined and functions
  return text.length > max ? `${text.slice(0, max)}…` : text
}
