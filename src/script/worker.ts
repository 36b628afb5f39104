// The sandbox's own thread. QuickJS runs here, never on the thread that holds the run: a script
// that loops is stopped by its deadline here, and Ctrl-C (which reaches only the main thread) ends
// it by ending this thread. Host functions live on the main thread (they read and change the
// run's variables): a call posts its arguments there and waits, blocked, for the answer.
//
//   main thread                              this thread
//   ───────────                              ───────────
//   { kind: 'job', job }        ───────────▶  evaluate(job) in QuickJS
//                               ◀───────────  { kind: 'queued', name, args }: no answer awaited
//                               ◀───────────  { kind: 'call', name, args }, then Atomics.wait
//   host function runs; reply on `replies`,
//   then Atomics.notify          ───────────▶  receiveMessageOnPort(replies): the value or the error
//                               ◀───────────  { kind: 'done', result }
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { type EngineResult, type HostFunctions, evaluate, loadEngine } from './engine.js'
import type { SandboxJob, SandboxReply, SandboxRequest, SandboxSetup } from './sandbox.js'

const setup = workerData as SandboxSetup
const replies: MessagePort = setup.replies
const flag = new Int32Array(setup.flag)
const port = parentPort!

/**
 * Calls whose answer is not needed (a log line, a variable set) are posted without waiting, in
 * order with the rest. Every so many, one call waits until the main thread has caught up, so a
 * script that logs in a loop cannot pile up messages there.
 */
let unanswered = 0
let unansweredChars = 0
const MAX_UNANSWERED_CALLS = 1024
const MAX_UNANSWERED_CHARS = 1024 * 1024

/** A host function as the script sees it: its arguments go to the main thread, its answer comes back. */
function hostFunction(name: string, queued: boolean): (...args: string[]) => string | undefined {
  return (...args) => {
    if (!queued) return call(name, args)
    port.postMessage({ kind: 'queued', name, args } satisfies SandboxRequest)
    unanswered++
    unansweredChars += args.reduce((sum, a) => sum + a.length, 0)
    if (unanswered >= MAX_UNANSWERED_CALLS || unansweredChars >= MAX_UNANSWERED_CHARS) call(undefined, [])
    return undefined
  }
}

/** One call (or, without a name, only the wait for the main thread to catch up), and its answer. */
function call(name: string | undefined, args: string[]): string | undefined {
  unanswered = 0
  unansweredChars = 0
  Atomics.store(flag, 0, 0)
  port.postMessage({ kind: 'call', ...(name !== undefined ? { name } : {}), args } satisfies SandboxRequest)
  Atomics.wait(flag, 0, 0)
  const reply = receiveMessageOnPort(replies)?.message as SandboxReply | undefined
  if (!reply) throw new Error(`${name ?? 'host'}: no answer from reqchain`)
  if ('error' in reply) throw new Error(reply.error)
  return reply.value ?? undefined
}

port.on('message', (job: SandboxJob) => {
  void loadEngine(setup.memoryBytes).then((engine) => {
    const queued = new Set(job.queuedNames)
    const host: HostFunctions = Object.fromEntries(
      job.hostNames.map((name) => [name, hostFunction(name, queued.has(name))]),
    )
    let result: EngineResult
    try {
      result = evaluate(engine, { prelude: job.prelude, input: job.input, code: job.code, host, limits: job.limits })
    } catch (error) {
      result = {
        ok: false,
        failure: { kind: 'thrown', name: 'InternalError', message: (error as Error).message },
        state: '{}',
      }
    }
    port.postMessage({ kind: 'done', result } satisfies SandboxRequest)
    // The launcher writes this thread's code caches now, if they were missing: the thread is
    // ended, not exited, when the run is over.
    ;(globalThis as { reqchainSaveCaches?: () => void }).reqchainSaveCaches?.()
  })
})
// Loaded at once, while the main thread sends the run's first request.
void loadEngine(setup.memoryBytes)
