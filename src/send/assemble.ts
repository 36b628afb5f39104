// Stream events → the response a non-streaming call would have returned, so captures, assertions
// and chaining treat a streamed reply like any other:
//
//   data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Par"}}]}
//   data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"is"}}]}
//   data: [DONE]
//     → {"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Paris"}}]}
//
// Shapes: OpenAI chat and text completions, Ollama /api/chat and /api/generate, the typed-event
// streams of the OpenAI Responses and Anthropic Messages APIs (assemble-events.ts), and any other
// SSE stream as `{ "events": [{ event, id, data }] }` with `data` parsed when it is JSON.
import type { SseEvent } from '../model.js'
import { type EventAssembler, ResponsesAssembler, eventAssemblerFor } from './assemble-events.js'

/** Text a stream adds; `opensCall` marks the start of a tool call, `name(`, whose arguments follow. */
export type Delta = {
  readonly kind: 'content' | 'reasoning' | 'tool' | 'event'
  readonly text: string
  readonly opensCall?: boolean
}

type Shape =
  | 'openai-chat'
  | 'openai-completion'
  | 'ollama-chat'
  | 'ollama-generate'
  | 'openai-responses'
  | 'anthropic-messages'
  | 'events'

type ToolCall = { index: number; id?: string; type?: string; function: { name: string; arguments: string } }
type ChatChoice = {
  index: number
  role?: string
  content: string | null
  reasoning: string | null
  toolCalls: ToolCall[]
  finishReason: string | null
}

export class StreamAssembler {
  shape: Shape | undefined
  done = false
  /** The first error the stream reported: an `error:` line or a `{"error": …}` chunk. */
  error: string | undefined
  chunks = 0
  contentDeltas = 0
  /** Kept only for streams of no known shape, whose assembled form is the list of events. */
  private events: SseEvent[] = []
  private meta: Record<string, unknown> = {}
  private metaKeysSeen = 0
  private readonly choices = new Map<number, ChatChoice>()
  private usage: unknown
  private timings: unknown
  private last: Record<string, unknown> | undefined
  private text = ''
  private thinking = ''
  private ollamaToolCalls: unknown[] = []
  /** The Responses or Anthropic Messages stream's own assembler, once the events say which. */
  private typed: EventAssembler | undefined

  constructor(private readonly format: 'sse' | 'ndjson') {}

  /** Takes one event; returns the text it adds (for live output). */
  push(event: SseEvent): Delta[] {
    this.chunks++
    if (this.shape === undefined || this.shape === 'events') this.events.push(event)
    // llama-server's `error:` lines, and the standard `event: error` of any SSE stream.
    if (event.isErrorLine || event.event === 'error') {
      this.error ??= event.data
      return []
    }
    if (this.format === 'sse' && event.data === '[DONE]') {
      this.chunks-- // the end marker is not a chunk of the reply
      this.done = true
      return []
    }
    let value: unknown
    try {
      value = JSON.parse(event.data)
    } catch {
      value = undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      // Inside a stream of known shape, a chunk that is not a JSON object is the server failing.
      if (this.shape !== undefined && this.shape !== 'events') {
        this.error ??= `a chunk that is not a JSON object: ${event.data.length > 80 ? `${event.data.slice(0, 80)}…` : event.data}`
        return []
      }
      this.shape ??= 'events'
      return [{ kind: 'event', text: event.data }]
    }
    const chunk = value as Record<string, unknown>
    if (chunk['error'] !== undefined && chunk['choices'] === undefined && chunk['type'] === undefined) {
      this.error ??= typeof chunk['error'] === 'string' ? chunk['error'] : JSON.stringify(chunk['error'])
      return []
    }
    if (this.shape === undefined) {
      this.typed = eventAssemblerFor(chunk)
      this.shape = this.typed
        ? this.typed instanceof ResponsesAssembler
          ? 'openai-responses'
          : 'anthropic-messages'
        : detectShape(chunk)
      if (this.shape !== 'events') this.events = []
    }
    if (this.typed) {
      if (chunk['type'] === 'error') {
        this.error ??= event.data
        return []
      }
      const deltas = this.typed.push(chunk)
      this.done = this.typed.done
      this.error ??= this.typed.error
      this.contentDeltas = this.typed.contentDeltas
      return deltas
    }
    switch (this.shape) {
      case 'openai-chat':
        return this.chatChunk(chunk)
      case 'openai-completion':
        return this.completionChunk(chunk)
      case 'ollama-chat':
      case 'ollama-generate':
        return this.ollamaChunk(chunk)
      default:
        return [{ kind: 'event', text: event.data }]
    }
  }

  private keepMeta(chunk: Record<string, unknown>): void {
    if (this.metaKeysSeen < META_KEYS.length) {
      for (const key of META_KEYS) {
        if (chunk[key] !== undefined && this.meta[key] === undefined) {
          this.meta[key] = chunk[key]
          this.metaKeysSeen++
        }
      }
    }
    if (chunk['usage'] !== undefined && chunk['usage'] !== null) this.usage = chunk['usage']
    if (chunk['timings'] !== undefined) this.timings = chunk['timings']
  }

  private choice(index: number): ChatChoice {
    let choice = this.choices.get(index)
    if (!choice) {
      choice = { index, content: null, reasoning: null, toolCalls: [], finishReason: null }
      this.choices.set(index, choice)
    }
    return choice
  }

  private chatChunk(chunk: Record<string, unknown>): Delta[] {
    this.keepMeta(chunk)
    const deltas: Delta[] = []
    const choices = chunk['choices'] as (Record<string, unknown> | null)[] | undefined
    if (!Array.isArray(choices)) return deltas
    for (const raw of choices) {
      if (typeof raw !== 'object' || raw === null) continue // a server's `null` choice: nothing to assemble
      const choice = this.choice(typeof raw['index'] === 'number' ? raw['index'] : Number(raw['index'] ?? 0))
      const delta = raw['delta'] as Record<string, unknown> | null | undefined
      if (typeof delta !== 'object' || delta === null) {
        if (raw['finish_reason'] !== undefined && raw['finish_reason'] !== null)
          choice.finishReason = String(raw['finish_reason'])
        continue
      }
      if (typeof delta['role'] === 'string') choice.role = delta['role']
      const content = delta['content']
      if (typeof content === 'string' && content !== '') {
        choice.content = (choice.content ?? '') + content
        this.contentDeltas++
        deltas.push({ kind: 'content', text: content })
      }
      const reasoning = delta['reasoning_content'] ?? delta['reasoning']
      if (typeof reasoning === 'string' && reasoning !== '') {
        choice.reasoning = (choice.reasoning ?? '') + reasoning
        this.contentDeltas++
        deltas.push({ kind: 'reasoning', text: reasoning })
      }
      const toolCalls = delta['tool_calls']
      if (Array.isArray(toolCalls))
        for (const call of toolCalls as Record<string, unknown>[]) deltas.push(...this.toolCallDelta(choice, call))
      if (raw['finish_reason'] !== undefined && raw['finish_reason'] !== null)
        choice.finishReason = String(raw['finish_reason'])
    }
    return deltas
  }

  /**
   * Tool-call fragments are keyed by id when the chunk has one and by index otherwise: some servers
   * reuse index 0 for parallel calls, so an index alone would glue two calls' arguments together.
   */
  private toolCallDelta(choice: ChatChoice, call: Record<string, unknown>): Delta[] {
    const index = Number(call['index'] ?? 0)
    const id = typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : undefined
    const fn = (call['function'] ?? {}) as Record<string, unknown>
    let target = id ? choice.toolCalls.find((c) => c.id === id) : undefined
    if (!target && !id) target = [...choice.toolCalls].reverse().find((c) => c.index === index)
    if (!target) {
      target = {
        index,
        ...(id ? { id } : {}),
        type: typeof call['type'] === 'string' ? call['type'] : 'function',
        function: { name: '', arguments: '' },
      }
      choice.toolCalls.push(target)
    }
    if (typeof fn['name'] === 'string') target.function.name += fn['name']
    const args = typeof fn['arguments'] === 'string' ? fn['arguments'] : ''
    target.function.arguments += args
    const text = `${typeof fn['name'] === 'string' && fn['name'] ? `${fn['name']}(` : ''}${args}`
    if (!text) return []
    return typeof fn['name'] === 'string' && fn['name']
      ? [{ kind: 'tool', text, opensCall: true }]
      : [{ kind: 'tool', text }]
  }

  private completionChunk(chunk: Record<string, unknown>): Delta[] {
    this.keepMeta(chunk)
    const deltas: Delta[] = []
    for (const raw of (chunk['choices'] as (Record<string, unknown> | null)[] | undefined) ?? []) {
      if (typeof raw !== 'object' || raw === null) continue
      const choice = this.choice(Number(raw['index'] ?? 0))
      if (typeof raw['text'] === 'string' && raw['text'] !== '') {
        choice.content = (choice.content ?? '') + raw['text']
        this.contentDeltas++
        deltas.push({ kind: 'content', text: raw['text'] })
      }
      if (raw['finish_reason'] !== undefined && raw['finish_reason'] !== null)
        choice.finishReason = String(raw['finish_reason'])
    }
    return deltas
  }

  private ollamaChunk(chunk: Record<string, unknown>): Delta[] {
    this.last = chunk
    const deltas: Delta[] = []
    const message = chunk['message'] as Record<string, unknown> | undefined
    const content = this.shape === 'ollama-chat' ? message?.['content'] : chunk['response']
    const thinking = this.shape === 'ollama-chat' ? message?.['thinking'] : chunk['thinking']
    if (typeof thinking === 'string' && thinking !== '') {
      this.thinking += thinking
      this.contentDeltas++
      deltas.push({ kind: 'reasoning', text: thinking })
    }
    if (typeof content === 'string' && content !== '') {
      this.text += content
      this.contentDeltas++
      deltas.push({ kind: 'content', text: content })
    }
    if (Array.isArray(message?.['tool_calls'])) {
      this.ollamaToolCalls.push(...(message['tool_calls'] as unknown[]))
      deltas.push({ kind: 'tool', text: JSON.stringify(message['tool_calls']) })
    }
    if (chunk['done'] === true) this.done = true
    return deltas
  }

  /** Completion tokens as the server counted them (`usage`, Ollama's `eval_count`); undefined when it did not say. */
  /** The event a stream of this shape ends with, named for "the stream closed without …"; undefined when it has none. */
  endMarker(): string | undefined {
    if (this.typed) return this.typed.endMarker
    if (this.shape === 'openai-chat' || this.shape === 'openai-completion')
      return this.format === 'sse' ? '`data: [DONE]`' : 'a final `"done": true` line'
    if (this.shape === 'ollama-chat' || this.shape === 'ollama-generate') return 'a final `"done": true` line'
    return undefined
  }

  completionTokens(): number | undefined {
    if (this.typed) return this.typed.completionTokens()
    const fromUsage = (this.usage as { completion_tokens?: unknown } | undefined)?.completion_tokens
    if (typeof fromUsage === 'number') return fromUsage
    const evalCount = this.last?.['eval_count']
    return typeof evalCount === 'number' ? evalCount : undefined
  }

  /** llama-server's own speed (`timings.predicted_per_second`, `prompt_per_second`), when it sent it. */
  serverSpeed(): { readonly predictedPerSecond?: number; readonly promptPerSecond?: number } | undefined {
    if (this.typed) return this.typed.serverSpeed()
    const timings = this.timings as { predicted_per_second?: unknown; prompt_per_second?: unknown } | null | undefined
    if (typeof timings !== 'object' || timings === null) return undefined
    const speed = {
      ...(typeof timings.predicted_per_second === 'number' ? { predictedPerSecond: timings.predicted_per_second } : {}),
      ...(typeof timings.prompt_per_second === 'number' ? { promptPerSecond: timings.prompt_per_second } : {}),
    }
    return Object.keys(speed).length > 0 ? speed : undefined
  }

  /** The assembled response; callable on a partial stream too, so what arrived is never lost. */
  result(): unknown {
    if (this.typed) return this.typed.result()
    switch (this.shape) {
      case 'openai-chat':
        return {
          ...this.meta,
          object: 'chat.completion',
          choices: [...this.choices.values()]
            .sort((a, b) => a.index - b.index)
            .map((c) => ({
              index: c.index,
              message: {
                role: c.role ?? 'assistant',
                content: c.content,
                ...(c.reasoning !== null ? { reasoning_content: c.reasoning } : {}),
                ...(c.toolCalls.length > 0
                  ? {
                      tool_calls: c.toolCalls.map((t) => ({
                        ...(t.id ? { id: t.id } : {}),
                        type: t.type ?? 'function',
                        function: t.function,
                      })),
                    }
                  : {}),
              },
              finish_reason: c.finishReason,
            })),
          ...(this.usage !== undefined ? { usage: this.usage } : {}),
          ...(this.timings !== undefined ? { timings: this.timings } : {}),
        }
      case 'openai-completion':
        return {
          ...this.meta,
          object: 'text_completion',
          choices: [...this.choices.values()]
            .sort((a, b) => a.index - b.index)
            .map((c) => ({ index: c.index, text: c.content ?? '', finish_reason: c.finishReason, logprobs: null })),
          ...(this.usage !== undefined ? { usage: this.usage } : {}),
          ...(this.timings !== undefined ? { timings: this.timings } : {}),
        }
      case 'ollama-chat': {
        const last = this.last ?? {}
        const message = (last['message'] ?? {}) as Record<string, unknown>
        return {
          ...last,
          message: {
            ...message,
            role: message['role'] ?? 'assistant',
            content: this.text,
            ...(this.thinking ? { thinking: this.thinking } : {}),
            ...(this.ollamaToolCalls.length > 0 ? { tool_calls: this.ollamaToolCalls } : {}),
          },
        }
      }
      case 'ollama-generate':
        return { ...(this.last ?? {}), response: this.text, ...(this.thinking ? { thinking: this.thinking } : {}) }
      default:
        return {
          events: this.events.map((e) => ({ event: e.event ?? 'message', id: e.id ?? null, data: parseMaybe(e.data) })),
        }
    }
  }
}

const META_KEYS = ['id', 'created', 'model', 'system_fingerprint'] as const

function detectShape(chunk: Record<string, unknown>): Shape {
  const object = chunk['object']
  const choices = Array.isArray(chunk['choices'])
    ? (chunk['choices'] as unknown[]).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    : undefined
  if (object === 'chat.completion.chunk' || choices?.some((c) => c['delta'] !== undefined)) return 'openai-chat'
  if (object === 'text_completion' || choices?.some((c) => typeof c['text'] === 'string')) return 'openai-completion'
  if ('message' in chunk && 'done' in chunk) return 'ollama-chat'
  if ('response' in chunk && 'done' in chunk) return 'ollama-generate'
  return 'events'
}

function parseMaybe(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return data
  }
}
