import { realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RenderError } from '../../src/errors.js'
import { parseHttpFile } from '../../src/load/http-file.js'
import { parseJsonFile } from '../../src/load/json-file.js'
import type { RequestFile } from '../../src/model.js'
import { Scope, type ScopeInit } from '../../src/render/scope.js'
import { render } from '../../src/render/render.js'
import { loadTemplateEngine } from '../../src/render/template.js'
import { thrown } from '../helpers/thrown.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir('render')
beforeAll(loadTemplateEngine)

function fileOf(source: string, kind: 'http' | 'json' = 'http'): RequestFile {
  const parsed = kind === 'http' ? parseHttpFile(source, 'x.http') : parseJsonFile(source, 'x.json')
  return { path: 'x.http', absolutePath: join(dir, 'x.http'), source, kind, root: realpathSync(dir), ...parsed }
}

function renderFirst(
  source: string,
  vars: Record<string, unknown> = {},
  options: Partial<ScopeInit> = {},
  kind: 'http' | 'json' = 'http',
) {
  const file = fileOf(source, kind)
  return render(file.requests[0]!, new Scope({ file, base: vars, ...options }))
}

const bodyOf = (request: { body?: Uint8Array }) => new TextDecoder().decode(request.body)

const renderError = (fn: () => unknown) => thrown(fn, RenderError)

describe('render', () => {
  it('renders variables in URL, headers and body with inner spaces', () => {
    const request = renderFirst('POST {{ baseUrl }}/x\nAuthorization: Bearer {{key}}\n\nhello {{ who }}\n', {
      baseUrl: 'http://h',
      key: 'k',
      who: 'you',
    })
    expect(request).toMatchObject({ method: 'POST', url: 'http://h/x', headers: [['Authorization', 'Bearer k']] })
    expect(bodyOf(request)).toBe('hello you')
  })

  it('locates an undefined variable at its mustache in the file, with a did-you-mean', () => {
    const error = renderError(() =>
      renderFirst(
        'POST http://h/x\nContent-Type: application/json\n\n{\n  // dropped comment\n  "a": "{{tokn}}"\n}\n',
        { token: 't' },
      ),
    )
    expect(error.code).toBe('RENDER_UNDEFINED_VAR')
    expect(error.span).toEqual({ file: 'x.http', line: 6, column: 9, length: 8 })
    expect(error.hint).toContain('Did you mean `token`?')
  })

  it('places each error in its own request when requests share a template', () => {
    // The same template text in two places compiles once; what goes wrong is still reported
    // where it happened, with that request's own values.
    const file = fileOf('GET http://h/{{x}}/a?n={{n}}\n\n###\n\nGET http://h/{{x}}/a?n={{n}}\n')
    const scope = (vars: Record<string, unknown>) => new Scope({ file, base: vars })
    expect(render(file.requests[0]!, scope({ x: 'p', n: 1 })).url).toBe('http://h/p/a?n=1')
    expect(render(file.requests[1]!, scope({ x: 'q', n: 2 })).url).toBe('http://h/q/a?n=2')
    const first = renderError(() => render(file.requests[0]!, scope({ x: 'p' })))
    const second = renderError(() => render(file.requests[1]!, scope({ x: 'p' })))
    expect([first.span, second.span]).toEqual([
      { file: 'x.http', line: 1, column: 24, length: 5 },
      { file: 'x.http', line: 5, column: 24, length: 5 },
    ])
  })

  it('keeps a JSON body valid whatever a value inside a string holds', () => {
    const nasty = 'He said "hi"\\ \n\ttab \u0001 é 🎉 </script>'
    const request = renderFirst(
      'POST http://h/x\nContent-Type: application/json\n\n{"content": "{{answer}}", "n": {{n}}, "list": {{json list}}}\n',
      { answer: nasty, n: 3, list: [1, 'a"b'] },
    )
    expect(JSON.parse(bodyOf(request))).toEqual({ content: nasty, n: 3, list: [1, 'a"b'] })
  })

  it("gives a JSON request file string that is one mustache the value's own type", () => {
    const request = renderFirst(
      JSON.stringify({ url: 'http://h', json: { messages: '{{history}}', t: '{{temp}}', s: 'x {{temp}}' } }),
      { history: [{ role: 'user', content: 'q' }], temp: 0.5 },
      {},
      'json',
    )
    expect(JSON.parse(bodyOf(request))).toEqual({ messages: [{ role: 'user', content: 'q' }], t: 0.5, s: 'x 0.5' })
  })

  it('evaluates file variables lazily and reports a self-reference', () => {
    expect(renderFirst('@host = h{{n}}\n@url = http://{{host}}\nGET {{url}}/a\n', { n: 1 }).url).toBe('http://h1/a')
    expect(renderError(() => renderFirst('@a = {{b}}\n@b = {{a}}\nGET http://h/{{a}}\n')).message).toContain(
      'refers to itself',
    )
  })

  it('lets captured values and --var beat file variables', () => {
    const file = fileOf('@model = file\nGET http://h/{{model}}\n')
    expect(render(file.requests[0]!, new Scope({ file, base: { model: 'env' } })).url).toBe('http://h/file')
    expect(
      render(
        file.requests[0]!,
        new Scope({ file, base: { model: 'env' }, captured: new Map([['model', 'captured']]), cli: { model: 'cli' } }),
      ).url,
    ).toBe('http://h/cli')
    expect(
      render(file.requests[0]!, new Scope({ file, base: { model: 'env' }, captured: new Map([['model', 'captured']]) }))
        .url,
    ).toBe('http://h/captured')
  })

  it('evaluates dynamic variables and rejects unknown ones with a location', () => {
    const request = renderFirst(
      'GET http://h/{{$uuid}}?t={{$timestamp}}&r={{$randomInt 5 6}}&e={{$processEnv HOME}}&j={{$env.HOME}}&i={{$random.integer(1, 2)}}\n',
      {},
      { processEnv: { HOME: '/root' } },
    )
    expect(request.url).toMatch(/^http:\/\/h\/[0-9a-f-]{36}\?t=\d{10}&r=5&e=\/root&j=\/root&i=1$/)
    const error = renderError(() => renderFirst('GET http://h/{{$nope}}\n'))
    expect(error.code).toBe('RENDER_UNKNOWN_DYNAMIC')
    expect(error.span).toMatchObject({ line: 1, column: 14 })
  })

  it('reads files with the file, base64File and dataUrl helpers', () => {
    writeFileSync(join(dir, 'p.txt'), 'prompt "text"')
    const request = renderFirst(
      'POST http://h/\nContent-Type: application/json\n\n{"p": "{{file "./p.txt"}}", "b": "{{base64File "./p.txt"}}", "d": "{{dataUrl "./p.txt"}}", "u": "{{urlencode q}}", "x": "{{default missing "fb"}}"}\n',
      { q: 'a b&c' },
    )
    const base64 = Buffer.from('prompt "text"').toString('base64')
    expect(JSON.parse(bodyOf(request))).toEqual({
      p: 'prompt "text"',
      b: base64,
      d: `data:text/plain;base64,${base64}`,
      u: 'a%20b%26c',
      x: 'fb',
    })
  })

  it('locates a helper error at its mustache', () => {
    const error = renderError(() => renderFirst('POST http://h/\n\n{"a": "{{file "./nope.txt"}}"}\n'))
    expect(error).toMatchObject({ code: 'RENDER_HELPER', span: { line: 3, column: 8 } })
    expect(error.message).toContain('./nope.txt not found')
  })

  it('encodes Basic credentials written as user and password', () => {
    expect(renderFirst('GET http://h/\nAuthorization: Basic ada s3cret\n').headers).toEqual([
      ['Authorization', `Basic ${Buffer.from('ada:s3cret').toString('base64')}`],
    ])
    expect(renderFirst('GET http://h/\nAuthorization: Basic YWRhOnMz\n').headers).toEqual([
      ['Authorization', 'Basic YWRhOnMz'],
    ])
  })

  it('percent-encodes spaces and non-ASCII in the URL and keeps %XX', () => {
    expect(renderFirst('GET localhost:8080/search?q=a b&c=é&d=%20#frag\n').url).toBe(
      'http://localhost:8080/search?q=a%20b&c=%C3%A9&d=%20',
    )
  })

  it('reports a malformed URL at the request line', () => {
    const error = renderError(() => renderFirst('GET http://[bad/x\n'))
    expect(error).toMatchObject({ code: 'RENDER_URL', span: { line: 1, column: 5 } })
  })

  it('locates a mustache that is not a variable', () => {
    const error = renderError(() => renderFirst('POST http://h/\n\n{"a": "{{ 6 + x }}"}\n'))
    expect(error).toMatchObject({ code: 'RENDER_SYNTAX', span: { line: 3, column: 8 } })
  })
})
