// `reqchain parse`: the templates exactly as reqchain understood them, spans included.
import type { RequestFile } from '../model.js'
import { type JsonNode, toPlain } from '../load/located-json.js'

export function toParseView(files: readonly RequestFile[]): unknown {
  return files.map((file) => ({
    path: file.path,
    vars: file.vars,
    requests: file.requests.map((request) => ({
      ...request,
      ...(request.body?.kind === 'json' ? { body: { kind: 'json', value: toPlain(request.body.value as JsonNode), span: request.body.span } } : {}),
    })),
  }))
}
