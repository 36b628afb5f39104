// `run --compare DIR` and `reqchain diff DIR`: each exchange of the run beside the one recorded for
// the same request (same file, line and --dataset row, the n-th time it ran): the status, chosen
// headers, and JSON bodies compared by value, path by path, with what changes on every call left
// out (ids, creation times, dates, `system_fingerprint`, `timings`, and any --ignore path). Every
// difference is a failed assertion, so the summary, the exit code (4) and every report carry it.
import type { AssertResult, AssertionSpec, Exchange, SourceSpan } from '../model.js'
import type { StepResult } from '../outcome.js'
import { preview } from '../check/assert.js'
import { responseText } from '../check/extract.js'
import { MASK } from '../secrets.js'
import { StreamAssembler } from '../send/assemble.js'
import { parseStreamEvents, streamFormatOf } from '../send/sse.js'
import { type RecordedExchange, type Recording, bodyBytes, matchesMasked } from './format.js'

/** Object keys whose values differ from call to call by nature (ids and times, llama-server's and Ollama's timings, prompt-cache counts). */
const VOLATILE_KEYS = new Set([
  'id',
  'created',
  'created_at',
  'createdAt',
  'system_fingerprint',
  'timings',
  'total_duration',
  'load_duration',
  'prompt_eval_duration',
  'eval_duration',
  // The server's prompt cache: how much of the prompt it had cached says nothing of the reply.
  'cached_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'completed_at',
])
/** A date or a time: ISO 8601 / RFC 3339, or an HTTP date. */
const DATE =
  /^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)$/
/** More differences than this in one exchange are counted, not listed. */
const MAX_LISTED = 20

export type CompareOptions = { readonly ignore: readonly string[]; readonly headers: readonly string[] }

export class Comparer {
  private readonly byKey = new Map<string, RecordedExchange[]>()
  private readonly ignore: RegExp[]

  constructor(
    private readonly recording: Recording,
    private readonly options: CompareOptions,
  ) {
    for (const exchange of recording.exchanges) {
      const key = keyOf(exchange.file, exchange.line, exchange.row)
      const list = this.byKey.get(key) ?? []
      list.push(exchange)
      this.byKey.set(key, list)
    }
    this.ignore = options.ignore.map(pathPattern)
  }

  /** The differences of one step from its recording, as failed assertions (nothing when they agree). */
  compare(step: StepResult, fileFromRecording: string): AssertResult[] {
    if (step.skipped) return []
    const span = step.template.span
    const recorded = this.byKey.get(keyOf(fileFromRecording, span.line, step.row))?.shift()
    if (!recorded)
      return [
        failure(
          span,
          'exchange',
          'in the recording',
          'not recorded',
          `Not in the recording ${this.recording.dir}: ${step.template.method} ${step.template.url.raw}`,
        ),
      ]
    const now = step.exchange
    const then = recorded.response
    if (!now || !then) {
      if (!now && !then) return []
      return [
        failure(
          span,
          'response',
          then ? `HTTP ${then.status}` : 'no response',
          now ? `HTTP ${now.status}` : 'no response',
          `The response differs from the recording: it had ${then ? `HTTP ${then.status}` : 'none'}, now ${now ? `HTTP ${now.status}` : 'none'}`,
        ),
      ]
    }
    const results: AssertResult[] = []
    if (now.status !== then.status)
      results.push(
        failure(
          span,
          'status',
          String(then.status),
          String(now.status),
          `status differs from the recording: was ${then.status}, now ${now.status}`,
        ),
      )
    for (const name of this.options.headers) {
      const lower = name.toLowerCase()
      const was = then.headers
        .filter(([n]) => n.toLowerCase() === lower)
        .map(([, v]) => v)
        .join(', ')
      const is = now.headers
        .filter(([n]) => n.toLowerCase() === lower)
        .map(([, v]) => v)
        .join(', ')
      if (was !== is && !was.includes(MASK))
        results.push(
          failure(
            span,
            `header ${name}`,
            was,
            is,
            `header ${name} differs from the recording: was ${show(was)}, now ${show(is)}`,
          ),
        )
    }
    const differences = this.bodyDifferences(recorded, now)
    for (const d of differences.slice(0, MAX_LISTED))
      results.push(
        failure(span, d.path, d.was, d.now, `${d.path} differs from the recording: was ${d.was}, now ${d.now}`),
      )
    if (differences.length > MAX_LISTED)
      results.push(failure(span, 'body', '', '', `and ${differences.length - MAX_LISTED} more differences in the body`))
    if (results.length > 0) return results
    return [
      {
        assertion: {
          query: { kind: 'recorded', path: 'exchange' },
          predicate: 'matches the recording',
          negated: false,
          span,
        },
        ok: true,
      },
    ]
  }

  private bodyDifferences(recorded: RecordedExchange, now: Exchange): { path: string; was: string; now: string }[] {
    const thenText = recordedText(this.recording, recorded)
    const nowText = now.assembled ?? responseText(now)
    const thenJson = parse(thenText)
    const nowJson = parse(nowText)
    if (thenJson.ok && nowJson.ok) return jsonDifferences(thenJson.value, nowJson.value, this.ignore)
    if (thenText === nowText || matchesMasked(thenText, nowText)) return []
    return [{ path: 'body', was: show(thenText), now: show(nowText) }]
  }
}

export type Difference = { readonly path: string; readonly was: string; readonly now: string }

/**
 * Two JSON values, path by path: what differs, with what changes on every call left out — the
 * volatile keys, two dates, a masked value — and the paths the `ignore` patterns cover.
 */
export function jsonDifferences(
  was: unknown,
  now: unknown,
  ignore: readonly RegExp[],
  path = '$',
  out: Difference[] = [],
): Difference[] {
  if (ignore.some((p) => p.test(path))) return out
  if (isObject(was) && isObject(now) && Array.isArray(was) === Array.isArray(now)) {
    if (Array.isArray(was)) {
      const nowArray = now as unknown[]
      for (let i = 0; i < Math.max(was.length, nowArray.length); i++) {
        const childPath = `${path}[${i}]`
        if (i >= was.length) out.push({ path: childPath, was: '(absent)', now: show(nowArray[i]) })
        else if (i >= nowArray.length) out.push({ path: childPath, was: show(was[i]), now: '(absent)' })
        else jsonDifferences(was[i], nowArray[i], ignore, childPath, out)
      }
      return out
    }
    const a = was as Record<string, unknown>
    const b = now as Record<string, unknown>
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (VOLATILE_KEYS.has(key)) continue
      const childPath = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
      if (!(key in b)) out.push({ path: childPath, was: show(a[key]), now: '(absent)' })
      else if (!(key in a)) out.push({ path: childPath, was: '(absent)', now: show(b[key]) })
      else jsonDifferences(a[key], b[key], ignore, childPath, out)
    }
    return out
  }
  if (typeof was === 'string' && typeof now === 'string' && isVolatileText(was, now)) return out
  if (!Object.is(was, now)) out.push({ path, was: show(was), now: show(now) })
  return out
}

/** Two strings that differ only as every call differs: two dates, or a masked secret and its value. */
export function isVolatileText(was: string, now: string): boolean {
  return (DATE.test(was) && DATE.test(now)) || matchesMasked(was, now)
}

/** Whether a key's value changes on every call by nature (ids and times, timings, prompt-cache counts). */
export function isVolatileKey(key: string): boolean {
  return VOLATILE_KEYS.has(key)
}

function keyOf(file: string, line: number, row: number | undefined): string {
  return `${file}\n${line}\n${row ?? ''}`
}

function recordedText(recording: Recording, exchange: RecordedExchange): string {
  const text = bodyBytes(recording, exchange.response!.body).toString('utf8')
  // A stream (by its content type: a recording made with --parallel has no timed pieces) is
  // compared by the message it assembles to, as it is now.
  return assembledOf(text, exchange.response!.headers) ?? text
}

/** A recorded stream re-assembled by the same code that assembled it live. */
function assembledOf(text: string, headers: readonly (readonly [string, string])[]): string | undefined {
  const format = streamFormatOf(headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1])
  if (!format) return undefined
  const assembler = new StreamAssembler(format)
  for (const event of parseStreamEvents(Buffer.from(text, 'utf8'), format)) assembler.push(event)
  return JSON.stringify(assembler.result())
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : preview(value, 199)
}

/** `$.a.b`, `$.items[*].id`, `$..id`: a pattern over the paths the comparison walks (a path and all below it). */
export function pathPattern(path: string): RegExp {
  let source = ''
  const text = path.startsWith('$') ? path.slice(1) : `.${path}`
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i)
    let m: RegExpMatchArray | null
    if ((m = rest.match(/^\.\.([A-Za-z_$][\w$]*)/))) {
      source += `(?:\\.[^.[]+|\\[[^\\]]+\\])*\\.${m[1]}`
      i += m[0].length
    } else if ((m = rest.match(/^\.\*/))) {
      source += '(?:\\.[^.[]+|\\[[^\\]]+\\])'
      i += 2
    } else if ((m = rest.match(/^\[\*\]/))) {
      source += '\\[\\d+\\]'
      i += 3
    } else if ((m = rest.match(/^\.([A-Za-z_$][\w$]*)/))) {
      source += `\\.${m[1]!.replace(/\$/g, '\\$')}`
      i += m[0].length
    } else if ((m = rest.match(/^\[(\d+)\]/))) {
      source += `\\[${m[1]}\\]`
      i += m[0].length
    } else if ((m = rest.match(/^\[(['"])(.*?)\1\]/))) {
      source += `\\[${JSON.stringify(m[2]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`
      i += m[0].length
    } else {
      source += rest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      break
    }
  }
  return new RegExp(`^\\$${source}(?:[.[].*)?$`)
}

function failure(span: SourceSpan, path: string, expected: string, actual: string, message: string): AssertResult {
  const assertion: AssertionSpec = {
    query: { kind: 'recorded', path },
    predicate: 'matches the recording',
    negated: false,
    span,
  }
  return { assertion, ok: false, expected, actual, message }
}
