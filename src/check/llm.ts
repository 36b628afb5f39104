// One way to ask for an LLM's reply whatever API gave it: `reply` (the text), `toolCalls` (name
// and parsed arguments), `finishReason` and `usage` (or `usage.NAME`) read the same from an OpenAI
// chat or text completion, a Responses API response, an Anthropic message and Ollama's chat and
// generate replies — streamed (assembled) or not. A body of none of these shapes gives nothing,
// so an assertion on it fails saying the value is missing. `ttft` and `tokensPerSecond` are how
// fast the server answered.
import type { Exchange } from '../model.js'

export type LlmField = 'reply' | 'toolCalls' | 'finishReason' | 'usage'

type Json = Record<string, unknown>
const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined
const list = (value: unknown): Json[] =>
  Array.isArray(value) ? value.map(obj).filter((v): v is Json => v !== undefined) : []

/** Arguments as sent: JSON text parsed when it parses, else the text itself. */
function parsedArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {}
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

/** `tool_calls` as chat completions and Ollama write them (`{function: {name, arguments}}`). */
function functionCalls(value: unknown): { name: string; arguments: unknown }[] {
  return list(value).map((call) => {
    const fn = obj(call['function']) ?? {}
    return { name: String(fn['name'] ?? ''), arguments: parsedArguments(fn['arguments']) }
  })
}

type Reading = {
  reply?: string
  toolCalls?: { name: string; arguments: unknown }[]
  finishReason?: unknown
  usage?: unknown
}

/** The reply's fields in the shape the body has; undefined for a body of no known shape. */
function read(body: Json): Reading | undefined {
  const choices = list(body['choices'])
  if (choices.length > 0) {
    const first = choices[0]!
    const message = obj(first['message'])
    const calls = functionCalls(message?.['tool_calls'])
    const text = message ? message['content'] : first['text']
    return {
      ...(typeof text === 'string' ? { reply: text } : {}),
      toolCalls: calls,
      finishReason: first['finish_reason'],
      usage: body['usage'],
    }
  }
  if (body['object'] === 'response' || (Array.isArray(body['output']) && typeof body['status'] === 'string')) {
    const output = list(body['output'])
    const text = output
      .filter((item) => item['type'] === 'message')
      .flatMap((item) => list(item['content']))
      .filter((part) => part['type'] === 'output_text')
      .map((part) => String(part['text'] ?? ''))
      .join('')
    const incomplete = obj(body['incomplete_details'])?.['reason']
    return {
      reply: text,
      toolCalls: output
        .filter((item) => item['type'] === 'function_call')
        .map((item) => ({ name: String(item['name'] ?? ''), arguments: parsedArguments(item['arguments']) })),
      finishReason: incomplete ?? body['status'],
      usage: body['usage'],
    }
  }
  if (body['type'] === 'message' && Array.isArray(body['content'])) {
    const content = list(body['content'])
    return {
      reply: content
        .filter((block) => block['type'] === 'text')
        .map((block) => String(block['text'] ?? ''))
        .join(''),
      toolCalls: content
        .filter((block) => block['type'] === 'tool_use')
        .map((block) => ({ name: String(block['name'] ?? ''), arguments: block['input'] ?? {} })),
      finishReason: body['stop_reason'],
      usage: body['usage'],
    }
  }
  if ('done' in body && (obj(body['message']) || typeof body['response'] === 'string')) {
    const message = obj(body['message'])
    const usage =
      body['prompt_eval_count'] !== undefined || body['eval_count'] !== undefined
        ? { prompt_tokens: body['prompt_eval_count'], completion_tokens: body['eval_count'] }
        : undefined
    return {
      reply: String(message ? (message['content'] ?? '') : body['response']),
      toolCalls: functionCalls(message?.['tool_calls']),
      finishReason: body['done_reason'],
      ...(usage ? { usage } : {}),
    }
  }
  return undefined
}

/** The values of `field` (and `usage.NAME`'s NAME) in a reply's JSON body: none when it has no such value. */
export function llmValues(body: unknown, field: LlmField, path?: string): unknown[] {
  const reply = obj(body)
  const reading = reply ? read(reply) : undefined
  const value = reading?.[field]
  if (value === undefined || value === null) return []
  if (path === undefined) return [value]
  const inner = obj(value)?.[path]
  return inner === undefined ? [] : [inner]
}

/**
 * How fast the server generated this reply: its own figure when it sends one (llama-server's
 * `timings`), else measured from when its text arrived (measuredRate).
 */
export function tokensPerSecond(exchange: Exchange): number | undefined {
  const server = exchange.stream?.serverSpeed?.predictedPerSecond
  if (server !== undefined) return server
  return measuredRate(exchange)
}

/**
 * Tokens (or, with `count`, chunks) a second over the spread of their arrival, when that spread
 * can describe the server. The pieces a late reader read at once with the first are left out:
 * they all arrived before it looked, so the figure counts the pieces read after them over the
 * time from the first read to the last. No figure under a millisecond, or faster than 0.1 ms a
 * piece (the reply was read all at once).
 */
export function measuredRate(
  exchange: Exchange,
  count: number | undefined = exchange.stream?.completionTokens,
): number | undefined {
  const { firstTokenMs, lastTokenMs } = exchange.timings
  const stream = exchange.stream
  if (!stream || count === undefined || count < 2 || firstTokenMs === undefined || lastTokenMs === undefined)
    return undefined
  const chunks = Math.max(stream.contentChunks, 1)
  const later = (count * (chunks - Math.min(stream.firstReadChunks ?? 1, chunks))) / chunks
  const ms = lastTokenMs - firstTokenMs
  return later > 0 && ms >= 1 && ms >= later * 0.1 ? (later * 1000) / ms : undefined
}

/**
 * An LLM exchange in two lines, for reports: the reply (cut at `max` characters) and how it
 * ended — finish reason, tokens, time to first token, speed. Undefined for a body of no LLM shape.
 */
export function llmDigest(exchange: Exchange, body: unknown, max = 500): string | undefined {
  const reply = obj(body)
  const reading = reply ? read(reply) : undefined
  if (!reading) return undefined
  const usage = obj(reading.usage)
  const tokens = exchange.stream?.completionTokens ?? usage?.['completion_tokens'] ?? usage?.['output_tokens']
  const rate = tokensPerSecond(exchange)
  const facts = [
    reading.finishReason !== undefined && reading.finishReason !== null
      ? `finish: ${String(reading.finishReason)}`
      : undefined,
    typeof tokens === 'number' ? `${tokens} tokens` : undefined,
    exchange.timings.firstTokenMs !== undefined ? `ttft ${Math.round(exchange.timings.firstTokenMs)} ms` : undefined,
    rate !== undefined ? `${Math.round(rate * 10) / 10} tok/s` : undefined,
    reading.toolCalls && reading.toolCalls.length > 0
      ? `tool calls: ${reading.toolCalls.map((call) => call.name).join(', ')}`
      : undefined,
  ].filter((fact) => fact !== undefined)
  const text = reading.reply ?? ''
  return [
    `reply: ${text.length > max ? `${text.slice(0, max - 1)}…` : text}`,
    ...(facts.length > 0 ? [facts.join(' · ')] : []),
  ].join('\n')
}
