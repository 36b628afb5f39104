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
//
// This module is the door: a Text is static (no `{{`), plain (plain-template.ts: variables,
// dynamic variables and references only, rendered without Handlebars) or a template
// (handlebars-template.ts: compiled by Handlebars, rewritten as above); each renders to output
// with placeholders, filled here for the mode asked. template-parts.ts holds what all three share.
import { RenderError } from '../errors.js'
import type { Text } from '../model.js'
import { type CompiledTemplate, type RenderState, compileTemplate } from './handlebars-template.js'
import { type Plain, compilePlain, plainParts, renderPlain } from './plain-template.js'
import {
  CLOSE,
  OPEN,
  PLACEHOLDER,
  type RenderMode,
  type TemplateRuntime,
  stringify,
  templateError,
} from './template-parts.js'

export { loadTemplateEngine, registerHelper } from './handlebars-template.js'
export { stringify } from './template-parts.js'
export type { RenderMode, Special, TemplateRuntime } from './template-parts.js'

type Compiled = { readonly kind: 'static'; readonly value: string } | Plain | CompiledTemplate

const cache = new WeakMap<Text, Compiled>()

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
    throw templateError(error, text.span)
  }
  if (mode === 'value') {
    const single = output.match(/^\uE000(\d+)\uE001$/)
    if (single) return state.values[Number(single[1])]
    return fillText(output, state.values)
  }
  return mode === 'json' ? fillJson(output, state.values) : fillText(output, state.values)
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
