// undici's Agent with only the request API attached. The package's index also loads fetch,
// WebSocket, EventSource, caches and mocks: about 50 ms more at every start for code reqchain
// never calls. This wires the same pieces the index wires for `Agent#request`.
import { setFlagsFromString } from 'node:v8'
import type { Dispatcher as DispatcherType } from 'undici'
import Agent from 'undici/lib/dispatcher/agent.js'
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js'
import api from 'undici/lib/api/index.js'

Object.assign(Dispatcher.prototype, api)

export { Agent }

let parserCompiled = false
let firstRequestsInFlight = 0
// Someone who sets WebAssembly flags for Node gets exactly those.
const flagsAreOurs = !process.execArgv.some((arg) => /liftoff|wasm/.test(arg))

/**
 * `dispatcher.request`, with V8 told to keep undici's HTTP parser on its baseline tier.
 *
 * undici compiles llhttp (WebAssembly) on the first connection. V8 then also compiles all of it
 * with its optimising tier in the background, and Node waits for that at exit: about 150 ms and
 * 35 MB on every run. Liftoff alone parses fast enough to keep up with a loopback server.
 * The flags are changed only until a first response arrives, then restored: while any V8 flag
 * differs from its start-up value, V8 rejects the code caches of Node's own modules and of
 * reqchain, so whatever loads in that window compiles from scratch.
 */
export async function requestThrough(dispatcher: DispatcherType, options: DispatcherType.RequestOptions): Promise<DispatcherType.ResponseData> {
  if (parserCompiled || !flagsAreOurs) return dispatcher.request(options)
  if (firstRequestsInFlight++ === 0) setFlagsFromString('--liftoff-only') // implies --no-wasm-tier-up --no-wasm-dynamic-tiering
  try {
    const response = await dispatcher.request(options)
    parserCompiled = true
    return response
  } finally {
    if (--firstRequestsInFlight === 0) {
      setFlagsFromString('--no-liftoff-only')
      setFlagsFromString('--wasm-tier-up')
      setFlagsFromString('--wasm-dynamic-tiering')
    }
  }
}
