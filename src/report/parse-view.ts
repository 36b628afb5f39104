// `reqchain parse`: the templates exactly as reqchain understood them, spans included.
import type { RequestFile } from '../model.js'
import { type JsonNode, toPlain } from '../load/located-json.js'

export function toParseView(files: readonly RequestFile[]): unknown {
  return files.map((file) => ({
    path: file.path,
    vars: file.vars,
    requests: file.requests.map((r) => ({
      name: r.name,
      span: r.span,
      method: r.method,
      url: r.url,
      httpVersion: r.httpVersion,
      headers: r.headers,
      body:
        r.body?.kind === 'json'
          ? { kind: 'json', value: toPlain(r.body.value as JsonNode), span: r.body.span }
          : r.body,
      directives: r.directives,
      captures: r.captures,
      asserts: r.asserts,
      extras: r.extras,
      options: r.options,
    })),
  }))
}
