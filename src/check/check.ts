// The check stage: captures and assertions on one exchange, in Hurl's order, for these reasons:
//   1. status assertions first: when the status is wrong, captures would fail on an error body and
//      hide the real problem, so they are not attempted (the other assertions still are);
//   2. captures next, because later assertions may use what they capture (`var answer`);
//   3. the remaining assertions last.
// A failed assertion is a result; a failed capture is an error that ends the request.
import type { AssertResult, Exchange, Query, RequestTemplate, SourceSpan } from '../model.js'
import { type AssertContext, evaluate } from './assert.js'
import { extractOne } from './extract.js'
import { checkQuery, loadJsonPath } from './jsonpath.js'

export type CheckResult = { readonly captures: Record<string, unknown>; readonly asserts: AssertResult[] }

export function check(
  template: RequestTemplate,
  exchange: Exchange,
  context: AssertContext,
  onPartial?: (partial: CheckResult) => void,
): CheckResult {
  const asserts: AssertResult[] = []
  const captures: Record<string, unknown> = {}
  const isStatus = (a: RequestTemplate['asserts'][number]) => a.query.kind === 'status'
  for (const assertion of template.asserts.filter(isStatus)) asserts.push(evaluate(assertion, exchange, context))
  const statusFailed = asserts.some((a) => !a.ok)
  onPartial?.({ captures, asserts })
  // This request's captures over the chain's variables, without copying them: later assertions see both.
  const vars = Object.create(context.vars) as Record<string, unknown>
  for (const capture of statusFailed ? [] : template.captures) {
    const value = extractOne(capture.query, exchange, vars, capture.span, capture.optional)
    if (value === undefined) continue
    captures[capture.name] = value
    Object.defineProperty(vars, capture.name, { value, enumerable: true, configurable: true, writable: true })
  }
  const later = { ...context, vars }
  for (const assertion of template.asserts.filter((a) => !isStatus(a)))
    asserts.push(evaluate(assertion, exchange, later))
  return { captures, asserts }
}

/**
 * Loads what these queries need — JSONPath, XPath — and nothing more, then refuses a JSONPath that
 * does not parse (in a query or a `jsonpath` filter) where it is written, before anything is sent.
 */
export async function prepareQueries(queries: readonly { query: Query; span: SourceSpan }[]): Promise<void> {
  const paths: { path: string; span: SourceSpan }[] = []
  const needs = { xpath: false }
  const visit = (query: Query, span: SourceSpan) => {
    if (query.kind === 'jsonpath' || query.kind === 'request') paths.push({ path: query.path, span })
    if (query.kind === 'xpath') needs.xpath = true
    if (query.kind !== 'filtered') return
    visit(query.query, span)
    for (const filter of query.filters)
      if (filter.name === 'jsonpath') paths.push({ path: String(filter.args[0]), span })
  }
  for (const { query, span } of queries) visit(query, span)
  await Promise.all([
    paths.length > 0 ? loadJsonPath() : undefined,
    needs.xpath ? import('./xpath.js').then((m) => m.loadXPath()) : undefined,
  ])
  for (const { path, span } of paths) checkQuery(path, span)
}
