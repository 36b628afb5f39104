import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { evaluate } from '../../src/check/assert.js'
import { loadJsonPath } from '../../src/check/jsonpath.js'
import { loadSchemaValidator } from '../../src/check/schema.js'
import { parseAssertion } from '../../src/load/directives.js'
import type { Exchange } from '../../src/model.js'
import { fixtureBody } from '../helpers/fixtures.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir('assert')
beforeAll(() => Promise.all([loadSchemaValidator(), loadJsonPath()]))

function exchange(
  body: unknown,
  requestBody?: unknown,
  headers: [string, string][] = [
    ['Content-Type', 'application/json'],
    ['Content-Length', '42'],
  ],
): Exchange {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return {
    request: {
      method: 'POST',
      url: 'http://h/',
      headers: [],
      ...(requestBody !== undefined ? { body: new TextEncoder().encode(JSON.stringify(requestBody)) } : {}),
    },
    status: 200,
    statusText: 'OK',
    httpVersion: '1.1',
    headers,
    body: new TextEncoder().encode(text),
    bodySize: text.length,
    timings: { startedAt: '', ttfbMs: 1, totalMs: 12 },
  }
}

function check(line: string, ex: Exchange, vars: Record<string, unknown> = {}) {
  const assertion = parseAssertion({ key: 'assert', value: line, span: { file: 'x.http', line: 1, column: 3 } }, false)
  return evaluate(assertion, ex, {
    vars,
    baseDir: dir,
    renderExpected: (raw) => raw.replace('{{name}}', String(vars['name'])),
  })
}

const body = {
  s: 'hello world',
  n: 3,
  t: true,
  z: null,
  a: [1, 2, 3],
  o: { k: 'v' },
  e: '',
  list: [{ id: 1 }, { id: 2 }],
}

describe('assertions', () => {
  const cases: [string, boolean][] = [
    ['status == 200', true],
    ['status != 200', false],
    ['status < 300', true],
    ['status >= 201', false],
    ['$.s == "hello world"', true],
    ['$.s contains "world"', true],
    ['$.s not contains "x"', true],
    ['$.s startsWith "hello"', true],
    ['$.s endsWith "world"', true],
    ['$.s matches "^h.*d$"', true],
    ['$.s matches /HELLO/i', true],
    ['$.n == 3', true],
    ['$.n > 2', true],
    ['$.n <= 2', false],
    ['$.t == true', true],
    ['$.z isNull', true],
    ['$.a isArray', true],
    ['$.o isObject', true],
    ['$.s isString', true],
    ['$.n isNumber', true],
    ['$.t isBoolean', true],
    ['$.e isEmpty', true],
    ['$.a not isEmpty', true],
    ['$.missing exists', false],
    ['$.missing not exists', true],
    ['$.a count 3', true],
    ['$.list[*] count 2', true],
    ['$.a count >= 4', false],
    ['$.a contains 2', true],
    ['$.o == {"k": "v"}', true],
    ['header content-length == 42', true],
    ['header content-type contains "json"', true],
    ['duration < 1000', true],
    ['body contains "hello"', true],
    ['regex "(w\\w+)" == "world"', true],
    ['var name == "ada"', true],
    ['$.s == "hello {{name}}"', false],
    ['$.s == "hello world"', true],
  ]
  for (const [line, ok] of cases) {
    it(`${line} → ${ok ? 'holds' : 'fails'}`, () => {
      const result = check(line, exchange(body), { name: 'ada' })
      expect(result.ok).toBe(ok)
      if (!result.ok) expect(result.message).toContain('`')
    })
  }

  it('reports expected and actual values when it fails', () => {
    const result = check('$.n == 4', exchange(body))
    expect(result).toMatchObject({ ok: false, expected: '== 4', actual: 3 })
    expect(result.ok ? '' : result.message).toBe('`$.n` == 4: actual 3')
  })

  it('validates against a schema file', () => {
    writeFileSync(
      join(dir, 'schema.json'),
      JSON.stringify({ type: 'object', required: ['s', 'n'], properties: { n: { type: 'integer', minimum: 5 } } }),
    )
    const result = check('$ matchesSchema ./schema.json', exchange(body))
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.message).toContain('/n must be >= 5')
  })

  it("catches a reply that breaks the request's own response_format schema (recorded from llama-server)", () => {
    const request = {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'p',
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'integer' } },
            required: ['name', 'age'],
          },
        },
      },
    }
    const recorded = exchange(fixtureBody('json-schema').toString(), request)
    const result = check('$.choices[0].message.content matchesResponseFormat', recorded)
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.message).toContain('the content is not JSON')
    const valid = exchange({ choices: [{ message: { content: '{"name": "Ada", "age": 36}' } }] }, request)
    expect(check('$.choices[0].message.content matchesResponseFormat', valid).ok).toBe(true)
    const wrongType = exchange({ choices: [{ message: { content: '{"name": "Ada", "age": "old"}' } }] }, request)
    expect(check('$.choices[0].message.content matchesResponseFormat', wrongType).ok).toBe(false)
  })

  it("checks tool-call arguments against each tool's parameters (recorded from llama-server)", () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]
    const recorded = exchange(fixtureBody('tools').toString(), { tools })
    expect(check('$.choices[0].message.tool_calls matchesToolSchemas', recorded).ok).toBe(true)
    const strict = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', required: ['city', 'unit'] } },
      },
    ]
    const failing = check(
      '$.choices[0].message.tool_calls matchesToolSchemas',
      exchange(fixtureBody('tools').toString(), { tools: strict }),
    )
    expect(failing.ok ? '' : failing.message).toContain("must have required property 'unit'")
  })

  it('fails a JSONPath assertion on a non-JSON body instead of crashing', () => {
    const result = check('$.a exists', exchange('<html>', undefined, [['Content-Type', 'text/html']]))
    expect(result.ok).toBe(false)
  })

  it('rejects unknown predicates and missing values at load time', () => {
    expect(() => check('$.a equals 1', exchange(body))).toThrow('Unknown predicate `equals`')
    expect(() => check('$.a ==', exchange(body))).toThrow('`==` needs a value')
    expect(() => check('status exists 3', exchange(body))).toThrow('takes no value')
  })
})
