// The `xpath "…"` query: XPath 1.0 on an XML body, or on an HTML one. HTML is read as browsers
// read it (htmlparser2: unclosed `<li>`, `<br>`, entities), written out as well-formed XML, and
// queried by its lowercase names without a namespace (`//title`, `//a/@href`). The parsers
// (htmlparser2, @xmldom/xmldom) and the evaluator (xpath) load only for runs that use the query:
// run preparation awaits loadXPath().
import { ExtractError } from '../errors.js'
import type { SourceSpan } from '../model.js'

type Libraries = {
  DOMParser: typeof import('@xmldom/xmldom').DOMParser
  HtmlParser: typeof import('htmlparser2').Parser
  xpath: typeof import('xpath')
}
let libraries: Libraries | undefined

export async function loadXPath(): Promise<void> {
  if (libraries) return
  const [{ DOMParser }, { Parser }, xpath] = await Promise.all([
    import('@xmldom/xmldom'),
    import('htmlparser2'),
    import('xpath'),
  ])
  libraries = {
    DOMParser,
    HtmlParser: Parser,
    xpath: (xpath as unknown as { default?: typeof import('xpath') }).default ?? xpath,
  }
}

const XML_NAME = /^[A-Za-z_][-A-Za-z0-9_.]*$/
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * HTML as well-formed XML: elements closed where HTML closes them, names XML can hold, text
 * escaped; one root (`<html>` unless the page is a single element already), so `/html/head/title` works.
 */
function htmlAsXml(html: string, HtmlParser: Libraries['HtmlParser']): string {
  const out: string[] = []
  const names: string[] = []
  const top = { roots: 0, looseText: false }
  const parser = new HtmlParser(
    {
      onopentag(name, attributes) {
        const tag = XML_NAME.test(name) ? name : 'element'
        if (names.length === 0) top.roots++
        names.push(tag)
        const attrs = Object.entries(attributes)
          .filter(([key]) => XML_NAME.test(key))
          .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
        out.push(`<${tag}${attrs.join('')}>`)
      },
      ontext(text) {
        if (names.length === 0 && text.trim() === '') return
        if (names.length === 0) top.looseText = true
        out.push(escapeXml(text))
      },
      onclosetag() {
        out.push(`</${names.pop() ?? 'element'}>`)
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  )
  parser.write(html)
  parser.end()
  const xml = out.join('')
  return top.roots === 1 && !top.looseText && out[0]?.startsWith('<html') ? xml : `<html>${xml}</html>`
}

const documents = new WeakMap<object, unknown>()

/**
 * The expression's value on the body: a string, number or boolean for an expression that gives
 * one (`string(//title)`, `count(//li)`), else the nodes' text values (an attribute's value, an
 * element's text).
 */
export function queryXPath(
  expression: string,
  body: string,
  contentType: string | undefined,
  key: object,
  span: SourceSpan | undefined,
): unknown[] {
  if (!libraries) throw new Error('xpath was not loaded before a query: prepare the run with loadXPath()')
  const isHtml = /html/i.test(contentType ?? '') && !/xhtml\+xml/i.test(contentType ?? '')
  let doc = documents.get(key)
  if (!doc) {
    const errors: string[] = []
    const parser = new libraries.DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') errors.push(message)
      },
    })
    try {
      doc = parser.parseFromString(isHtml ? htmlAsXml(body, libraries.HtmlParser) : body, 'text/xml')
    } catch (error) {
      errors.push((error as Error).message)
    }
    if (!isHtml && errors.length > 0)
      throw new ExtractError(
        'EXTRACT_NOT_XML',
        `Cannot query \`xpath ${JSON.stringify(expression)}\`: the body is not XML (${errors[0]!.split('\n')[0]})`,
        span,
        'an HTML body needs a Content-Type that says text/html',
      )
    documents.set(key, doc)
  }
  let parsed: ReturnType<Libraries['xpath']['parse']>
  try {
    parsed = libraries.xpath.parse(expression)
  } catch (error) {
    throw new ExtractError(
      'EXTRACT_BAD_QUERY',
      `Invalid XPath \`${expression}\`: ${(error as Error).message}`,
      span,
      'for example //title, string(//a/@href), count(//li)',
    )
  }
  // The evaluator's own result classes (exported by xpath, beyond its typings) say what it gave.
  let result: XResult
  try {
    result = parsed.evaluate({ node: doc as Node }) as unknown as XResult
  } catch (error) {
    throw new ExtractError(
      'EXTRACT_BAD_QUERY',
      `Cannot evaluate XPath \`${expression}\`: ${(error as Error).message}`,
      span,
      'XPath 1.0: for example //title, string(//a/@href), count(//li)',
    )
  }
  const classes = libraries.xpath as unknown as Record<'XNodeSet' | 'XNumber' | 'XBoolean', new () => object>
  const is = (name: 'XNodeSet' | 'XNumber' | 'XBoolean') => (result as object) instanceof classes[name]
  if (is('XNodeSet')) return (result.toUnsortedArray?.() ?? result.nodes ?? []).map((node) => node.textContent ?? '')
  if (is('XNumber')) return [result.numberValue()]
  if (is('XBoolean')) return [result.booleanValue()]
  return [result.stringValue()]
}

type XResult = {
  nodes?: Node[]
  toUnsortedArray?: () => Node[]
  stringValue: () => string
  numberValue: () => number
  booleanValue: () => boolean
}
