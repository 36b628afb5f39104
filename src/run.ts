// What reqchain does, in order: for each file, for each request: (its pre-request scripts) →
// render → send → check → (its response handlers), then feed the captured values, and what
// scripts set, to the requests after it. Each stage's details live in its folder; the script stage
// (script/) loads only for requests that have scripts.
//
// A run keeps what its outputs need and no more: every step only when --all asks for them (reports
// take each step as it ends), otherwise counts, the last step, and the exchanges later requests
// refer to by name. The
// variables of a chain live in one Scope updated in place (render/scope.ts), so the cost of a request
// does not grow with the number of variables or of requests before it.
import { dirname } from 'node:path'
import type { Dispatcher } from 'undici'
import { monotonicMs } from './builtins.js'
import { ReqchainError, RenderError, UndefinedVariableError, tooDeep } from './errors.js'
import type { AssertionSpec, AssertResult, Exchange, HttpRequest, RequestFile, RequestTemplate } from './model.js'
import { type EnvironmentTls, type VarSources, loadBaseVars } from './load/env.js'
import { Scope, prepareRender, render } from './render/render.js'
import { scriptVariables } from './select.js'
import { namedResponseRoots, referencedNames } from './render/scope.js'
import { renderText, stringify } from './render/template.js'
import { type StreamListener, send } from './send/send.js'
import type { BodyLimits } from './send/inflate.js'
import type { RedirectPolicy } from './send/redirect.js'
import type { BodySink } from './send/sink.js'
import type { Route } from './send/transport.js'
import type { Cookies } from './send/cookies.js'
import { type RetryPolicy, sleep } from './send/retry.js'
import { check } from './check/check.js'
import { responseJson } from './check/extract.js'
import { SCHEMA_PREDICATES, loadSchemaValidator } from './check/schema.js'
import { loadJsonPath } from './check/jsonpath.js'
import type { Secrets } from './secrets.js'
import type { Row } from './load/dataset.js'

/** A chain of requests: a file's (selected) requests, for one --dataset row when there is one. */
export type Plan = { readonly file: RequestFile; readonly requests: readonly RequestTemplate[]; readonly row?: Row }

export type StepResult = {
  readonly file: RequestFile
  readonly template: RequestTemplate
  readonly request?: HttpRequest
  readonly exchange?: Exchange
  readonly captures: Readonly<Record<string, unknown>>
  readonly asserts: readonly AssertResult[]
  readonly error?: ReqchainError
  /** Not run: an earlier request of its file failed and the run stops at failures (--bail). */
  readonly skipped?: boolean
  /** How many times it was sent, when polled (`# @retry`) past the first. */
  readonly attempts?: number
  /** Variables its scripts cleared (`client.global.clear`): no longer set for the requests after it. */
  readonly released?: readonly string[]
  /** The --dataset row it ran for, 1-based, and that row's fields. */
  readonly row?: number
  readonly rowValues?: Readonly<Record<string, unknown>>
}

/** Steps counted by outcome. */
export type Tally = { passed: number; failed: number; errors: number; skipped: number }

export type RunResult = {
  /** Every step, in order, when the run keeps them (`keepSteps`); otherwise empty. */
  readonly steps: readonly StepResult[]
  readonly tally: Tally
  /** The last step that got a response: what stdout, -o and --extract show. */
  readonly last?: StepResult
  readonly interrupted: boolean
  readonly durationMs: number
}

export type RunEvent =
  | {
      readonly kind: 'sending'
      readonly file: RequestFile
      readonly template: RequestTemplate
      readonly request: HttpRequest
      readonly via?: string
    }
  | { readonly kind: 'step'; readonly step: StepResult }
  /** A request not run, because an earlier one failed and the run stops at failures. */
  | { readonly kind: 'skipped'; readonly step: StepResult }
  /** A request about to be sent again: a transient failure (--retry) or a poll (`# @retry`). */
  | {
      readonly kind: 'retry'
      readonly template: RequestTemplate
      readonly attempt: number
      readonly count: number
      readonly waitMs: number
      readonly reason: string
    }
  /** A script's `client.log` / `console.log` line. */
  | { readonly kind: 'log'; readonly template: RequestTemplate; readonly text: string }

export type RunOptions = {
  /** Which keep-alive pool a request goes through (send/transport.ts). */
  readonly transport: {
    readonly dispatcherFor: (route: Route) => Promise<Dispatcher>
    readonly proxyOf?: (route: Route) => string | undefined
    readonly http2Of?: (route: Route) => 'alpn' | 'h2c' | undefined
  }
  /** The whole request; 0 for no limit. `# @timeout` overrides both limits. */
  readonly maxTimeMs: number
  /** Silence before the response and between body chunks; 0 for no limit. */
  readonly idleTimeoutMs: number
  readonly redirects: Omit<RedirectPolicy, 'follow' | 'secrets'>
  readonly limits: BodyLimits
  readonly varSources: VarSources
  readonly cliVars: Readonly<Record<string, string>>
  readonly processEnv: Readonly<Record<string, string | undefined>>
  readonly secrets: Secrets
  /** Stop at the first failed request (run: yes; test: unless --bail is off). */
  readonly bail: boolean
  /** Treat HTTP statuses >= 400 as errors (--fail). */
  readonly failOnStatus: boolean
  readonly allowInvalidJson?: boolean
  /** Each file gets its own captured values (test mode) instead of sharing them (run). */
  readonly isolateFiles: boolean
  /** Retry transient failures (--retry); each retry is an event. */
  readonly retry?: Omit<RetryPolicy, 'onRetry'>
  /** A fresh cookie jar for a chain (each file in test mode, the whole run otherwise); none with --no-cookies. */
  readonly cookieJar?: () => Cookies
  /** Keep every step (for --all); without it memory stays flat over any number of requests (reports take steps as they end). */
  readonly keepSteps: boolean
  readonly signal?: AbortSignal
  readonly onEvent?: (event: RunEvent) => void
  readonly listenerFor?: (template: RequestTemplate) => StreamListener | undefined
  /** Where a body goes instead of memory, when nothing in the run needs it (-o, a piped stdout). */
  readonly sinkFor?: (template: RequestTemplate) => BodySink | undefined
  /** A chain has ended, with its steps (collected only when this is given): a --dataset row's result. */
  readonly onChainEnd?: (plan: Plan, steps: readonly StepResult[]) => void
  /** Shared by parallel chains: true once any of them failed and the run stops at failures. */
  readonly stopped?: () => boolean
  /** Keep when each piece of a stream arrived (--record). */
  readonly timePieces?: boolean
  /** A last look at each step before it counts: against a recording (--compare, --replay). */
  readonly review?: (step: StepResult) => StepResult
  /** How long each script may run (--script-timeout); 0 for no limit. Its memory limit is the sandbox's own. */
  readonly scriptTimeMs?: number
}

export function isFailed(step: StepResult): boolean {
  return step.error !== undefined || step.asserts.some((a) => !a.ok)
}

export type StepStatus = 'passed' | 'failed' | 'error' | 'skipped'

export function statusOf(step: StepResult): StepStatus {
  if (step.skipped) return 'skipped'
  if (step.error) return 'error'
  return isFailed(step) ? 'failed' : 'passed'
}

export function emptyTally(): Tally {
  return { passed: 0, failed: 0, errors: 0, skipped: 0 }
}

export function count(tally: Tally, step: StepResult): void {
  const status = statusOf(step)
  if (status === 'error') tally.errors++
  else tally[status]++
}

/** Requests counted by outcome; an error counts as failed. */
export function summaryOf(run: RunResult): { passed: number; failed: number; skipped: number; interrupted: boolean } {
  const { passed, failed, errors, skipped } = run.tally
  return { passed, failed: failed + errors, skipped, interrupted: run.interrupted }
}

export async function run(plans: readonly Plan[], options: RunOptions): Promise<RunResult> {
  const start = monotonicMs()
  await prepare(plans)
  const steps: StepResult[] = []
  const tally = emptyTally()
  let last: StepResult | undefined
  let captured = new Map<string, unknown>()
  let missed = new Map<string, string>() // variable name → how a failed request was to set it (`captured by …`)
  let cookies = options.cookieJar?.()
  let stopped = false
  const record = (step: StepResult) => {
    count(tally, step)
    if (options.keepSteps) steps.push(step)
  }
  // The environments and .env files of a folder, read once a run (not once per --dataset row, nor
  // per parallel chain: the chains of one run share their variable sources).
  let bases = basesByRun.get(options.varSources)
  if (!bases) basesByRun.set(options.varSources, (bases = new Map()))
  const baseOf = (dir: string) => {
    let base = bases!.get(dir)
    if (!base) {
      bases!.set(
        dir,
        (base = loadBaseVars(dir, options.varSources).then((loaded) => {
          for (const secret of loaded.secrets) options.secrets.add(secret)
          for (const [name, value] of Object.entries(loaded.values)) options.secrets.noteVariable(name, value)
          return loaded
        })),
      )
    }
    return base
  }
  for (const plan of plans) {
    // A file in test mode, and every --dataset row, is a chain of its own: nothing it captures leaks.
    if ((options.isolateFiles || plan.row) && plan !== plans[0]) {
      captured = new Map()
      missed = new Map()
      cookies = options.cookieJar?.()
    }
    const base = await baseOf(dirname(plan.file.absolutePath))
    const tls = base.tls
    const chain: StepResult[] | undefined = options.onChainEnd ? [] : undefined
    const scope = new Scope({
      file: plan.file,
      base: base.values,
      captured,
      cli: options.cliVars,
      ...(plan.row ? { row: plan.row } : {}),
      dotenv: base.dotenv,
      processEnv: options.processEnv,
      allowInvalidJson: options.allowInvalidJson ?? false,
    })
    const { referenced, namedBodies } = usesOf(plan.file) // once per file, not per --dataset row
    const ownNamed = new Set<string>()
    const originIn = (name: string) =>
      originOf(name, plan, base.origins, options.cliVars, captured, scope.context[name])
    const renderExpected = expectedRenderer(scope)
    for (const template of plan.requests) {
      if (stopped || options.signal?.aborted || options.stopped?.()) {
        const step: StepResult = {
          file: plan.file,
          template,
          captures: {},
          asserts: [],
          skipped: true,
          ...(plan.row ? { row: plan.row.index + 1, rowValues: plan.row.values } : {}),
        }
        record(step)
        chain?.push(step)
        options.onEvent?.({ kind: 'skipped', step })
        continue
      }
      const ran = explain(
        await runStep(
          plan.file,
          template,
          scope,
          renderExpected,
          template.options.noCookieJar ? undefined : cookies,
          tls,
          options,
        ),
        missed,
        originIn,
      )
      const rowed = plan.row ? { ...ran, row: plan.row.index + 1, rowValues: plan.row.values } : ran
      const step = options.review ? options.review(rowed) : rowed
      record(step)
      chain?.push(step)
      if (step.exchange) last = step
      // Secret response headers (Set-Cookie) and values captured into secret names are masked
      // from their very first appearance.
      if (step.exchange) options.secrets.noteResponseHeaders(step.exchange.headers)
      for (const [name, value] of Object.entries(step.captures)) {
        options.secrets.noteVariable(name, value)
        if (step.released?.includes(name)) continue
        scope.capture(name, value)
        missed.delete(name)
      }
      for (const name of step.released ?? []) scope.release(name)
      if (step.error) noteMissed(step, missed)
      scope.advance()
      options.onEvent?.({ kind: 'step', step })
      // httpyac's named responses: after `# @name login`, `{{login.token}}` reads the response body.
      if (
        template.name &&
        step.exchange &&
        namedBodies.has(template.name) &&
        (ownNamed.has(template.name) || !(template.name in scope.context))
      ) {
        const body = namedBody(step.exchange)
        if (body !== undefined) {
          ownNamed.add(template.name)
          scope.capture(template.name, body)
        }
      }
      if (template.name && step.request && referenced(template.name)) {
        scope.exchanges.set(template.name, {
          request: step.request,
          ...(step.exchange ? { exchange: step.exchange } : {}),
        })
      }
      if (isFailed(step) && options.bail) stopped = true
    }
    if (chain) options.onChainEnd!(plan, chain)
  }
  return {
    steps,
    tally,
    ...(last ? { last } : {}),
    interrupted: options.signal?.aborted ?? false,
    durationMs: monotonicMs() - start,
  }
}

const basesByRun = new WeakMap<VarSources, Map<string, Promise<Awaited<ReturnType<typeof loadBaseVars>>>>>()

const fileUses = new WeakMap<RequestFile, { referenced: (name: string) => boolean; namedBodies: ReadonlySet<string> }>()

/** Which request names a file reads responses of: `{{login.response.…}}` and httpyac's `{{login.token}}`. */
function usesOf(file: RequestFile) {
  let uses = fileUses.get(file)
  if (!uses) fileUses.set(file, (uses = { referenced: referencedNames(file), namedBodies: namedResponseRoots(file) }))
  return uses
}

/** A named response's JSON body as a variable; `.body` reads the same, as httpyac allows both forms. */
function namedBody(exchange: Exchange): object | undefined {
  const json = responseJson(exchange)
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return undefined
  // A shallow copy: the parsed body itself is what captures and reports read.
  const body = (Array.isArray(json.value) ? [...json.value] : { ...json.value }) as Record<string, unknown>
  if (!Object.prototype.hasOwnProperty.call(body, 'body'))
    Object.defineProperty(body, 'body', { value: body, enumerable: false })
  return body
}

/** Remembers the captures a failed request never made, so a later "undefined variable" can say why. */
function noteMissed(step: StepResult, missed: Map<string, string>): void {
  const { template } = step
  const where = `${template.name ? `\`${template.name}\`` : `${template.method} request`} at ${template.span.file}:${template.span.line}`
  for (const capture of template.captures) {
    if (!(capture.name in step.captures)) missed.set(capture.name, `captured by ${where}`)
  }
  for (const name of scriptVariables(template, step.file, 'set')) {
    if (!(name in step.captures)) missed.set(name, `set by the script of ${where}`)
  }
}

/**
 * Errors a user can only fix knowing where a value came from: an undefined variable that a failed
 * request was to capture (the first failure is the one to fix), and a refused connection or an
 * unknown host, whose URL variables are shown with their source (an environment overriding .env).
 */
function explain(
  step: StepResult,
  missed: Map<string, string>,
  originOf: (name: string) => string | undefined,
): StepResult {
  const error = step.error
  if (!error) return step
  const from = error instanceof UndefinedVariableError ? missed.get(error.variable) : undefined
  if (from !== undefined) {
    const { variable } = error as UndefinedVariableError
    return {
      ...step,
      error: new UndefinedVariableError(
        variable,
        error.message,
        error.span,
        `\`${variable}\` was to be ${from}, which failed; fix that request first`,
      ),
    }
  }
  if (error.code !== 'SEND_CONNECT' || !/^(Connection refused|Cannot resolve)/.test(error.message) || !step.request)
    return step
  const names = [...new Set([...step.template.url.raw.matchAll(/\{\{\s*([\w-]+)\s*\}\}/g)].map((m) => m[1]!))]
  const sources = names.flatMap((name) => {
    const origin = originOf(name)
    return origin ? [origin] : []
  })
  if (sources.length === 0) return step
  return {
    ...step,
    error: new ReqchainError(error.code, error.message, error.span, `${error.hint ?? ''}\n${sources.join('\n')}`, {
      cause: error.cause,
    }),
  }
}

/** Which layer gave a variable its value, strongest first, as the precedence in load/env.ts. */
function originOf(
  name: string,
  plan: Plan,
  base: Readonly<Record<string, string>>,
  cli: Readonly<Record<string, string>>,
  captured: ReadonlyMap<string, unknown>,
  value: unknown,
): string | undefined {
  const fileVar = plan.file.vars.find((v) => v.name === name)
  const origin =
    name in cli
      ? '--var'
      : plan.row && name in plan.row.values
        ? `row ${plan.row.index + 1} of the --dataset`
        : captured.has(name)
          ? 'a capture'
          : fileVar
            ? `@${name} at ${fileVar.value.span.file}:${fileVar.value.span.line}`
            : base[name]
  return origin && typeof value === 'string' ? `${name} = ${value} from ${origin}` : undefined
}

/** Expected values in assertions may use variables: `# @assert $.model == "{{model}}"`. */
function expectedRenderer(scope: Scope) {
  return (raw: string, assertion: AssertionSpec): string => {
    if (!raw.includes('{{')) return raw
    const runtime = {
      names: () => Object.keys(scope.context),
      special: () => {
        throw new RenderError(
          'RENDER_SYNTAX',
          'Dynamic variables and request references are not available in assertions',
          assertion.span,
        )
      },
    }
    return stringify(renderText({ raw, span: assertion.span }, scope.context, runtime, 'text'))
  }
}

/** Loads what these requests need and nothing more: start-up time is felt on every command. */
async function prepare(plans: readonly Plan[]): Promise<void> {
  const requests = plans.flatMap((p) => p.requests)
  const queries = requests.flatMap((r) => [...r.captures.map((c) => c.query), ...r.asserts.map((a) => a.query)])
  await Promise.all([
    prepareRender(plans.map((p) => p.file)),
    queries.some((q) => q.kind === 'jsonpath' || q.kind === 'request') ? loadJsonPath() : undefined,
    requests.some((r) => r.asserts.some((a) => SCHEMA_PREDICATES.has(a.predicate))) ? loadSchemaValidator() : undefined,
    requests.some((r) => r.extras.some((e) => e.script))
      ? import('./script/script.js').then((m) => m.loadScripts(requests))
      : undefined,
  ])
}

/** The redirect rules of a run, with and without following: built once, not per request. */
const policiesByRun = new WeakMap<RunOptions, Map<boolean, RedirectPolicy>>()

function redirectPolicies(options: RunOptions): Map<boolean, RedirectPolicy> {
  let policies = policiesByRun.get(options)
  if (!policies) {
    policies = new Map(
      [true, false].map((follow) => [follow, { ...options.redirects, follow, secrets: options.secrets }]),
    )
    policiesByRun.set(options, policies)
  }
  return policies
}

/**
 * One request, sent again while it fails when it asks to be polled (`# @retry N`): each attempt is
 * rendered anew, after `# @retry-interval` ms. The step says how many attempts it took.
 */
async function runStep(
  file: RequestFile,
  template: RequestTemplate,
  scope: Scope,
  renderExpected: ReturnType<typeof expectedRenderer>,
  cookies: Cookies | undefined,
  tls: EnvironmentTls | undefined,
  options: RunOptions,
): Promise<StepResult> {
  const poll = template.options.poll
  for (let attempt = 1; ; attempt++) {
    const step = await attemptStep(file, template, scope, renderExpected, cookies, tls, options)
    if (!poll || !isFailed(step) || attempt > poll.count || options.signal?.aborted)
      return attempt > 1 ? { ...step, attempts: attempt } : step
    const reason = step.error ? step.error.message.split(':')[0]! : 'an assertion failed'
    options.onEvent?.({ kind: 'retry', template, attempt, count: poll.count, waitMs: poll.intervalMs, reason })
    await sleep(poll.intervalMs, options.signal)
    scope.advance()
  }
}

async function attemptStep(
  file: RequestFile,
  template: RequestTemplate,
  scope: Scope,
  renderExpected: ReturnType<typeof expectedRenderer>,
  cookies: Cookies | undefined,
  tls: EnvironmentTls | undefined,
  options: RunOptions,
): Promise<StepResult> {
  const policies = redirectPolicies(options)
  let request: HttpRequest | undefined
  let exchange: Exchange | undefined
  let asserts: AssertResult[] = []
  const scripts = template.extras.some((e) => e.script)
    ? (await import('./script/script.js')).scriptRunner({
        file,
        template,
        scope,
        secrets: options.secrets,
        ...(options.scriptTimeMs !== undefined ? { timeMs: options.scriptTimeMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onLog: (text) => options.onEvent?.({ kind: 'log', template, text }),
      })
    : undefined
  try {
    if (scripts) asserts = await scripts.run('pre-request')
    request = render(template, scope)
    const route: Route = {
      url: request.url,
      ...(template.options.unixSocket ? { unixSocket: template.options.unixSocket } : {}),
      http2: template.httpVersion === '2',
      ...(tls ? { tls } : {}),
    }
    const via = options.transport.proxyOf?.(route)
    options.onEvent?.({ kind: 'sending', file, template, request, ...(via ? { via } : {}) })
    const listener = options.listenerFor?.(template)
    const sink = options.sinkFor?.(template)
    const timeoutMs = template.options.timeoutMs
    exchange = await send(request, {
      dispatcher: await options.transport.dispatcherFor(route),
      ...(options.transport.http2Of?.(route) ? { http2Offered: options.transport.http2Of(route)! } : {}),
      ...(via ? { via } : {}),
      maxTimeMs: timeoutMs ?? options.maxTimeMs,
      idleTimeoutMs: timeoutMs ?? options.idleTimeoutMs,
      redirects: policies.get(template.options.followRedirects ?? true)!,
      limits: options.limits,
      span: template.span,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(listener ? { listener } : {}),
      ...(options.timePieces ? { timePieces: true } : {}),
      ...(sink ? { sink } : {}),
      ...(cookies ? { cookies } : {}),
      ...(options.retry && options.retry.count > 0
        ? { retry: { ...options.retry, onRetry: (retry) => options.onEvent?.({ kind: 'retry', template, ...retry }) } }
        : {}),
    })
    const before = asserts
    const result = check(
      template,
      exchange,
      { vars: scope.context, baseDir: scope.runtime.baseDir!, renderExpected },
      (partial) => {
        asserts = [...before, ...partial.asserts]
      },
    )
    asserts = [...before, ...result.asserts]
    if (scripts) asserts = [...asserts, ...(await scripts.run('response', request, exchange))]
    if (options.failOnStatus && exchange.status >= 400) {
      throw new ReqchainError(
        'SEND_HTTP_STATUS',
        `HTTP ${exchange.status} ${exchange.statusText}: ${request.method} ${request.url}`,
        template.span,
        'the server answered with an error status (--fail is on)',
      )
    }
    return { file, template, request, exchange, ...result, asserts, ...scripts?.changes(result.captures) }
  } catch (thrown) {
    const error = tooDeep(thrown, template.span) // a response nested past what recursion can walk
    if (!(error instanceof ReqchainError)) throw error // a bug, not a user error: let it crash
    const partial = (error as ReqchainError & { exchange?: Exchange }).exchange ?? exchange
    if (scripts) asserts = [...asserts, ...scripts.asserts]
    return {
      file,
      template,
      ...(request ? { request } : {}),
      ...(partial ? { exchange: partial } : {}),
      captures: {},
      asserts,
      error,
      ...scripts?.changes({}),
    }
  } finally {
    scope.endRequest()
  }
}
