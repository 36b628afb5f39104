// Handlebars, made exact for request files. Every `{{…}}` is rewritten (on the parsed AST) into a
// call of one output helper, which records the value and leaves a placeholder. That gives three
// things Handlebars lacks:
//   1. the file:line:col of an undefined variable (the mustache's own location, mapped back through
//      the Text's line map into the user's file);
//   2. JSON-safe insertion: after rendering, a placeholder inside a JSON string is replaced by the
//      value escaped for that string, one outside a string by the value as JSON text;
//   3. typed values: a template that is exactly one mustache can yield the value itself.
// `{{$dynamic …}}` variables and REST Client request references (`{{ask.response.body.$.x}}`) are
// not Handlebars syntax; they are cut out before parsing and evaluated by `special`.
import type Handlebars from 'handlebars'
import { RenderError, UndefinedVariableError, nearest } from '../errors.js'
import type { SourceSpan, Text } from '../model.js'

export type Special = { readonly source: string; readonly span: SourceSpan }
export type TemplateRuntime = {
  /** Evaluates a `{{$…}}` or request-reference mustache. */
  readonly special: (special: Special) => unknown
  /** Variable names in scope, for "did you mean". */
  readonly names: () => Iterable<string>
  /** Where relative paths in helpers ({{file "./x"}}) start: the request file's folder. */
  readonly baseDir?: string
  /** The folder helpers may read files in (a real path): the request file's root. */
  readonly fileRoot?: string
}

export type RenderMode = 'text' | 'json' | 'value'

const OPEN = '\uE000'
const CLOSE = '\uE001'
/**
 * `{"list": {{json list}}}` ends in `}}}`, which Handlebars reads as a triple-stash close. The brace
 * after a double-brace mustache is swapped for this character (same length, so positions hold) and
 * restored after rendering.
 */
const BRACE = '\uE002'
const TRAILING_BRACE = /(?<!\{)(\{\{(?!\{)[^{}]*\}\})\}/g
const PLACEHOLDER = /\uE000(\d+)\uE001/g
/** `{{$uuid}}`, `{{$random.integer(1, 9)}}`, `{{ask.response.body.$.a[0]}}`, `{{ask.request.headers.X}}`. */
const SPECIAL = /\{\{\s*(\$[^{}]*?|[A-Za-z_][\w-]*\.(?:response|request)\.(?:body|headers)(?:\.[^{}]*?)?)\s*\}\}/g

type Compiled =
  | { readonly kind: 'static'; readonly value: string }
  | Plain
  | {
      readonly kind: 'template'
      readonly run: (context: object, data: object) => string
      readonly mustaches: readonly MustacheInfo[]
      readonly specials: readonly Special[]
      readonly spanOfLoc: (loc: hbs.AST.SourceLocation) => SourceSpan
    }

type MustacheInfo = { readonly name: string; readonly span: SourceSpan; readonly isHelper: boolean }

type RenderState = {
  values: unknown[]
  runtime: TemplateRuntime
  mustaches: readonly MustacheInfo[]
  specials: readonly Special[]
  spanOfLoc: (loc: hbs.AST.SourceLocation) => SourceSpan
}

const cache = new WeakMap<Text, Compiled>()
type Engine = typeof Handlebars
let hb: Engine | undefined
/** A Handlebars helper: its arguments are whatever the template passes, so each helper types its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type HelperFunction = (...args: any[]) => unknown
const helpers = new Map<string, HelperFunction>()

/**
 * Loads Handlebars (about 20 ms) the first time a run needs it: files without `{{` never pay for
 * it. Rendering stays synchronous because file variables are evaluated in property getters.
 */
export async function loadTemplateEngine(): Promise<void> {
  if (hb) return
  const { default: Handlebars } = await import('handlebars')
  hb = Handlebars.create()
  hb.registerHelper('__out', outHelper)
  hb.registerHelper('__var', varHelper)
  hb.registerHelper('__special', specialHelper)
  for (const [name, fn] of helpers) hb.registerHelper(name, located(fn))
}

function engine(): Engine {
  if (!hb) throw new Error('loadTemplateEngine() must run before a template is rendered')
  return hb
}

/** Registers a helper whose located-less RenderErrors get the span of the mustache that called it. */
export function registerHelper(name: string, fn: HelperFunction): void {
  helpers.set(name, fn)
  hb?.registerHelper(name, located(fn))
}

function located(fn: HelperFunction) {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args)
    } catch (error) {
      const options = args[args.length - 1] as Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation }
      const state = (options.data as { rc?: RenderState } | undefined)?.rc
      if (error instanceof RenderError && !error.span && state && options.loc) {
        throw new RenderError(error.code, error.message, state.spanOfLoc(options.loc), error.hint, {
          cause: error.cause,
        })
      }
      throw error
    }
  }
}

function outHelper(this: unknown, value: unknown, index: number, options: Handlebars.HelperOptions): string {
  const state = (options.data as { rc: RenderState }).rc
  if (value === undefined) value = dottedVariable(state.mustaches[index]!, options)
  if (value === undefined) {
    const info = state.mustaches[index]!
    if (info.isHelper) {
      throw new RenderError(
        'RENDER_HELPER',
        `\`${info.name}\` gave no value`,
        info.span,
        "check the helper's arguments",
      )
    }
    throw undefinedVariable(info, state.runtime)
  }
  state.values.push(value)
  return `${OPEN}${state.values.length - 1}${CLOSE}`
}

/** A variable passed to a helper or a block (`{{urlencode q}}`, `{{#each messages}}`): undefined is an error there too. */
function varHelper(this: unknown, value: unknown, index: number, options: Handlebars.HelperOptions): unknown {
  if (value !== undefined) return value
  const state = (options.data as { rc: RenderState }).rc
  const dotted = dottedVariable(state.mustaches[index]!, options)
  if (dotted !== undefined) return dotted
  throw undefinedVariable(state.mustaches[index]!, state.runtime)
}

/** Handlebars read `a.b` as a path and found nothing: a variable named `a.b` is what was meant (see lookupVariable). */
function dottedVariable(info: MustacheInfo, options: Handlebars.HelperOptions): unknown {
  const root = (options.data as { root?: object } | undefined)?.root
  if (info.isHelper || !info.name.includes('.') || !root || !Object.prototype.hasOwnProperty.call(root, info.name))
    return undefined
  return (root as Record<string, unknown>)[info.name]
}

function undefinedVariable(info: MustacheInfo, runtime: TemplateRuntime): RenderError {
  const root = info.name.split(/[.[/]/)[0]!
  const suggestion = nearest(root, runtime.names())
  return new UndefinedVariableError(
    root,
    `Undefined variable \`${info.name}\``,
    info.span,
    `\`${info.name}\` is not set.${suggestion ? ` Did you mean \`${suggestion}\`?` : ' Set it in .env, an environment, @var = value, or with --var.'}`,
  )
}

function specialHelper(index: number, options: Handlebars.HelperOptions): unknown {
  const state = (options.data as { rc: RenderState }).rc
  return state.runtime.special(state.specials[index]!)
}

/** True when the text needs no rendering at all: the common case for headers and many URLs. */
export function isStatic(text: Text): boolean {
  return !text.raw.includes('{{')
}

/** `viaHandlebars` skips the fast path: tests hold the two to the same output. */
export function renderText(
  text: Text,
  context: object,
  runtime: TemplateRuntime,
  mode: RenderMode,
  viaHandlebars = false,
): unknown {
  const compiled = viaHandlebars ? compileTemplate(text) : compile(text)
  if (compiled.kind === 'static') return compiled.value
  if (compiled.kind === 'plain') return renderPlain(compiled, context, runtime, mode)
  const state: RenderState = {
    values: [],
    runtime,
    mustaches: compiled.mustaches,
    specials: compiled.specials,
    spanOfLoc: compiled.spanOfLoc,
  }
  let output: string
  try {
    output = compiled.run(context, { rc: state })
  } catch (error) {
    if (error instanceof RenderError) throw error
    throw new RenderError(
      'RENDER_SYNTAX',
      `Template error: ${(error as Error).message.split('\n')[0]}`,
      text.span,
      undefined,
      { cause: error },
    )
  }
  if (mode === 'value') {
    const single = output.match(/^\uE000(\d+)\uE001$/)
    if (single) return state.values[Number(single[1])]
    return fillText(output, state.values)
  }
  return mode === 'json' ? fillJson(output, state.values) : fillText(output, state.values)
}

export function stringify(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'null'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function fillText(output: string, values: unknown[]): string {
  return output.replace(PLACEHOLDER, (_, i: string) => stringify(values[Number(i)]))
}

/** Inside a JSON string a value is escaped for it; outside, strings go in as written and the rest as JSON. */
function fillJson(output: string, values: unknown[]): string {
  let result = ''
  let inString = false
  let last = 0
  for (let i = 0; i < output.length; i++) {
    const c = output[i]
    if (c === '\\' && inString) {
      i++
      continue
    }
    if (c === '"') {
      inString = !inString
      continue
    }
    if (c === OPEN) {
      const end = output.indexOf(CLOSE, i)
      const value = values[Number(output.slice(i + 1, end))]
      result += output.slice(last, i) + (inString ? JSON.stringify(stringify(value)).slice(1, -1) : stringify(value))
      i = end
      last = end + 1
    }
  }
  return result + output.slice(last)
}

function compile(text: Text): Compiled {
  const cached = cache.get(text)
  if (cached) return cached
  const compiled = isStatic(text)
    ? { kind: 'static' as const, value: text.raw }
    : (compilePlain(text) ?? compileTemplate(text))
  cache.set(text, compiled)
  return compiled
}

/** Whether rendering this text needs Handlebars: anything but `{{name}}`, `{{a.b}}`, `{{$dynamic}}` and request references. */
export function needsEngine(text: Text): boolean {
  return !isStatic(text) && plainParts(text.raw) === undefined
}

/**
 * The fast path: a text whose mustaches are all plain variables (`{{name}}`, `{{a.b}}`), dynamic
 * variables or request references needs no Handlebars at all — it is literal pieces and lookups,
 * with each lookup's place inside or outside a JSON string known from the literals alone. Same
 * output, same errors; no compile, and Handlebars is not even loaded for files made only of these.
 */
type Plain = {
  readonly kind: 'plain'
  /** One more than `refs`: literal, ref, literal, …, literal. */
  readonly literals: readonly string[]
  readonly refs: readonly PlainRef[]
  /** Per ref: whether it stands inside a JSON string, were the text JSON. */
  readonly inString: readonly boolean[]
}
type PlainRef =
  | { readonly kind: 'var'; readonly path: readonly string[]; readonly info: MustacheInfo }
  | { readonly kind: 'special'; readonly special: Special; readonly info: MustacheInfo }

const SPECIAL_AT = new RegExp(SPECIAL.source, 'y')
const PLAIN_VAR = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/y
/** Names Handlebars gives another meaning: keywords, literals and helpers. */
const NOT_VARIABLES = new Set([
  'this',
  'else',
  'true',
  'false',
  'null',
  'undefined',
  'if',
  'unless',
  'each',
  'with',
  'lookup',
  'log',
  'helperMissing',
  'blockHelperMissing',
])

function plainParts(raw: string):
  | {
      literals: string[]
      refs: (
        | { kind: 'var'; name: string; start: number; length: number }
        | { kind: 'special'; source: string; start: number; length: number }
      )[]
    }
  | undefined {
  if (raw.includes('\\{{')) return undefined
  const literals: string[] = []
  const refs: (
    | { kind: 'var'; name: string; start: number; length: number }
    | { kind: 'special'; source: string; start: number; length: number }
  )[] = []
  let last = 0
  for (let at = raw.indexOf('{{'); at >= 0; at = raw.indexOf('{{', last)) {
    SPECIAL_AT.lastIndex = at
    const special = SPECIAL_AT.exec(raw)
    if (special) {
      refs.push({ kind: 'special', source: special[1]!.trim(), start: at, length: special[0].length })
    } else {
      PLAIN_VAR.lastIndex = at
      const plain = PLAIN_VAR.exec(raw)
      if (!plain || NOT_VARIABLES.has(plain[1]!.split('.')[0]!) || helpers.has(plain[1]!.split('.')[0]!))
        return undefined
      refs.push({ kind: 'var', name: plain[1]!, start: at, length: plain[0].length })
    }
    literals.push(raw.slice(last, at))
    last = at + refs[refs.length - 1]!.length
  }
  literals.push(raw.slice(last))
  return { literals, refs }
}

function compilePlain(text: Text): Plain | undefined {
  const parts = plainParts(text.raw)
  if (!parts) return undefined
  const inString: boolean[] = []
  let quoted = false
  for (let i = 0; i < parts.literals.length; i++) {
    const literal = parts.literals[i]!
    for (let j = 0; j < literal.length; j++) {
      const c = literal[j]
      if (c === '\\' && quoted) j++
      else if (c === '"') quoted = !quoted
    }
    if (i < parts.refs.length) inString.push(quoted)
  }
  const refs = parts.refs.map((ref): PlainRef => {
    const span = spanAt(text, ref.start, ref.length)
    if (ref.kind === 'special')
      return {
        kind: 'special',
        special: { source: ref.source, span },
        info: { name: '$special', span, isHelper: false },
      }
    return { kind: 'var', path: ref.name.split('.'), info: { name: ref.name, span, isHelper: false } }
  })
  return { kind: 'plain', literals: parts.literals, refs, inString }
}

/**
 * A variable whose name has a dot in it (`@Flaminco.POC_HostAddress`, Visual Studio's template for
 * a project name with a dot) is that variable; any other dotted name is a path into a value.
 */
function lookupVariable(context: object, path: readonly string[]): unknown {
  if (path.length > 1) {
    const name = path.join('.')
    if (Object.prototype.hasOwnProperty.call(context, name)) return (context as Record<string, unknown>)[name]
  }
  return lookupPath(context, path)
}

/** Handlebars' own lookup: an own property of each step, and nothing from a prototype. */
function lookupPath(context: object, path: readonly string[]): unknown {
  let value: unknown = context
  for (const key of path) {
    if (value === null || value === undefined) return value
    const next = (value as Record<string, unknown>)[key]
    if (next !== null && next !== undefined && !Object.prototype.hasOwnProperty.call(value, key)) return undefined
    value = next
  }
  return value
}

function renderPlain(plain: Plain, context: object, runtime: TemplateRuntime, mode: RenderMode): unknown {
  const values: unknown[] = new Array(plain.refs.length)
  for (let i = 0; i < plain.refs.length; i++) {
    const ref = plain.refs[i]!
    const value = ref.kind === 'special' ? runtime.special(ref.special) : lookupVariable(context, ref.path)
    if (value === undefined) throw undefinedVariable(ref.info, runtime)
    values[i] = value
  }
  if (mode === 'value' && values.length === 1 && plain.literals[0] === '' && plain.literals[1] === '') return values[0]
  let out = plain.literals[0]!
  for (let i = 0; i < values.length; i++) {
    const text = stringify(values[i])
    out += (mode === 'json' && plain.inString[i] ? JSON.stringify(text).slice(1, -1) : text) + plain.literals[i + 1]!
  }
  return out
}

type Edit = { modStart: number; modEnd: number; origStart: number; origEnd: number }

/**
 * Where the mustaches Handlebars will evaluate start, as its lexer finds them: `\{{` (one backslash)
 * makes the text up to the next `{{` literal, braces and all; `\\{{` is a backslash and a mustache.
 */
function liveMustaches(raw: string): number[] {
  const starts: number[] = []
  for (let at = raw.indexOf('{{'); at >= 0;) {
    const escaped = raw[at - 1] === '\\' && raw[at - 2] !== '\\'
    if (!escaped) starts.push(at)
    at = raw.indexOf('{{', at + 2)
  }
  return starts
}

function compileTemplate(text: Text): Compiled {
  checkBlockDepth(text)
  const specials: Special[] = []
  const edits: Edit[] = []
  let modified = ''
  let last = 0
  for (const start of liveMustaches(text.raw)) {
    SPECIAL_AT.lastIndex = start
    const match = SPECIAL_AT.exec(text.raw)
    if (!match) continue
    const replacement = `{{__special ${specials.length}}}`
    specials.push({ source: match[1]!.trim(), span: spanAt(text, start, match[0].length) })
    modified += text.raw.slice(last, start)
    edits.push({
      modStart: modified.length,
      modEnd: modified.length + replacement.length,
      origStart: start,
      origEnd: start + match[0].length,
    })
    modified += replacement
    last = start + match[0].length
  }
  modified += text.raw.slice(last)
  modified = modified.replace(TRAILING_BRACE, `$1${BRACE}`)
  const toOriginal = (offset: number): number => {
    let result = offset
    for (const edit of edits) {
      if (offset < edit.modStart) break
      result = offset < edit.modEnd ? edit.origStart : edit.origEnd + (offset - edit.modEnd)
    }
    return result
  }
  const lineStarts = [0]
  for (let i = 0; i < modified.length; i++) if (modified[i] === '\n') lineStarts.push(i + 1)
  const spanOfLoc = (loc: hbs.AST.SourceLocation): SourceSpan => {
    const startOffset = lineStarts[loc.start.line - 1]! + loc.start.column
    const endOffset = lineStarts[loc.end.line - 1]! + loc.end.column
    const origStart = toOriginal(startOffset)
    return spanAt(text, origStart, Math.max(1, toOriginal(endOffset) - origStart))
  }

  const shape = shapeOf(modified, text, toOriginal)
  const mustaches = shape.mustaches.map(({ name, loc, isHelper }) => ({ name, isHelper, span: spanOfLoc(loc) }))
  return { kind: 'template', run: shape.run, mustaches, specials, spanOfLoc }
}

/** What a template source compiles to, before its mustaches are placed in a file. */
type Shape = {
  readonly run: (context: object, data: object) => string
  readonly mustaches: readonly {
    readonly name: string
    readonly loc: hbs.AST.SourceLocation
    readonly isHelper: boolean
  }[]
}

/**
 * Compiled Handlebars functions, by template source. Files repeat the same template in many
 * requests (`{{baseUrl}}/items/{{id}}`, a chain of 1,000 `?n={{n}}`); compiling one costs a
 * parse and a JavaScript code generation, about 0.3 ms, so each source is compiled once a run.
 */
const shapes = new Map<string, Shape>()

function shapeOf(modified: string, text: Text, toOriginal: (offset: number) => number): Shape {
  const known = shapes.get(modified)
  if (known) return known
  let ast: hbs.AST.Program
  try {
    ast = engine().parse(modified)
  } catch (error) {
    throw locateParseError(text, modified, toOriginal, error as Error)
  }
  const mustaches: Shape['mustaches'][number][] = []
  rewrite(ast, mustaches)
  let run: Shape['run']
  try {
    const template = engine().compile(ast, { noEscape: true })
    run = (context, data) => template(context, { data }).replaceAll(BRACE, '}')
  } catch (error) {
    throw new RenderError(
      'RENDER_SYNTAX',
      `Template error: ${(error as Error).message.split('\n')[0]}`,
      text.span,
      undefined,
      { cause: error },
    )
  }
  const shape = { run, mustaches }
  shapes.set(modified, shape)
  return shape
}

/** Rewrites `{{x}}` into `{{__out x N}}` and `{{helper a b}}` into `{{__out (helper a b) N}}`, at every depth. */
function rewrite(node: hbs.AST.Node, mustaches: Shape['mustaches'][number][]): void {
  if (node.type === 'Program') {
    for (const statement of (node as hbs.AST.Program).body) rewrite(statement, mustaches)
    return
  }
  if (node.type === 'BlockStatement') {
    const block = node as hbs.AST.BlockStatement
    // `{{#if x}}` and `{{#unless x}}` ask whether x is set; every other block needs its value.
    if (!TESTS_PRESENCE.has(block.path.original as string))
      block.params = block.params.map((param) => guarded(param, mustaches))
    // Handlebars' types promise both; a block without an {{else}} has no inverse.
    const { program, inverse } = block as { program?: hbs.AST.Program; inverse?: hbs.AST.Program }
    if (program) rewrite(program, mustaches)
    if (inverse) rewrite(inverse, mustaches)
    return
  }
  if (node.type !== 'MustacheStatement') return
  const mustache = node as hbs.AST.MustacheStatement & { path: hbs.AST.PathExpression }
  const path = mustache.path
  const isCall = mustache.params.length > 0 || ((mustache.hash as hbs.AST.Hash | undefined)?.pairs.length ?? 0) > 0 // no hash: undefined, whatever the types say
  const isSpecial = path.original === '__special'
  const name = isSpecial ? '$special' : path.original
  mustaches.push({ name, loc: mustache.loc, isHelper: isCall && !isSpecial })
  const loc = mustache.loc
  const inner: hbs.AST.Expression = isCall
    ? ({
        type: 'SubExpression',
        path,
        params: guardedParams(path.original, mustache.params, mustaches),
        hash: mustache.hash,
        loc,
      } as unknown as hbs.AST.SubExpression)
    : path
  mustache.path = {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: ['__out'],
    original: '__out',
    loc,
  } as unknown as hbs.AST.PathExpression
  mustache.params = [
    inner,
    {
      type: 'NumberLiteral',
      value: mustaches.length - 1,
      original: mustaches.length - 1,
      loc,
    } as hbs.AST.NumberLiteral,
  ]
  mustache.hash = undefined as unknown as hbs.AST.Hash
}

/** Blocks whose argument may be unset: they test for it. */
const TESTS_PRESENCE = new Set(['if', 'unless'])

/** A helper's arguments, each variable among them checked for being set (`default`'s first is the exception: it supplies one). */
function guardedParams(
  helper: string,
  params: hbs.AST.Expression[],
  mustaches: Shape['mustaches'][number][],
): hbs.AST.Expression[] {
  return params.map((param, i) => (helper === 'default' && i === 0 ? param : guarded(param, mustaches)))
}

/** `x` → `(__var x N)`; inside a sub-expression `(helper x)`, its own arguments likewise. */
function guarded(param: hbs.AST.Expression, mustaches: Shape['mustaches'][number][]): hbs.AST.Expression {
  if (param.type === 'SubExpression') {
    const sub = param as hbs.AST.SubExpression & { path: hbs.AST.PathExpression }
    sub.params = guardedParams(sub.path.original, sub.params, mustaches)
    return sub
  }
  if (param.type !== 'PathExpression') return param
  const path = param as hbs.AST.PathExpression
  if (path.data || path.original === 'this' || path.original === '.') return param
  mustaches.push({ name: path.original, loc: path.loc, isHelper: false })
  const loc = path.loc
  return {
    type: 'SubExpression',
    path: { type: 'PathExpression', data: false, depth: 0, parts: ['__var'], original: '__var', loc },
    params: [path, { type: 'NumberLiteral', value: mustaches.length - 1, original: mustaches.length - 1, loc }],
    loc,
  } as unknown as hbs.AST.SubExpression
}

/** Blocks nest at most this deep: Handlebars compiles deeper nesting in time that grows past any use. */
export const MAX_BLOCK_DEPTH = 64

function checkBlockDepth(text: Text): void {
  let depth = 0
  for (const match of text.raw.matchAll(/\{\{~?\s*([#^/])/g)) {
    depth += match[1] === '/' ? -1 : 1
    if (depth > MAX_BLOCK_DEPTH) {
      throw new RenderError(
        'RENDER_TOO_DEEP',
        `Blocks nest deeper than ${MAX_BLOCK_DEPTH} levels`,
        spanAt(text, match.index!, 3),
        'flatten the template: {{#each}} and {{#if}} blocks may nest 64 levels deep',
      )
    }
  }
}

/** Handlebars reports parse errors without a usable position; find the first mustache that fails alone. */
function locateParseError(
  text: Text,
  modified: string,
  toOriginal: (offset: number) => number,
  error: Error,
): RenderError {
  for (const match of modified.matchAll(/\{\{\{?[\s\S]*?\}?\}\}/g)) {
    const source = match[0]
    if (/^\{\{[#/^]|^\{\{else/.test(source)) continue
    try {
      engine().parse(source)
    } catch {
      const start = toOriginal(match.index!)
      return new RenderError(
        'RENDER_SYNTAX',
        `Not a variable or helper: \`${source.length > 40 ? source.slice(0, 40) + '…' : source}\``,
        spanAt(text, start, source.length),
        'use {{name}}, {{helper arg}} or {{$dynamic}}; to send {{ literally, write \\{{',
        { cause: error },
      )
    }
  }
  const line = Number(error.message.match(/on line (\d+)/)?.[1] ?? 1)
  return new RenderError(
    'RENDER_SYNTAX',
    `Template error: ${error.message.split('\n').pop()}`,
    spanAt(text, lineOffset(text.raw, line), 1),
    'check that every {{#block}} has its {{/block}}',
    { cause: error },
  )
}

function lineOffset(raw: string, line: number): number {
  let offset = 0
  for (let i = 1; i < line; i++) {
    const next = raw.indexOf('\n', offset)
    if (next < 0) break
    offset = next + 1
  }
  return offset
}

/** The file position of an offset inside a Text. */
export function spanAt(text: Text, offset: number, length?: number): SourceSpan {
  let line = 0
  let lineStart = 0
  for (let i = 0; i < offset && i < text.raw.length; i++) {
    if (text.raw[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  const column = offset - lineStart
  const at =
    text.lines?.[line] ??
    (line === 0 ? { line: text.span.line, column: text.span.column } : { line: text.span.line + line, column: 1 })
  const span = { file: text.span.file, line: at.line, column: at.column + column }
  return length === undefined ? span : { ...span, length }
}
