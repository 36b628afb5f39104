// Plain templates ({{name}}, {{a.b}}) render without Handlebars; the output and the errors must be
// what Handlebars gives, in every mode (text, JSON-safe, typed value).
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { RenderError } from '../../src/errors.js'
import '../../src/render/render.js' // registers the helpers, whose names are not variables
import { type RenderMode, loadTemplateEngine, needsEngine, renderText } from '../../src/render/template.js'

beforeAll(loadTemplateEngine)

const runtime = { names: () => ['a', 'b', 'obj'], special: () => 'S' }
const span = { file: 'x.http', line: 1, column: 1 }

function outcome(raw: string, context: object, mode: RenderMode, viaHandlebars: boolean): unknown {
  try {
    return { value: renderText({ raw, span }, context, runtime, mode, viaHandlebars) }
  } catch (error) {
    if (!(error instanceof RenderError)) throw error
    return { code: error.code, message: error.message, span: error.span }
  }
}

describe('the plain-template fast path', () => {
  it('gives what Handlebars gives, output and errors, in every mode', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '{{a}}',
        '{{ b }}',
        '{{obj.x}}',
        '{{obj.list}}',
        '{{missing}}',
        '{{obj.nope}}',
        '"',
        '\\',
        '\\"',
        '{',
        '}',
        ' ',
        '\n',
        ':',
        ',',
        '[',
        ']',
        '{{$uuid}}',
      ),
      fc.string({ maxLength: 6 }).filter((s) => !s.includes('{') && !s.includes('}')),
    )
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }))
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), value, value, (pieces, a, b) => {
        const raw = pieces.join('')
        const context = { a, b, obj: { x: a, list: [1, 'two'] } }
        for (const mode of ['text', 'json', 'value'] as const) {
          expect(outcome(raw, context, mode, false), `${mode}: ${raw}`).toEqual(outcome(raw, context, mode, true))
        }
      }),
      { numRuns: 1500 },
    )
  })

  it('takes only plain templates: helpers, blocks, keywords and escapes go to Handlebars', () => {
    for (const raw of ['{{a}}', 'x {{ a.b }} y', '{{$uuid}}', '{{ask.response.body.$.id}}'])
      expect(needsEngine({ raw, span }), raw).toBe(false)
    for (const raw of [
      '{{json a}}',
      '{{#if a}}x{{/if}}',
      '{{this}}',
      '{{{a}}}',
      '\\{{a}}',
      '{{default}}',
      '{{a.[0]}}',
      '{{!c}}',
      '{{ else }}',
    ])
      expect(needsEngine({ raw, span }), raw).toBe(true)
  })
})
