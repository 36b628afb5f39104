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
export async function requestThrough(
  dispatcher: DispatcherType,
  options: DispatcherType.RequestOptions,
): Promise<DispatcherType.ResponseData> {
  let whole = composed.get(dispatcher)
  if (!whole) composed.set(dispatcher, (whole = dispatcher.compose(wholeBodies)))
  if (parserCompiled) return whole.request(options)
  const response = await onBaselineWasm(() => whole.request(options))
  parserCompiled = true
  return response
}

const composed = new WeakMap<DispatcherType, DispatcherType>()

type Controller = DispatcherType.DispatchController
type Handler = DispatcherType.DispatchHandler

/**
 * A body of declared length whose last bytes arrive while the reader is behind must still end
 * whole. undici's request API pauses its HTTP parser whenever the body stream is full; paused on
 * a body's last bytes, the parser has not yet completed the message, and a server that closes
 * the connection right after the body (as many do) makes undici fail the response with "other
 * side closed" and drop the up to 64 KiB its body stream still held. So the chunk that completes
 * a Content-Length body never pauses the parser: the message completes at once, and the stream
 * ends after what it holds (at most one chunk more than its limit).
 */
const wholeBodies =
  (dispatch: DispatcherType['dispatch']): DispatcherType['dispatch'] =>
  (options, handler) =>
    dispatch(options, new WholeBody(handler as Handler))

class WholeBody implements Handler {
  private remaining: number | undefined
  constructor(private readonly handler: Handler) {}
  onRequestStart(controller: Controller, context: unknown): void {
    this.handler.onRequestStart?.(controller, context)
  }
  onRequestUpgrade(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[]>,
    socket: import('node:stream').Duplex,
  ): void {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket)
  }
  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[]>,
    statusMessage?: string,
  ): void {
    const length = headers['content-length']
    this.remaining = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage)
  }
  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.remaining === undefined || (this.remaining -= chunk.length) > 0)
      this.handler.onResponseData?.(controller, chunk)
    else this.handler.onResponseData?.(unpausable(controller), chunk)
  }
  onResponseEnd(controller: Controller, trailers: Record<string, string | string[]>): void {
    this.handler.onResponseEnd?.(controller, trailers)
  }
  onResponseError(controller: Controller, error: Error): void {
    this.handler.onResponseError?.(controller, error)
  }
}

function unpausable(controller: Controller): Controller {
  return {
    pause: () => {},
    resume: () => controller.resume(),
    abort: (reason: Error) => controller.abort(reason),
    get aborted() {
      return controller.aborted
    },
    get reason() {
      return controller.reason
    },
    get paused() {
      return controller.paused
    },
  }
}
