import { describe, expect, it } from 'vitest'
import { parseHttpFile } from '../../src/load/http-file.js'
import { LoadError } from '../../src/errors.js'
import type { BodyPart } from '../../src/model.js'

const parse = (source: string) => parseHttpFile(source, 'x.http')
const bodyText = (source: string, index = 0) => {
  const body = parse(source).requests[index]!.body
  if (body?.kind !== 'parts') return undefined
  return body.parts.map((p: BodyPart) => (p.kind === 'text' ? p.text.raw : `<${p.path}>`)).join('|')
}

describe('parseHttpFile', () => {
  it('defaults the method to GET and reads the version', () => {
    const [a, b] = parse('example.com/x\n###\nPOST  http://h/y   HTTP/1.1\n').requests
    expect(a).toMatchObject({ method: 'GET', url: { raw: 'example.com/x', span: { line: 1, column: 1 } } })
    expect(b).toMatchObject({
      method: 'POST',
      httpVersion: '1.1',
      url: { raw: 'http://h/y', span: { line: 3, column: 7 } },
    })
  })

  it('names a request by @name over the separator title', () => {
    const file = parse(
      '### Title one\nGET /a\n\n### Title two\n# @name = second\nGET /b\n\n### @name third\nGET /c\n// @name fourth\n',
    )
    expect(file.requests.map((r) => r.name)).toEqual(['Title one', 'second', 'fourth'])
  })

  it('tolerates blocks with no request and leading or trailing separators', () => {
    const file = parse('###\n# only a comment\n###\n@host = h\n###\nGET /a\n###\n###\n')
    expect(file.requests).toHaveLength(1)
    expect(file.vars).toMatchObject([{ name: 'host', value: { raw: 'h', span: { line: 4, column: 9 } } }])
  })

  it('drops comment lines inside a JSON body and keeps # mid-line', () => {
    expect(bodyText('POST /a\nContent-Type: application/json\n\n{\n  "a": "#1"\n  // , "stream": false\n}\n')).toBe(
      '{\n  "a": "#1"\n}',
    )
    expect(parse('GET /a\nX-Tag: a # b\n').requests[0]!.headers[0]!.value.raw).toBe('a # b')
  })

  it('joins indented and ?/& continuation lines into the URL', () => {
    const [r] = parse('GET http://h/api\n    /users\n    ?page=1\n&size=2\nAccept: */*\n').requests
    expect(r!.url.raw).toBe('http://h/api/users?page=1&size=2')
    expect(r!.headers.map((h) => h.name)).toEqual(['Accept'])
  })

  it('reads a body file only when whitespace follows <', () => {
    expect(bodyText('POST /a\n\n< ./body.json\n')).toBe('<./body.json>')
    expect(bodyText('POST /a\n\n<?xml version="1.0"?>\n<note/>\n')).toBe('<?xml version="1.0"?>\n<note/>')
  })

  it('starts the body without a blank line when it begins with { or [', () => {
    expect(bodyText('POST /a\nContent-Type: application/json\n{"a":1}\n')).toBe('{"a":1}')
  })

  it('rejects a line that is neither header nor body start, with its location', () => {
    try {
      parse('POST /a\nContent-Type application/json\n')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(LoadError)
      expect((error as LoadError).span).toMatchObject({ line: 2, column: 1 })
    }
  })

  it('keeps handlers, scripts, references and redirects out of the body', () => {
    const [r] = parse(
      '< {%\n request.variables.set("a", 1)\n%}\nPOST /a\n\n{"a":1}\n> {%\n client.test("x", () => {})\n%}\n<> 2023-04-19T202420.200.json\n>> out.json\n',
    ).requests
    expect(bodyText('POST /a\n\n{"a":1}\n> {%\n x\n%}\n')).toBe('{"a":1}')
    expect(r!.extras.map((e) => e.kind)).toEqual([
      'pre-request-script',
      'response-handler',
      'response-ref',
      'response-redirect',
    ])
  })

  it('splits requests without ### at a request line after a blank line (httpyac)', () => {
    const file = parse('GET http://h/a\n\nGET http://h/b\n')
    expect(file.requests.map((r) => r.url.raw)).toEqual(['http://h/a', 'http://h/b'])
  })

  it('accepts CR, CRLF, a BOM and no final newline', () => {
    const file = parse('\uFEFFPOST /a\r\nX: 1\r\n\r\nbody\r###\rGET /b')
    expect(file.requests.map((r) => r.url.raw)).toEqual(['/a', '/b'])
    expect(bodyText('\uFEFFPOST /a\r\nX: 1\r\n\r\nbody\r')).toBe('body')
  })

  it('turns GRAPHQL into a JSON body with query and variables', () => {
    const [r] = parse('GRAPHQL http://h/graphql\n\nquery Q($id: ID) { a(id: $id) }\n\n{"id": 1}\n').requests
    expect(r!.method).toBe('POST')
    expect(r!.body).toMatchObject({
      kind: 'graphql',
      query: { raw: 'query Q($id: ID) { a(id: $id) }' },
      variables: { raw: '{"id": 1}', span: { line: 5 } },
    })
  })

  it('parses captures and assertions from directives and ?? lines', () => {
    const [r] = parse(
      '# @capture answer = $.choices[0].message.content\n# @assert status == 200\nPOST /a\n?? header content-type includes json\n',
    ).requests
    expect(r!.captures).toMatchObject([
      { name: 'answer', query: { kind: 'jsonpath', path: '$.choices[0].message.content' } },
    ])
    expect(r!.asserts).toMatchObject([
      { query: { kind: 'status' }, predicate: '==', expected: '200' },
      { query: { kind: 'header', name: 'content-type' }, predicate: 'contains', expected: 'json' },
    ])
  })

  it('says where a file is written for another protocol or a script is misplaced, at the line itself', () => {
    const failure = (source: string) => {
      try {
        parse(source)
        return undefined
      } catch (error) {
        return error as LoadError
      }
    }
    for (const [source, message, line] of [
      [
        '### a\n> {%\n  client.global.set("x", 1)\n%}\nGET http://h/\n',
        'A response handler (`>`) comes before any request line',
        2,
      ],
      [
        'GET http://h/\n\n###\nproto < ./hello.proto\n',
        'gRPC proto imports (`proto < ./file.proto`) are not supported',
        4,
      ],
      ['### g\nGRPC localhost:50051/hello.Hello/Say\n\n{"a": 1}\n', 'gRPC requests are not supported', 2],
      ['WEBSOCKET ws://h/chat\n', 'WebSocket requests are not supported', 1],
      ['GET http://h/\n\n###\nrun #login\n', '`run` lines (kulala, httpyac) are not supported', 4],
      ['import ./auth.http\n\n###\nGET http://h/\n', '`import` lines (kulala, httpyac) are not supported', 1],
    ] as const) {
      const error = failure(source)
      expect(error, source).toBeInstanceOf(LoadError)
      expect(error!.message).toBe(message)
      expect(error!.span).toMatchObject({ line, column: 1 })
    }
    // A pre-request script before the request line is where JetBrains puts it: kept, not an error.
    expect(
      parse('### a\n< {%\n  request.variables.set("x", 1)\n%}\nGET http://h/\n').requests[0]!.extras[0],
    ).toMatchObject({ kind: 'pre-request-script' })
  })

  it("reads httpyac's ?? body property paths as JSONPath, and ?? body alone as the body", () => {
    const [request] = parse(
      'GET http://h/\n\n?? body name == Eve\n?? body user.tags[0] == "a"\n?? body contains Eve\n?? body $.n == 1\n',
    ).requests
    expect(request!.asserts.map((a) => [a.query, a.predicate, a.expected])).toEqual([
      [{ kind: 'jsonpath', path: '$.name' }, '==', 'Eve'],
      [{ kind: 'jsonpath', path: '$.user.tags[0]' }, '==', '"a"'],
      [{ kind: 'body' }, 'contains', 'Eve'],
      [{ kind: 'jsonpath', path: '$.n' }, '==', '1'],
    ])
  })
})
