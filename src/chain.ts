// A chain's bookkeeping: what one request leaves for the requests after it. A chain is a file's
// requests in `test` mode, a --dataset row, or the whole run otherwise; its requests share one
// Scope (render/scope.ts), updated in place as each one ends:
//   - captures and what scripts set (`client.global.set`) become variables, what scripts clear
//     (`client.global.clear`) is released, and a capture a failed request never made is remembered,
//     so a later "undefined variable" can say which request to fix;
//   - httpyac's named responses (`{{login.token}}`) and JetBrains' (`{{login.response.body.…}}`);
//   - the cookie jar, and the environments and .env files of each folder (read once a run);
//   - the --dataset row's fields.
// run.ts drives the chain; a Link is one file of it, for one row.
import { dirname } from 'node:path'
import { ReqchainError, RenderError, UndefinedVariableError } from './errors.js'
import type { AssertionSpec, Exchange, RequestFile, RequestTemplate } from './model.js'
import { type EnvironmentTls, type VarSources, loadBaseVars } from './load/env.js'
import type { Row } from './load/dataset.js'
import { Scope } from './render/render.js'
import { namedResponseRoots, referencedNames } from './render/scope.js'
import { renderText, stringify } from './render/template.js'
import type { Cookies } from './send/cookies.js'
import { responseJson } from './check/extract.js'
import { scriptVariables } from './select.js'
import type { Secrets } from './secrets.js'
import type { StepResult } from './outcome.js'

/** A chain of requests: a file's (selected) requests, for one --dataset row when there is one. */
export type Plan = {
  readonly file: RequestFile
  readonly requests: readonly RequestTemplate[]
  readonly row?: Row
  /** Which run of the chain this is, 1-based, with --repeat N. */
  readonly repeat?: number
  /** The --matrix combination this chain runs with: variables as strong as --var. */
  readonly matrix?: Readonly<Record<string, string>>
  /** With several --env, the environment this chain runs in (the matrix's `env`). */
  readonly environment?: string
}

export type ChainOptions = {
  readonly varSources: VarSources
  readonly cliVars: Readonly<Record<string, string>>
  readonly processEnv: Readonly<Record<string, string | undefined>>
  readonly secrets: Secrets
  readonly allowInvalidJson?: boolean
  /** A fresh cookie jar for a chain; none with --no-cookies. */
  readonly cookieJar?: () => Cookies
}

type Base = Awaited<ReturnType<typeof loadBaseVars>>

export class Chain {
  private captured = new Map<string, unknown>()
  /** Variable name → how a failed request was to set it (`captured by …`). */
  private missed = new Map<string, string>()
  private cookies: Cookies | undefined
  private readonly bases: Map<string, Promise<Base>>

  constructor(private readonly options: ChainOptions) {
    this.cookies = options.cookieJar?.()
    // The chains of one run share their variable sources: read once a run, not once per row.
    let bases = basesByRun.get(options.varSources)
    if (!bases) basesByRun.set(options.varSources, (bases = new Map()))
    this.bases = bases
  }

  /** A new chain: nothing captured before it is seen, and a cookie jar of its own. */
  restart(): void {
    this.captured = new Map()
    this.missed = new Map()
    this.cookies = this.options.cookieJar?.()
  }

  /** The plan's file joins the chain: its scope reads the chain's captures and its folder's variables. */
  async enter(plan: Plan): Promise<Link> {
    const base = await this.baseOf(dirname(plan.file.absolutePath), plan.environment)
    return new Link(plan, base, this.captured, this.missed, this.cookies, this.options)
  }

  private baseOf(dir: string, environment: string | undefined): Promise<Base> {
    const key = environment === undefined ? dir : `${dir}\0${environment}`
    let base = this.bases.get(key)
    if (!base) {
      const { secrets } = this.options
      const varSources =
        environment === undefined ? this.options.varSources : { ...this.options.varSources, env: environment }
      base = loadBaseVars(dir, varSources).then((loaded) => {
        for (const secret of loaded.secrets) secrets.add(secret)
        for (const [name, value] of Object.entries(loaded.values)) secrets.noteVariable(name, value)
        return loaded
      })
      this.bases.set(key, base)
    }
    return base
  }
}

/** One file of a chain, for one row: the scope its requests render in, and what each step leaves there. */
export class Link {
  readonly scope: Scope
  readonly file: RequestFile
  readonly tls: EnvironmentTls | undefined
  readonly renderExpected: (raw: string, assertion: AssertionSpec) => string
  private readonly uses: { referenced: (name: string) => boolean; namedBodies: ReadonlySet<string> }
  /** Named responses this file set itself (a variable of the same name from elsewhere wins otherwise). */
  private readonly ownNamed = new Set<string>()

  constructor(
    private readonly plan: Plan,
    private readonly base: Base,
    private readonly captured: Map<string, unknown>,
    private readonly missed: Map<string, string>,
    private readonly cookies: Cookies | undefined,
    private readonly options: ChainOptions,
  ) {
    this.file = plan.file
    this.tls = base.tls
    this.scope = new Scope({
      file: plan.file,
      base: base.values,
      captured,
      cli: plan.matrix ? { ...options.cliVars, ...plan.matrix } : options.cliVars,
      ...(plan.row ? { row: plan.row } : {}),
      dotenv: base.dotenv,
      processEnv: options.processEnv,
      allowInvalidJson: options.allowInvalidJson ?? false,
    })
    this.uses = usesOf(plan.file) // once per file, not per --dataset row
    this.renderExpected = expectedRenderer(this.scope)
  }

  /** The jar a request sends and stores cookies with: none for `# @no-cookie-jar`. */
  cookiesFor(template: RequestTemplate): Cookies | undefined {
    return template.options.noCookieJar ? undefined : this.cookies
  }

  /** A request not run: the run stopped before it. */
  skipped(template: RequestTemplate): StepResult {
    return { file: this.file, template, captures: {}, asserts: [], skipped: true, ...this.rowFields() }
  }

  /** A step as reports show it: its error explained from the chain's history, its row named. */
  explained(step: StepResult): StepResult {
    const explained = explain(step, this.missed, (name) =>
      originOf(name, this.plan, this.base.origins, this.options.cliVars, this.captured, this.scope.context[name]),
    )
    return this.plan.row || this.plan.repeat !== undefined || this.plan.matrix
      ? { ...explained, ...this.rowFields() }
      : explained
  }

  /** What a finished step leaves for the requests after it. */
  absorb(step: StepResult): void {
    const { scope, missed } = this
    const { secrets } = this.options
    // Secret response headers (Set-Cookie) and values captured into secret names are masked
    // from their very first appearance.
    if (step.exchange) secrets.noteResponseHeaders(step.exchange.headers)
    for (const [name, value] of Object.entries(step.captures)) {
      secrets.noteVariable(name, value)
      if (step.released?.includes(name)) continue
      scope.capture(name, value)
      missed.delete(name)
    }
    for (const name of step.released ?? []) scope.release(name)
    if (step.error) noteMissed(step, missed)
    scope.advance()
    const name = step.template.name
    if (!name) return
    // httpyac's named responses: after `# @name login`, `{{login.token}}` reads the response body.
    if (step.exchange && this.uses.namedBodies.has(name) && (this.ownNamed.has(name) || !(name in scope.context))) {
      const body = namedBody(step.exchange)
      if (body !== undefined) {
        this.ownNamed.add(name)
        scope.capture(name, body)
      }
    }
    if (step.request && this.uses.referenced(name))
      scope.exchanges.set(name, { request: step.request, ...(step.exchange ? { exchange: step.exchange } : {}) })
  }

  private rowFields(): Pick<StepResult, 'row' | 'rowValues' | 'repeat' | 'matrix'> {
    const { row, repeat, matrix, environment } = this.plan
    return {
      ...(row ? { row: row.index + 1, rowValues: row.values } : {}),
      ...(repeat !== undefined ? { repeat } : {}),
      ...(matrix ? { matrix: environment === undefined ? matrix : { env: environment, ...matrix } } : {}),
    }
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
