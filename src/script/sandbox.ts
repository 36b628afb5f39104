// The main thread's side of the sandbox: one worker thread a run (src/script/worker.ts), started
// when the run has scripts, that evaluates them one at a time while this thread stays free — to
// answer the script's host calls, and to hear Ctrl-C. An interrupted script ends its thread; the
// next script, if any, gets a new one.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { EngineResult, HostFunctions, Limits } from './engine.js'
import { SANDBOX_ARG } from './sandbox-arg.js'

declare const REQCHAIN_VERSION: string | undefined

/** What the worker is started with. */
export type SandboxSetup = {
  readonly replies: MessagePort
  /** One Int32 the worker waits on while a host call is answered. */
  readonly flag: SharedArrayBuffer
  readonly memoryBytes: number
}

export type SandboxJob = {
  readonly prelude: string
  readonly input: string
  readonly code: string
  readonly limits: Limits
  readonly hostNames: readonly string[]
  /** Host functions whose answer the script does not wait for (a log line, a variable set). */
  readonly queuedNames: readonly string[]
}

/** From the worker: a host call to answer, or the script's result. */
export type SandboxRequest =
  | { readonly kind: 'queued'; readonly name: string; readonly args: string[] }
  | { readonly kind: 'call'; readonly name?: string; readonly args: string[] }
  | { readonly kind: 'done'; readonly result: EngineResult }

/** To the worker: a host call's answer. */
export type SandboxReply = { readonly value: string | null } | { readonly error: string }

type Thread = { readonly worker: Worker; readonly replies: MessagePort; readonly flag: Int32Array }

let thread: Thread | undefined

/**
 * The sandbox's thread runs the built launcher (dist/reqchain.js), which loads the sandbox's
 * bundle through its code cache. Run from source (the tests), it is the build beside the source.
 */
function launcher(): URL {
  return typeof REQCHAIN_VERSION === 'string'
    ? new URL('./reqchain.js', import.meta.url)
    : new URL('../../dist/reqchain.js', import.meta.url)
}

/** Starts the sandbox's thread now (it loads the engine while the run goes on); idle, it never holds the process. */
export function startSandbox(memoryBytes: number): void {
  if (thread) return
  const { port1, port2 } = new MessageChannel()
  const flag = new SharedArrayBuffer(4)
  const worker = new Worker(launcher(), {
    argv: [SANDBOX_ARG],
    workerData: { replies: port2, flag, memoryBytes } satisfies SandboxSetup,
    transferList: [port2],
  })
  worker.unref()
  port1.unref()
  // A thread that fails to start or dies is replaced at the next script; its failure is that script's.
  worker.on('error', () => {})
  worker.on('exit', () => {
    if (thread?.worker === worker) thread = undefined
  })
  thread = { worker, replies: port1, flag: new Int32Array(flag) }
}

/**
 * Evaluates one script in the sandbox's thread. Host functions run here, on the main thread. An
 * abort (Ctrl-C, SIGTERM) ends the thread at once, whatever the script is doing.
 */
export function evaluateInSandbox(
  job: Omit<SandboxJob, 'hostNames'> & { readonly host: HostFunctions },
  signal?: AbortSignal,
): Promise<EngineResult> {
  startSandbox(job.limits.memoryBytes)
  const { worker, replies, flag } = thread!
  const { host, ...rest } = job
  return new Promise<EngineResult>((resolve) => {
    const finish = (result: EngineResult) => {
      worker.off('message', onMessage)
      worker.off('exit', onExit)
      signal?.removeEventListener('abort', onAbort)
      worker.unref()
      resolve(result)
    }
    const failed = (message: string, kind: 'thrown' | 'interrupted' = 'thrown'): EngineResult => ({
      ok: false,
      failure: { kind, name: 'InternalError', message },
      state: '{}',
    })
    const call = (name: string, args: string[]) => {
      const fn = host[name]
      if (!fn) throw new Error(`${name} is not a host function`)
      return fn(...args) ?? null
    }
    /** A queued call that failed: its error is the answer to the next call that waits. */
    let queuedError: string | undefined
    const onMessage = (message: SandboxRequest) => {
      if (message.kind === 'done') return finish(message.result)
      if (message.kind === 'queued') {
        try {
          call(message.name, message.args)
        } catch (error) {
          queuedError ??= error instanceof Error ? error.message : String(error)
        }
        return
      }
      let reply: SandboxReply
      try {
        if (queuedError !== undefined) throw new Error(queuedError)
        reply = { value: message.name === undefined ? null : call(message.name, message.args) }
      } catch (error) {
        reply = { error: error instanceof Error ? error.message : String(error) }
      }
      queuedError = undefined
      replies.postMessage(reply)
      Atomics.store(flag, 0, 1)
      Atomics.notify(flag, 0)
    }
    const onExit = (code: number) => finish(failed(`the sandbox's thread stopped (exit code ${code})`))
    const onAbort = () => {
      if (thread?.worker === worker) thread = undefined
      worker.off('exit', onExit)
      void worker.terminate()
      finish(failed('interrupted', 'interrupted'))
    }
    if (signal?.aborted) return onAbort()
    worker.on('message', onMessage)
    worker.on('exit', onExit)
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.ref() // while a script runs, its thread holds the run
    worker.postMessage({ ...rest, hostNames: Object.keys(host) } satisfies SandboxJob)
  })
}
