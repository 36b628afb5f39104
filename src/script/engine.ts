// The sandbox: QuickJS compiled to WebAssembly, a JavaScript engine of its own with its own heap.
// Code in it reaches nothing of Node — no file system, network, process, environment, timers or
// modules — except the host functions it is handed, which take and return strings. Each script
// gets a fresh context (nothing it defines survives it), a deadline and a memory limit; a runtime
// that hit a limit is thrown away. Runs in the sandbox's own thread (worker.ts), loaded when a run has scripts.
import { onBaselineWasm } from '../builtins.js'
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSSyncVariant,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core'

/** Functions the sandbox may call: strings in, a string (or nothing) out. */
export type HostFunctions = Readonly<Record<string, (...args: string[]) => string | undefined>>

export type Limits = { readonly timeMs: number; readonly memoryBytes: number }

/** Where in the evaluated code something happened, 1-based, as the engine counts. */
export type EnginePosition = { readonly line: number; readonly column: number }

export type EngineFailure = {
  readonly kind: 'syntax' | 'thrown' | 'time' | 'memory' | 'stack' | 'interrupted'
  readonly name: string
  readonly message: string
  readonly at?: EnginePosition
}

export type EngineResult =
  | { readonly ok: true; readonly state: string }
  | { readonly ok: false; readonly failure: EngineFailure; readonly state: string }

/** The name user code is evaluated under: stack frames with it are the script's own. */
export const SCRIPT_NAME = 'reqchain-script'

/** QuickJS's own stack limit, well inside Node's, so deep recursion is the script's error, not ours. */
const STACK_BYTES = 256 * 1024

/**
 * The engine's WebAssembly memory may grow to the scripts' memory limit and no further: the limit
 * is the engine's whole memory. QuickJS's own limit counts what it asks for, not what its
 * allocator takes: a script filling arrays took 1.5 GB of memory under a 256 MiB limit. A memory
 * that cannot grow makes the allocation fail inside the engine, as an out-of-memory error.
 */
const WASM_PAGE = 64 * 1024
/** After the script, its state is reported by the prelude; a script that overrides what that calls gets this long. */
const REPORT_MS = 1000
/** The largest string a host function takes or gives: jsonPath, crypto, a test's name, a message. */
export const MAX_HOST_STRING = 16 * 1024 * 1024

let engine: Promise<QuickJSWASMModule> | undefined
let runtime: QuickJSRuntime | undefined

export function loadEngine(memoryBytes: number): Promise<QuickJSWASMModule> {
  engine ??= (async () => {
    const [{ newQuickJSWASMModuleFromVariant, newVariant }, variant] = await Promise.all([
      import('quickjs-emscripten-core'),
      import('@jitl/quickjs-wasmfile-release-sync'),
    ])
    const { Memory } = (
      globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => unknown } }
    ).WebAssembly
    const wasmMemory = new Memory({ initial: 256, maximum: Math.ceil(memoryBytes / WASM_PAGE) })
    // The bundle's variant says where its WebAssembly file is (scripts/build.mjs); the package's finds its own.
    const base = variant.default as unknown as QuickJSSyncVariant & { readonly reqchainWasmLocation?: string }
    const capped = newVariant(base, {
      wasmMemory,
      ...(base.reqchainWasmLocation ? { wasmLocation: base.reqchainWasmLocation } : {}),
    } as Parameters<typeof newVariant>[1])
    // Scripts are small: the baseline tier runs them well, and nothing is left compiling at exit.
    return onBaselineWasm(() => newQuickJSWASMModuleFromVariant(capped))
  })()
  return engine
}

/**
 * Runs `prelude` (a function expression called with the host object and the input, returning a
 * function that reports the script's state as text), then `code`, in a fresh context.
 */
export function evaluate(
  module: QuickJSWASMModule,
  job: { prelude: string; input: string; code: string; host: HostFunctions; limits: Limits },
): EngineResult {
  return onBaselineWasm(() => evaluateIn(module, job))
}

function evaluateIn(
  module: QuickJSWASMModule,
  job: { prelude: string; input: string; code: string; host: HostFunctions; limits: Limits },
): EngineResult {
  runtime ??= module.newRuntime()
  const rt = runtime
  rt.setMemoryLimit(job.limits.memoryBytes)
  rt.setMaxStackSize(STACK_BYTES)
  const deadline = job.limits.timeMs > 0 ? Date.now() + job.limits.timeMs : Infinity
  let timedOut = false
  rt.setInterruptHandler(() => (Date.now() > deadline ? (timedOut = true) : false))
  const vm = rt.newContext()
  let state = '{}'
  let finish: QuickJSHandle | undefined
  try {
    const host = vm.newObject()
    for (const [name, fn] of Object.entries(job.host)) {
      const handle = vm.newFunction(name, (...args) => {
        const strings = args.map((a) => vm.getString(a))
        if (strings.some((a) => a.length > MAX_HOST_STRING))
          throw new RangeError(`${name}: a value larger than 16 MiB cannot cross into reqchain`)
        const result = fn(...strings)
        if (result !== undefined && result.length > MAX_HOST_STRING)
          throw new RangeError(`${name}: its result is larger than 16 MiB`)
        return result === undefined ? vm.undefined : vm.newString(result)
      })
      vm.setProp(host, name, handle)
      handle.dispose()
    }
    const setup = vm.unwrapResult(vm.evalCode(job.prelude, 'reqchain-prelude'))
    const input = vm.newString(job.input)
    const made = vm.callFunction(setup, vm.undefined, host, input)
    setup.dispose()
    input.dispose()
    host.dispose()
    finish = vm.unwrapResult(made)
    const result = vm.evalCode(job.code, SCRIPT_NAME)
    let failure: EngineFailure | undefined
    if (result.error) {
      failure = failureOf(vm, result.error, timedOut)
      result.error.dispose()
    } else {
      failure = settle(vm, rt, result.value, () => timedOut)
      result.value.dispose()
    }
    // The state is read by code the script could have changed (JSON.stringify, a toJSON on a
    // prototype): under a deadline of its own, so nothing runs past the script's limits.
    const reportDeadline = Date.now() + REPORT_MS
    const report = { timedOut: false }
    rt.setInterruptHandler(() => (Date.now() > reportDeadline ? (report.timedOut = true) : false))
    const reported = vm.callFunction(finish, vm.undefined)
    if (!reported.error) {
      const text = vm.getString(reported.value)
      if (text.length <= MAX_HOST_STRING) state = text
    }
    reported.dispose()
    if (report.timedOut && !failure)
      failure = {
        kind: 'time',
        name: 'InternalError',
        message: 'interrupted while its results were read (a changed JSON.stringify or toJSON)',
      }
    // A runtime that hit a limit, failed, or holds work queued for later (a promise's jobs) is not
    // reused: nothing of this script may run inside the next one.
    if (failure || rt.hasPendingJob()) throwAway()
    return failure ? { ok: false, failure, state } : { ok: true, state }
  } finally {
    finish?.dispose()
    if (runtime === rt) {
      rt.removeInterruptHandler()
      vm.dispose()
    } else disposeQuietly(vm, rt)
  }
}

/** A script's last value may be a promise (`import('x')`, an async function): its rejection is the script's error. */
function settle(
  vm: QuickJSContext,
  rt: QuickJSRuntime,
  value: QuickJSHandle,
  timedOut: () => boolean,
): EngineFailure | undefined {
  const jobs = rt.executePendingJobs()
  if (jobs.error) {
    const failure = failureOf(vm, jobs.error, timedOut())
    jobs.error.dispose()
    return failure
  }
  const promise = vm.getPromiseState(value)
  if (promise.type === 'rejected') {
    const failure = failureOf(vm, promise.error, timedOut())
    promise.error.dispose()
    return failure
  }
  if (promise.type === 'fulfilled' && !promise.notAPromise) promise.value.dispose()
  return undefined
}

/** A runtime that hit a limit may be left in any state: the next script gets a new one. */
function throwAway(): void {
  runtime = undefined
}

function disposeQuietly(vm: QuickJSContext, rt: QuickJSRuntime): void {
  try {
    vm.dispose()
    rt.dispose()
  } catch {
    /* a runtime stopped mid-allocation may not free cleanly; it is garbage either way */
  }
}

function failureOf(vm: QuickJSContext, handle: QuickJSHandle, timedOut: boolean): EngineFailure {
  const error = vm.dump(handle) as
    { name?: unknown; message?: unknown; stack?: unknown; lineNumber?: unknown } | unknown
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined
  const name = typeof record?.name === 'string' ? record.name : 'Error'
  const message = record
    ? typeof record.message === 'string'
      ? record.message
      : JSON.stringify(record)
    : String(error)
  const at = positionOf(typeof record?.stack === 'string' ? record.stack : '')
  const kind: EngineFailure['kind'] =
    name === 'InternalError' && message === 'interrupted' && timedOut
      ? 'time'
      : name === 'InternalError' && message === 'out of memory'
        ? 'memory'
        : /stack overflow/.test(message)
          ? 'stack'
          : name === 'SyntaxError' &&
              (record?.lineNumber !== undefined || /^\s*at reqchain-script:\d+/.test(String(record?.stack)))
            ? 'syntax'
            : 'thrown'
  return { kind, name, message, ...(at ? { at } : {}) }
}

/** The first frame of the script's own in a QuickJS stack (`at f (reqchain-script:3:5)`, or `at reqchain-script:2:1` for syntax). */
function positionOf(stack: string): EnginePosition | undefined {
  const match = stack.match(new RegExp(`${SCRIPT_NAME}:(\\d+):(\\d+)`))
  return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined
}
