// The variables one chain of requests sees — one file, in test mode (or one file for one data row)
// — in one object, built once and updated in place. Precedence, strongest first:
//
//   --var  >  a --dataset row's fields  >  captured values  >  file variables (`@x = v`, JSON "vars")
//   >  base (.env, environments)
//
// Each name is set once, at its strongest layer, so a lookup is one property read: nothing per
// request is proportional to the number of variables or of earlier requests. File variables are
// getters, evaluated when used (REST Client's lazy semantics), so `@token =
// {{login.response.body.$.token}}` works once `login` has run; each one is evaluated at most once
// per request, and again after the next request has run (`advance`).
import { dirname } from 'node:path'
import { RenderError } from '../errors.js'
import type { Exchange, FileVar, HttpRequest, RequestFile, SourceSpan } from '../model.js'
import { extractOne, responseText } from '../check/extract.js'
import { evaluateDynamic } from './dynamic.js'
import { type Special, type TemplateRuntime, renderText } from './template.js'

export type NamedExchange = { readonly request: HttpRequest; readonly exchange?: Exchange }

export type ScopeInit = {
  readonly file: RequestFile
  /** The weakest layer: .env files, environments, --mock defaults. */
  readonly base: Readonly<Record<string, unknown>>
  /**
   * Values captured so far, shared with the scopes of later files in `run` (captures flow across
   * files) and written by `capture`. A new map per chain isolates it.
   */
  readonly captured?: Map<string, unknown>
  readonly cli?: Readonly<Record<string, unknown>>
  /** A --dataset row: its fields beat captured values, and --var beats them. */
  readonly row?: { readonly index: number; readonly values: Readonly<Record<string, unknown>> }
  readonly dotenv?: Readonly<Record<string, string>>
  readonly processEnv?: Readonly<Record<string, string | undefined>>
  /** Send a JSON body that no longer parses after rendering (--allow-invalid-json). */
  readonly allowInvalidJson?: boolean
  /**
   * Nothing is sent (--dry-run, `reqchain curl`): a reference to a response that did not happen
   * renders as this stand-in instead of failing.
   */
  readonly standIn?: (source: string) => string
}

export class Scope {
  /** What templates read: every variable in scope, each at its strongest layer. No prototype, so any name is a name. */
  readonly context: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  readonly file: RequestFile
  readonly dotenv: Readonly<Record<string, string>>
  readonly processEnv: Readonly<Record<string, string | undefined>>
  readonly allowInvalidJson: boolean
  /** Requests of this chain by name, for `{{login.response.body.$.token}}`. */
  readonly exchanges = new Map<string, NamedExchange>()
  readonly runtime: TemplateRuntime
  private readonly cli: Readonly<Record<string, unknown>>
  private readonly row: ScopeInit['row']
  private readonly captured: Map<string, unknown>
  /** Names set by scripts' `client.global.set` in this chain (`client.global.isEmpty`, `clearAll`). */
  readonly globals = new Set<string>()
  private readonly base: Readonly<Record<string, unknown>>
  /** What `request.variables.set` replaced, put back when the request is done. */
  private readonly overridden = new Map<string, PropertyDescriptor | undefined>()
  private generation = 0
  private readonly evaluating = new Set<string>()
  private readonly standIn: ((source: string) => string) | undefined

  constructor(init: ScopeInit) {
    this.standIn = init.standIn
    this.file = init.file
    this.dotenv = init.dotenv ?? {}
    this.processEnv = init.processEnv ?? {}
    this.allowInvalidJson = init.allowInvalidJson ?? false
    this.cli = init.cli ?? {}
    this.row = init.row
    this.captured = init.captured ?? new Map()
    this.base = init.base
    this.runtime = {
      baseDir: dirname(init.file.absolutePath),
      fileRoot: init.file.root,
      names: () => Object.keys(this.context),
      special: (special) => this.special(special),
    }
    for (const [name, value] of Object.entries(init.base)) define(this.context, name, value)
    for (const fileVar of init.file.vars) this.defineFileVar(fileVar)
    for (const [name, value] of this.captured) define(this.context, name, value)
    for (const [name, value] of Object.entries(init.row?.values ?? {})) define(this.context, name, value)
    for (const [name, value] of Object.entries(this.cli)) define(this.context, name, value)
  }

  /** A value captured from a response: it beats file variables and the base, never --var. */
  capture(name: string, value: unknown): void {
    this.captured.set(name, value)
    this.overridden.delete(name) // a capture outlives the request that made it
    if (!(name in this.cli) && !(this.row && name in this.row.values)) define(this.context, name, value)
  }

  /**
   * A value no longer captured (`client.global.clear`): the name falls back to its file variable
   * or base value, if it has one.
   */
  release(name: string): void {
    if (!this.captured.delete(name)) return
    this.globals.delete(name)
    if (name in this.cli || (this.row && name in this.row.values)) return
    delete this.context[name]
    const fileVar = this.file.vars.find((v) => v.name === name)
    if (fileVar) this.defineFileVar(fileVar)
    else if (Object.prototype.hasOwnProperty.call(this.base, name)) define(this.context, name, this.base[name])
  }

  /** An environment or .env value, whatever stronger layer sets the same name (`request.environment.get`). */
  baseValue(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.base, name) ? this.base[name] : undefined
  }

  /** `request.variables.set`: a value for the next render only, as strong as a capture. */
  requestVariable(name: string, value: unknown): void {
    if (name in this.cli || (this.row && name in this.row.values)) return
    if (!this.overridden.has(name)) this.overridden.set(name, Object.getOwnPropertyDescriptor(this.context, name))
    define(this.context, name, value)
  }

  /** The request is done: its request variables are gone. */
  endRequest(): void {
    if (this.overridden.size === 0) return
    for (const [name, descriptor] of this.overridden) {
      if (descriptor) Object.defineProperty(this.context, name, descriptor)
      else delete this.context[name]
    }
    this.overridden.clear()
  }

  /** A request has run: file variables are evaluated anew when next used. */
  advance(): void {
    this.generation++
  }

  private defineFileVar(fileVar: FileVar): void {
    if (fileVar.name in this.cli || this.captured.has(fileVar.name) || (this.row && fileVar.name in this.row.values))
      return
    let cached: { generation: number; value: unknown } | undefined
    Object.defineProperty(this.context, fileVar.name, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (cached?.generation !== this.generation)
          cached = { generation: this.generation, value: this.evaluate(fileVar) }
        return cached.value
      },
    })
  }

  private evaluate(fileVar: FileVar): unknown {
    if ('literal' in fileVar) return fileVar.literal
    if (this.evaluating.has(fileVar.name)) {
      throw new RenderError(
        'RENDER_UNDEFINED_VAR',
        `Variable \`${fileVar.name}\` refers to itself`,
        fileVar.value.span,
        `follow: ${[...this.evaluating, fileVar.name].join(' → ')}`,
      )
    }
    this.evaluating.add(fileVar.name)
    try {
      return renderText(fileVar.value, this.context, this.runtime, 'value')
    } finally {
      this.evaluating.delete(fileVar.name)
    }
  }

  private special(special: Special): unknown {
    if (special.source.startsWith('$')) {
      return evaluateDynamic(special.source, special.span, {
        processEnv: this.processEnv,
        dotenv: this.dotenv,
        lookup: (name) => this.context[name],
        ...(this.row ? { row: this.row } : {}),
      })
    }
    if (this.standIn && !this.exchanges.has(special.source.split('.')[0]!)) return this.standIn(special.source)
    return resolveReference(special.source, special.span, this.exchanges)
  }
}

/** Sets a name as an own data property (`__proto__` and `constructor` are names like any other). */
function define(context: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(context, name, { value, enumerable: true, configurable: true, writable: true })
}

/** REST Client request variables: `{{name.response.body.$.path}}`, `{{name.request.headers.X}}`, `body.*`, `$.`-less paths. */
function resolveReference(source: string, span: SourceSpan, exchanges: ReadonlyMap<string, NamedExchange>): unknown {
  const match = source.match(/^([A-Za-z_][\w-]*)\.(response|request)\.(body|headers)(?:\.(.*))?$/s)!
  const [, name, side, part, rest = ''] = match
  const named = exchanges.get(name!)
  if (!named) {
    throw new RenderError(
      'RENDER_REFERENCE',
      `Request \`${name}\` has not run yet`,
      span,
      `name a request above this one with \`# @name ${name}\`, or run this one with \`reqchain run FILE#name\`, which runs what it needs first`,
    )
  }
  if (side === 'response' && !named.exchange)
    throw new RenderError('RENDER_REFERENCE', `Request \`${name}\` has no response`, span)
  if (part === 'headers') {
    if (!rest) throw new RenderError('RENDER_REFERENCE', 'Name the header: `…headers.Content-Type`', span)
    const headers = side === 'response' ? named.exchange!.headers : named.request.headers
    const values = headers.filter(([key]) => key.toLowerCase() === rest.toLowerCase()).map(([, value]) => value)
    if (values.length === 0)
      throw new RenderError('RENDER_REFERENCE', `Request \`${name}\` has no ${side} header \`${rest}\``, span)
    return values.join(', ')
  }
  const text =
    side === 'response'
      ? responseText(named.exchange!)
      : new TextDecoder().decode(named.request.body ?? new Uint8Array())
  if (rest === '' || rest === '*') return text
  if (rest.startsWith('/'))
    throw new RenderError(
      'RENDER_REFERENCE',
      'XPath references are not supported',
      span,
      'reqchain queries JSON bodies with JSONPath ($.a.b)',
    )
  const path = rest.startsWith('$') ? rest : `$.${rest}`
  const exchangeLike =
    side === 'response'
      ? named.exchange!
      : ({ ...named.exchange!, body: named.request.body ?? new Uint8Array(), assembled: undefined } as Exchange)
  try {
    return extractOne({ kind: 'jsonpath', path }, exchangeLike, {}, span)
  } catch (error) {
    throw new RenderError(
      'RENDER_REFERENCE',
      `\`${source}\`: ${(error as Error).message}`,
      span,
      (error as RenderError).hint,
      { cause: error },
    )
  }
}

/**
 * Whether a file refers to a request by `{{name.response…}}` / `{{name.request…}}`: only those
 * exchanges are kept. A templated body file (`<@ ./x.json`) may refer to any, so then all are.
 */
export function referencedNames(file: RequestFile): (name: string) => boolean {
  if (/^\s*<@/m.test(file.source)) return () => true
  const names = new Set<string>()
  for (const match of file.source.matchAll(/\{\{\s*([A-Za-z_][\w-]*)\.(?:response|request)\./g)) names.add(match[1]!)
  return (name) => names.has(name)
}

/** Names used as `{{name.field}}` in a file: the candidates for httpyac's named-response variables. */
export function namedResponseRoots(file: RequestFile): Set<string> {
  const roots = new Set<string>()
  const names = new Set(file.requests.map((r) => r.name).filter((n): n is string => n !== undefined))
  if (names.size === 0) return roots
  for (const match of file.source.matchAll(/\{\{\s*(?:json\s+)?([\w-]+)\.(?!response\.|request\.)/g))
    if (names.has(match[1]!)) roots.add(match[1]!)
  return roots
}
