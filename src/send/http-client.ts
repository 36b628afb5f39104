// undici's Agent with only the request API attached. The package's index also loads fetch,
// WebSocket, EventSource, caches and mocks: about 50 ms more at every start for code reqchain
// never calls. This wires the same pieces the index wires for `Agent#request`.
import type { Dispatcher as DispatcherType } from 'undici'
import Agent from 'undici/lib/dispatcher/agent.js'
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js'
import api from 'undici/lib/api/index.js'
import { onBaselineWasm } from '../builtins.js'

Object.assign(Dispatcher.prototype, api)

export { Agent }

let parserCompiled = false

/**
 * `dispatcher.request`, with undici's HTTP parser (llhttp, WebAssembly compiled on the first
 * connection) kept on V8's baseline tier: see `onBaselineWasm`. The first requests in flight run
 * under it, until a first response arrives.
 */
export async function requestThrough(dispatcher: DispatcherType, options: DispatcherType.RequestOptions): Promise<DispatcherType.ResponseData> {
  if (parserCompiled) return dispatcher.request(options)
  const response = await onBaselineWasm(() => dispatcher.request(options))
  parserCompiled = true
  return response
}
