// What reqchain does, in order: for each file, for each request: (its pre-request scripts) →
// render → send → check → (its response handlers), then what the step leaves — captures, what
// scripts set, named responses — goes to the requests after it (chain.ts keeps that bookkeeping).
// Each stage's details live in its folder; the script stage (script/) loads only for requests
// that have scripts.
//
// A run keeps what its outputs need and no more: every step only when --all asks for them (reports
// take each step as it ends), otherwise counts, the last step, and the exchanges later requests
// refer to by name. The variables of a chain live in one Scope updated in place
// (render/scope.ts), so the cost of a request does not grow with the number of variables or of
// requests before it.
import type { Dispatcher } from 'undici'
import { monotonicMs } from './builtins.js'
import { ReqchainError, RenderError, tooDeep } from './errors.js'
import type {
  AssertResult,
  Certificate,
  Exchange,
  HttpRequest,
  Query,
  RequestFile,
  RequestTemplate,
  Text,
} from './model.js'
import type { VarSources } from './load/env.js'
import { prepareRender, render } from './render/render.js'
import { renderText, stringify } from './render/template.js'
import { type StreamListener, send } from './send/send.js'
import { saveResponse, savesOf } from './send/save-response.js'
import type { BodyLimits } from './send/inflate.js'
import type { RedirectPolicy } from './send/redirect.js'
import type { BodySink } from './send/sink.js'
import type { Route } from './send/transport.js'
import type { Cookies } from './send/cookies.js'
import { type RetryPolicy, sleep } from './send/retry.js'
import { check, prepareQueries } from './check/check.js'
import { checkDocumented, documentedResponseOf } from './check/documented.js'
import { SCHEMA_PREDICATES, loadSchemaValidator } from './check/schema.js'
import type { Secrets } from './secrets.js'
import { Chain, type Link, type Plan } from './chain.js'
import { type RunResult, type StepResult, count, emptyTally, isFailed } from './outcome.js'

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
    readonly certificateOf?: (url: string) => Certificate | undefined
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
  /** Markdown documents: their response blocks are checked (unless `update`, which rewrites them instead). */
  readonly documents?: { readonly ignore: readonly RegExp[]; readonly update: boolean }
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

export async function run(plans: readonly Plan[], options: RunOptions): Promise<RunResult> {
  const start = monotonicMs()
  await prepare(plans)
  const steps: StepResult[] = []
  const tally = emptyTally()
  let last: StepResult | undefined
  let stopped = false
  const chain = new Chain(options)
  const record = (step: StepResult, ended: StepResult[] | undefined) => {
    count(tally, step)
    if (options.keepSteps) steps.push(step)
    ended?.push(step)
  }
  for (const plan of plans) {
    // A file in test mode, every --dataset row and every --repeat is a chain of its own: nothing it captures leaks.
    if ((options.isolateFiles || plan.row || plan.repeat !== undefined || plan.matrix) && plan !== plans[0])
      chain.restart()
    const link = await chain.enter(plan)
    const ended: StepResult[] | undefined = options.onChainEnd ? [] : undefined
    for (const template of plan.requests) {
      if (stopped || options.signal?.aborted || options.stopped?.()) {
        const step = link.skipped(template)
        record(step, ended)
        options.onEvent?.({ kind: 'skipped', step })
        continue
      }
      if (template.options.disabled && isDisabled(template.options.disabled, link)) {
        const step = { ...link.skipped(template), skippedBecause: '@disabled' }
        record(step, ended)
        options.onEvent?.({ kind: 'skipped', step })
        continue
      }
      const loop = template.options.loop
      let items: readonly unknown[] = ONCE
      if (loop) {
        try {
          items = loopItems(loop, link)
        } catch (error) {
          if (!(error instanceof ReqchainError)) throw error
          const step = link.explained({ file: link.file, template, captures: {}, asserts: [], error })
          record(step, ended)
          options.onEvent?.({ kind: 'step', step })
          if (options.bail) stopped = true
          continue
        }
      }
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && (stopped || options.signal?.aborted)) break
        if (loop && 'name' in loop) link.scope.requestVariable(loop.name, items[i])
        const ran = link.explained(await runStep(link, template, options))
        const reviewed = options.review ? options.review(ran) : ran
        const step = loop ? { ...reviewed, iteration: i + 1 } : reviewed
        record(step, ended)
        if (step.exchange) last = step
        link.absorb(step)
        options.onEvent?.({ kind: 'step', step })
        if (isFailed(step) && options.bail) stopped = true
      }
    }
    if (ended) options.onChainEnd!(plan, ended)
  }
  return {
    steps,
    tally,
    ...(last ? { last } : {}),
    interrupted: options.signal?.aborted ?? false,
    durationMs: monotonicMs() - start,
  }
}

/** Loads what these requests need and nothing more: start-up time is felt on every command. */
async function prepare(plans: readonly Plan[]): Promise<void> {
  const requests = plans.flatMap((p) => p.requests)
  await Promise.all([
    prepareRender(plans.map((p) => p.file)),
    prepareQueries(requests.flatMap((r) => [...r.captures, ...r.asserts])),
    requests.some((r) => r.asserts.some((a) => SCHEMA_PREDICATES.has(a.predicate))) ? loadSchemaValidator() : undefined,
    requests.some((r) => r.extras.some((e) => e.script))
      ? import('./script/script.js').then((m) => m.loadScripts(requests))
      : undefined,
  ])
}

const NO_SAVES: ReturnType<typeof savesOf> = []

/** A request that does not loop is sent once. */
const ONCE: readonly unknown[] = [undefined]

/** The times a looping request is sent: N times, or once per item of the list its template renders. */
function loopItems(loop: NonNullable<RequestTemplate['options']['loop']>, link: Link): readonly unknown[] {
  if ('count' in loop) return Array.from({ length: loop.count })
  let list = renderText(loop.list, link.scope.context, link.scope.runtime, 'json')
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list) as unknown
    } catch {
      /* said below */
    }
  }
  if (!Array.isArray(list))
    throw new RenderError(
      'RENDER_BAD_VALUE',
      `\`@loop for ${loop.name} of ${loop.list.raw}\` needs a list, got ${((JSON.stringify(list) as string | undefined) ?? String(list)).slice(0, 80)}`,
      loop.list.span,
      'the variable must hold a JSON array (a capture of one, or --var cities=\'["Paris","Rome"]\')',
    )
  return list
}

/** A route's TLS settings without the certificate check: one object per setting, so they share a pool. */
const insecureVariants = new WeakMap<object, NonNullable<Route['tls']>>()
const INSECURE: NonNullable<Route['tls']> = { insecure: true }

function insecureOf(tls: Route['tls']): NonNullable<Route['tls']> {
  if (!tls) return INSECURE
  let variant = insecureVariants.get(tls)
  if (!variant) insecureVariants.set(tls, (variant = { ...tls, insecure: true }))
  return variant
}

/** `# @disabled`, or `# @disabled {{expr}}` rendering to anything but false, 0, null or nothing. */
function isDisabled(disabled: true | Text, link: Link): boolean {
  if (disabled === true) return true
  const value = stringify(renderText(disabled, link.scope.context, link.scope.runtime, 'text')).trim()
  return !['', 'false', '0', 'null', 'undefined'].includes(value.toLowerCase())
}

const certificateReaders = new WeakMap<RequestTemplate, boolean>()

/** Whether a request's checks read the server's certificate (`certificate "…"`): decided once a request. */
function readsCertificate(template: RequestTemplate): boolean {
  let reads = certificateReaders.get(template)
  if (reads === undefined) {
    const uses = (query: Query): boolean =>
      query.kind === 'certificate' || (query.kind === 'filtered' && uses(query.query))
    reads = [...template.captures, ...template.asserts].some((check) => uses(check.query))
    certificateReaders.set(template, reads)
  }
  return reads
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
async function runStep(link: Link, template: RequestTemplate, options: RunOptions): Promise<StepResult> {
  if (template.options.sleepMs) await sleep(template.options.sleepMs, options.signal)
  const poll = template.options.poll
  for (let attempt = 1; ; attempt++) {
    const step = await attemptStep(link, template, options)
    if (!poll || !isFailed(step) || attempt > poll.count || options.signal?.aborted)
      return attempt > 1 ? { ...step, attempts: attempt } : step
    const reason = step.error ? step.error.message.split(':')[0]! : 'an assertion failed'
    options.onEvent?.({ kind: 'retry', template, attempt, count: poll.count, waitMs: poll.intervalMs, reason })
    await sleep(poll.intervalMs, options.signal)
    link.scope.advance()
  }
}

async function attemptStep(link: Link, template: RequestTemplate, options: RunOptions): Promise<StepResult> {
  const { file, scope, renderExpected, tls } = link
  const cookies = link.cookiesFor(template)
  const policies = redirectPolicies(options)
  let request: HttpRequest | undefined
  let exchange: Exchange | undefined
  let asserts: AssertResult[] = []
  const started = monotonicMs()
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
      ...(template.options.insecure ? { tls: insecureOf(tls) } : tls ? { tls } : {}),
    }
    const via = options.transport.proxyOf?.(route)
    options.onEvent?.({ kind: 'sending', file, template, request, ...(via ? { via } : {}) })
    const listener = options.listenerFor?.(template)
    // A body to save (`>> path`) is kept, not streamed to -o or a piped stdout.
    const saves = template.extras.length > 0 ? savesOf(template) : NO_SAVES
    const sink = saves.length > 0 ? undefined : options.sinkFor?.(template)
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
      ...(options.transport.certificateOf && readsCertificate(template)
        ? { certificateOf: options.transport.certificateOf.bind(options.transport) }
        : {}),
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
    const documented = file.markdown && !options.documents?.update ? documentedResponseOf(file, template) : undefined
    if (documented && !documented.example)
      asserts = [...asserts, ...checkDocumented(file, documented, exchange, options.documents?.ignore ?? [])]
    // `>> path` / `>>! path`: the body saved to a file (JetBrains).
    for (const save of saves)
      saveResponse(file, template, exchange, save, (raw) =>
        stringify(renderText({ raw, span: save.extra.span }, scope.context, scope.runtime, 'text')),
      )
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
      ...(partial ? { exchange: partial } : { elapsedMs: monotonicMs() - started }),
      captures: {},
      asserts,
      error,
      ...scripts?.changes({}),
    }
  } finally {
    scope.endRequest()
  }
}
