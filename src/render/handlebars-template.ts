// Templates through Handlebars: every `{{…}}` rewritten on the parsed AST into a call of one
// output helper, which records the value and leaves a placeholder (template.ts fills them); a
// variable passed to a helper or a block checked for being set; block nesting bounded; a parse
// error placed at the mustache that fails. Handlebars loads on first use.
import type Handlebars from 'handlebars'
import { RenderError } from '../errors.js'
import type { SourceSpan, Text } from '../model.js'
import {
  BRACE,
  CLOSE,
  type MustacheInfo,
  OPEN,
  SPECIAL_AT,
  type Special,
  TRAILING_BRACE,
  type TemplateRuntime,
  lineOffset,
  spanAt,
  templateError,
  undefinedVariable,
} from './template-parts.js'

/** A template compiled by Handlebars, with what its mustaches are. */
export type CompiledTemplate = {
  readonly kind: 'template'
  readonly run: (context: object, data: object) => string
  readonly mustaches: readonly MustacheInfo[]
  readonly specials: readonly Special[]
  readonly spanOfLoc: (loc: hbs.AST.SourceLocation) => SourceSpan
}

export type RenderState = {
  values: unknown[]
  runtime: TemplateRuntime
  mustaches: readonly MustacheInfo[]
  specials: readonly Special[]
  spanOfLoc: (loc: hbs.AST.SourceLocation) => SourceSpan
}

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

/** Whether `name` is a registered helper (then `{{name}}` calls it: it is no variable). */
export function isHelper(name: string): boolean {
  return helpers.has(name)
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

function specialHelper(index: number, options: Handlebars.HelperOptions): unknown {
  const state = (options.data as { rc: RenderState }).rc
  return state.runtime.special(state.specials[index]!)
}

type Edit = { modStart: number; modEnd: number; origStart: number; origEnd: number }

/**
 * Where the mustaches Handlebars will evaluate start, as its lexer finds them: `\{{` (one backslash)
 * makes the text up to the next `{{` literal, braces and all; `\\{{` is a backslash and a mustache.
 */
export function liveMustaches(raw: string): number[] {
  const starts: number[] = []
  for (let at = raw.indexOf('{{'); at >= 0;) {
    const escaped = raw[at - 1] === '\\' && raw[at - 2] !== '\\'
    if (!escaped) starts.push(at)
    at = raw.indexOf('{{', at + 2)
  }
  return starts
}

export function compileTemplate(text: Text): CompiledTemplate {
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
    throw templateError(error, text.span)
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
const MAX_BLOCK_DEPTH = 64

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
