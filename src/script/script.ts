// The script stage: JetBrains pre-request scripts (`< {% %}`, `< ./pre.js`) before a request is
// rendered, response handlers (`> {% %}`, `> ./handler.js`) after it is checked, each in the
// sandbox (engine.ts) with the JetBrains HTTP Client API (prelude.ts). What a script does to the
// chain goes through `ScriptHost`: `client.global.set` values are variables of the chain (set like
// captures), `request.variables.set` ones last for the one request. `client.test` and
// `client.assert` results are assertions; an error, or a limit hit, is a located runtime error.
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path'
import { ReqchainError } from '../errors.js'
import type {
  AssertResult,
  Exchange,
  Extra,
  HttpRequest,
  RequestFile,
  RequestTemplate,
  ScriptSource,
  SourceSpan,
} from '../model.js'
import type { Scope } from '../render/scope.js'
import { renderText, stringify } from '../render/template.js'
import type { Secrets } from '../secrets.js'
import { FILE_ROOT_HINT, InputFileError, readInputFile } from '../load/input-file.js'
import { lineAt } from '../source.js'
import { loadJsonPath } from '../check/jsonpath.js'
import type { EngineFailure, EnginePosition, Limits } from './engine.js'
import { evaluateInSandbox, startSandbox } from './sandbox.js'
import { EARLY_END, PRELUDE } from './prelude.js'

export const DEFAULT_LIMITS: Limits = { timeMs: 5000, memoryBytes: 256 * 1024 * 1024 }
import { QUEUED_HOST_CALLS, type ScriptHost, hostFunctions, requestInput, responseInput } from './host.js'
/** The longest script run: its text is copied into the sandbox's memory before the memory limit can see it. */
const MAX_SCRIPT_BYTES = 16 * 1024 * 1024

export type ScriptOutcome = { readonly asserts: AssertResult[]; readonly error?: ReqchainError }

export type ScriptPhase = 'pre-request' | 'response'

/** A request's scripts of one phase, in the order written. */
function scriptsOf(template: RequestTemplate, phase: ScriptPhase): readonly (Extra & { script: ScriptSource })[] {
  const kind = phase === 'pre-request' ? 'pre-request-script' : 'response-handler'
  return template.extras.filter((e): e is Extra & { script: ScriptSource } => e.kind === kind && e.script !== undefined)
}

/** The engine, and jsonpath-plus when a script may call `jsonPath(…)` (script files count: they are read when they run). */
export async function loadScripts(templates: readonly RequestTemplate[]): Promise<void> {
  const jsonPathUsed = templates.some((t) =>
    t.extras.some((e) => e.script && (e.script.kind === 'file' || e.script.code.includes('jsonPath('))),
  )
  startSandbox(DEFAULT_LIMITS.memoryBytes)
  if (jsonPathUsed) await loadJsonPath()
}

type Code = { readonly code: string; readonly file: string; readonly origin: SourceSpan }

/** Script files read once a run, by file root and absolute path. */
const codeCache = new Map<string, string>()

function codeOf(source: ScriptSource, requestFile: string, baseDir: string, fileRoot: string | undefined): Code {
  if (source.kind === 'inline') return { code: source.code, file: requestFile, origin: source.span }
  const absolute = resolve(baseDir, source.path)
  const key = `${fileRoot ?? ''}\0${absolute}`
  let code = codeCache.get(key)
  if (code === undefined) {
    try {
      code = readInputFile(absolute, fileRoot)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error
      const outside = error.message.startsWith('is outside the file root')
      throw new ReqchainError(
        'SCRIPT_FILE',
        `Script file \`${source.path}\` ${error.message}`,
        source.span,
        outside ? FILE_ROOT_HINT : `the path is relative to ${requestFile}`,
      )
    }
    codeCache.set(key, code)
  }
  // Shown as the request file is (from the working directory): beside it, by the path written.
  const shown = isAbsolute(source.path) ? source.path : normalize(join(dirname(requestFile), source.path))
  return { code, file: shown, origin: { file: shown, line: 1, column: 1 } }
}

/**
 * Runs the request's scripts of one phase in order; the first error ends them. `exchange` is the
 * response, for handlers; `request` what was sent (handlers) or nothing yet (pre-request).
 */
export async function runScripts(
  phase: ScriptPhase,
  template: RequestTemplate,
  context: {
    readonly file: string
    readonly baseDir: string
    readonly fileRoot?: string
    readonly host: ScriptHost
    readonly limits: Limits
    readonly request?: HttpRequest
    readonly exchange?: Exchange
    /** Ctrl-C: ends a running script at once. */
    readonly signal?: AbortSignal
  },
): Promise<ScriptOutcome> {
  const asserts: AssertResult[] = []
  if (phase === 'pre-request') {
    // Handler files are read before the request is sent, so one that cannot be read (outside the
    // file root, missing) stops the request instead of following it.
    try {
      for (const extra of scriptsOf(template, 'response'))
        if (extra.script.kind !== 'inline') codeOf(extra.script, context.file, context.baseDir, context.fileRoot)
    } catch (error) {
      if (error instanceof ReqchainError) return { asserts, error }
      throw error
    }
  }
  for (const extra of scriptsOf(template, phase)) {
    let code: Code
    try {
      code = codeOf(extra.script, context.file, context.baseDir, context.fileRoot)
    } catch (error) {
      if (error instanceof ReqchainError) return { asserts, error }
      throw error
    }
    if (/^\s*--\s*lua\b/.test(code.code))
      return {
        asserts,
        error: new ReqchainError(
          'SCRIPT_SYNTAX',
          "Lua scripts (kulala's `-- lua`) are not run",
          located(code, positionIn(code.code, /--\s*lua/)),
          'reqchain runs JavaScript scripts with the JetBrains HTTP Client API; write the script in JavaScript, or use # @capture',
        ),
      }
    if (code.code.length > MAX_SCRIPT_BYTES)
      return {
        asserts,
        error: new ReqchainError(
          'SCRIPT_FILE',
          `Script is larger than 16 MiB (${code.code.length} characters)`,
          extra.span,
          'scripts are for handling a response, not for carrying data: read large data with {{file "…"}}',
        ),
      }
    const dialect = extra.script.kind === 'inline' ? extra.script.dialect : undefined
    const input = JSON.stringify({
      request: requestInput(template, context.request),
      ...(context.exchange ? { response: responseInput(context.exchange) } : {}),
      ...(dialect ? { dialect } : {}),
    })
    const result = await evaluateInSandbox(
      {
        prelude: PRELUDE,
        input,
        code: code.code,
        host: hostFunctions(context.host, context.exchange),
        queuedNames: QUEUED_HOST_CALLS,
        limits: context.limits,
      },
      context.signal,
    )
    const state = JSON.parse(result.state) as { tests?: TestRecord[] }
    for (const test of state.tests ?? []) asserts.push(assertResult(test, code, extra.span))
    if (!result.ok && !EARLY_END.test(result.failure.message))
      return { asserts, error: scriptError(result.failure, code, context.limits) }
  }
  return { asserts }
}

type TestRecord = { name: string; ok: boolean; message?: string; assert?: boolean; at: EnginePosition | null }

/** A place in the script's code as a place in its file: inline code starts just after `{%`. */
function located(code: Code, at: EnginePosition | undefined | null): SourceSpan {
  // No place, or the very start (where QuickJS puts an interrupt in a tight loop): the code's first character.
  if (!at || (at.line === 1 && at.column === 1)) at = positionIn(code.code, /\S/)
  if (!at) return code.origin
  return at.line === 1
    ? { file: code.file, line: code.origin.line, column: code.origin.column + at.column - 1 }
    : { file: code.file, line: code.origin.line + at.line - 1, column: at.column }
}

function positionIn(code: string, pattern: RegExp): EnginePosition | undefined {
  const lines = code.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const index = lines[i]!.search(pattern)
    if (index >= 0) return { line: i + 1, column: index + 1 }
  }
  return undefined
}

/** QuickJS places a call at its `(`: the frame points at the callee instead (`client.test`). */
function calleeStart(code: string, at: EnginePosition): EnginePosition {
  const line = lineAt(code, at.line) ?? ''
  let column = at.column
  if (line[column - 1] !== '(') return at
  while (column > 1 && /[\w$.]/.test(line[column - 2]!)) column--
  return { line: at.line, column }
}

function assertResult(test: TestRecord, code: Code, fallback: SourceSpan): AssertResult {
  const at = test.at ? calleeStart(code.code, test.at) : undefined
  const span = at
    ? { ...located(code, at), length: test.assert ? 'client.assert'.length : 'client.test'.length }
    : fallback
  const assertion = {
    query: { kind: 'script' as const, name: test.name, test: !test.assert },
    predicate: test.assert ? 'holds' : 'passes',
    negated: false,
    span,
  }
  if (test.ok) return { assertion, ok: true }
  const what = test.assert
    ? `client.assert failed: ${test.message ?? test.name}`
    : `client.test ${JSON.stringify(test.name)} failed: ${test.message ?? 'it threw'}`
  return { assertion, ok: false, expected: 'no error', actual: test.message ?? '', message: what }
}

function scriptError(failure: EngineFailure, code: Code, limits: Limits): ReqchainError {
  // A failed import's rejection carries no stack: the `import(` in the code is the place.
  const importAt =
    !failure.at && /could not load module/.test(failure.message) ? positionIn(code.code, /\bimport\s*\(/) : undefined
  const span = located(code, failure.at ?? importAt)
  switch (failure.kind) {
    case 'time':
      return new ReqchainError(
        'SCRIPT_LIMIT',
        `Script ran past its time limit (${limits.timeMs / 1000} s)`,
        span,
        'an endless loop? --script-timeout SECONDS gives scripts longer',
      )
    case 'memory':
      return new ReqchainError(
        'SCRIPT_LIMIT',
        `Script ran out of memory (limit ${Math.round(limits.memoryBytes / 1048576)} MiB)`,
        span,
        'scripts get a memory limit of their own; work on a smaller part of the response',
      )
    case 'interrupted':
      return new ReqchainError('SCRIPT_INTERRUPTED', 'Interrupted while a script ran', span)
    case 'stack':
      return new ReqchainError('SCRIPT_LIMIT', 'Script recursed too deeply (stack overflow)', span)
    case 'syntax': {
      const line = failure.at ? (lineAt(code.code, failure.at.line) ?? '') : ''
      const hint = /^\s*(import|export)\b/.test(line)
        ? 'scripts run in a sandbox as plain scripts: they cannot import or export modules'
        : 'scripts are JavaScript, run in a sandbox with the JetBrains HTTP Client API'
      return new ReqchainError('SCRIPT_SYNTAX', `Script syntax error: ${failure.message}`, span, hint)
    }
    default:
      return new ReqchainError(
        'SCRIPT_ERROR',
        `Script error: ${failure.name}: ${failure.message}`,
        span,
        hintFor(failure),
      )
  }
}

/** What a sandboxed script cannot do, said plainly when it tries. */
function hintFor(failure: EngineFailure): string | undefined {
  if (/'(require|process|module|exports|Buffer|setTimeout|setInterval|fetch)' is not defined/.test(failure.message)) {
    return 'scripts run in a sandbox: no Node modules, process, files, network or timers; the API is client, request, response, crypto, $random'
  }
  if (/could not load module/.test(failure.message)) return 'scripts run in a sandbox and cannot import modules'
  return undefined
}

const written = new WeakMap<RequestTemplate, Set<string>>()

/** The request's texts as its file writes them: URL, header values and body (what `request.*` can substitute). */
function writtenTexts(template: RequestTemplate): Set<string> {
  let texts = written.get(template)
  if (!texts) {
    const input = requestInput(template, undefined)
    texts = new Set([input.url, ...input.headers.map((h) => h[1]), ...(input.body === null ? [] : [input.body])])
    written.set(template, texts)
  }
  return texts
}

/** What the reports keep of a request's script logs: they print in full as they happen. */
const KEPT_LOG_CHARS = 64 * 1024

/**
 * The scripts of one request as the run drives them: `run('pre-request')` before it is rendered,
 * `run('response', …)` after it is checked. What they set with `client.global.set` becomes the
 * step's captures (`changes`); what they clear, its `released` names; the assertions of a script
 * that failed are kept in `asserts`.
 */
export function scriptRunner(context: {
  readonly file: RequestFile
  readonly template: RequestTemplate
  readonly scope: Scope
  readonly secrets: Secrets
  readonly timeMs?: number
  readonly signal?: AbortSignal
  readonly onLog: (text: string) => void
}) {
  const { file, template, scope, secrets } = context
  const set: Record<string, unknown> = {}
  const released = new Set<string>()
  const logs: string[] = []
  let logged = 0
  const host: ScriptHost = {
    variable: (name) => {
      try {
        return scope.context[name]
      } catch {
        return undefined
      }
    },
    environment: (name) => scope.baseValue(name),
    setGlobal: (name, value) => {
      secrets.noteVariable(name, value)
      scope.capture(name, value)
      scope.globals.add(name)
      set[name] = value
      released.delete(name)
    },
    clearGlobal: (name) => {
      delete set[name]
      scope.release(name)
      released.add(name)
    },
    clearAllGlobals: () => {
      for (const name of [...scope.globals]) host.clearGlobal(name)
    },
    globalsEmpty: () => scope.globals.size === 0,
    setRequestVariable: (name, value) => {
      secrets.noteVariable(name, value)
      scope.requestVariable(name, value)
    },
    // Only the request file's own text is rendered: a string a script made (through a getter on a
    // prototype, say) is never rendered by the host, so `{{$processEnv}}` or `{{file}}` cannot run for it.
    substitute: (raw) => {
      if (!writtenTexts(template).has(raw)) return raw
      try {
        return stringify(renderText({ raw, span: template.span }, scope.context, scope.runtime, 'text'))
      } catch {
        return raw
      }
    },
    log: (text) => {
      context.onLog(text)
      if (logged >= KEPT_LOG_CHARS) return
      logged += text.length
      logs.push(logged > KEPT_LOG_CHARS ? `${text.slice(0, 200)}… (more was logged than the reports keep)` : text)
    },
  }
  const limits = context.timeMs === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, timeMs: context.timeMs }
  const runner = {
    asserts: [] as AssertResult[],
    async run(phase: ScriptPhase, request?: HttpRequest, exchange?: Exchange): Promise<AssertResult[]> {
      const outcome = await runScripts(phase, template, {
        file: file.path,
        baseDir: scope.runtime.baseDir!,
        ...(scope.runtime.fileRoot ? { fileRoot: scope.runtime.fileRoot } : {}),
        host,
        limits,
        ...(request ? { request } : {}),
        ...(exchange ? { exchange } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      })
      if (outcome.error) {
        runner.asserts = outcome.asserts
        throw outcome.error
      }
      return outcome.asserts
    },
    changes(captures: Record<string, unknown>): {
      captures: Record<string, unknown>
      released?: string[]
      logs?: string[]
    } {
      return {
        captures: { ...captures, ...set },
        ...(released.size > 0 ? { released: [...released] } : {}),
        ...(logs.length > 0 ? { logs } : {}),
      }
    },
  }
  return runner
}
