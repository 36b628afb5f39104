// Typed-event streams → the object a non-streaming call returns, for the two LLM APIs whose
// streams are a sequence of named events rather than chunks of one object:
//
//   OpenAI Responses (POST /v1/responses)       Anthropic Messages (POST /v1/messages)
//   response.created {response}                 message_start {message}
//   response.output_item.added {item}           content_block_start {index, content_block}
//   response.output_text.delta {item_id, delta} content_block_delta {index, delta: text_delta |
//   response.reasoning_text.delta                 input_json_delta | thinking_delta}
//   response.function_call_arguments.delta      content_block_stop {index}
//   response.output_item.done {item}            message_delta {delta: {stop_reason}, usage}
//   response.completed | incomplete {response}  message_stop
//   response.failed {response: {error}}         (ping: nothing; error: the stream's error)
//
// Each assembler keeps what arrived, so a stream cut short still yields its partial reply. The
// format is recognised from the events' `type`, never from the URL.
import type { Delta } from './assemble.js'

/** What StreamAssembler needs of a typed-event format. */
export interface EventAssembler {
  /** The terminal event arrived (`response.completed` / `.incomplete`, `message_stop`). */
  readonly done: boolean
  /** The error the stream reported (`response.failed`, an `error` event's message). */
  readonly error: string | undefined
  /** The terminal event, named for "the stream closed without …". */
  readonly endMarker: string
  /** Text deltas (content and reasoning) seen: for the live output's chunk counts. */
  readonly contentDeltas: number
  push(event: Record<string, unknown>): Delta[]
  result(): unknown
  completionTokens(): number | undefined
  serverSpeed(): { readonly predictedPerSecond?: number; readonly promptPerSecond?: number } | undefined
}

const RESPONSES_PREFIX = 'response.'
const ANTHROPIC_TYPES = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
])

/** The assembler for a chunk's `type`, or undefined when it is neither format. */
export function eventAssemblerFor(chunk: Record<string, unknown>): EventAssembler | undefined {
  const type = chunk['type']
  if (typeof type !== 'string') return undefined
  if (type.startsWith(RESPONSES_PREFIX)) return new ResponsesAssembler()
  if (ANTHROPIC_TYPES.has(type)) return new AnthropicAssembler()
  return undefined
}

type Item = Record<string, unknown> & { id?: string; type?: string }

const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

/** llama-server's `timings`, as a speed. */
function speedOf(timings: unknown): { predictedPerSecond?: number; promptPerSecond?: number } | undefined {
  const t = obj(timings)
  if (!t) return undefined
  const speed = {
    ...(typeof t['predicted_per_second'] === 'number' ? { predictedPerSecond: t['predicted_per_second'] } : {}),
    ...(typeof t['prompt_per_second'] === 'number' ? { promptPerSecond: t['prompt_per_second'] } : {}),
  }
  return Object.keys(speed).length > 0 ? speed : undefined
}

export class ResponsesAssembler implements EventAssembler {
  done = false
  error: string | undefined
  readonly endMarker = '`response.completed`'
  contentDeltas = 0
  private response: Record<string, unknown> = {}
  /** The terminal event's whole response: it is the reply, as the non-streaming call gives it. */
  private final: Record<string, unknown> | undefined
  /** By output index; an index may be skipped (a server that numbers items sparsely). */
  private readonly items: (Item | undefined)[] = []
  private timings: unknown

  push(event: Record<string, unknown>): Delta[] {
    const type = String(event['type'])
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        this.response = { ...this.response, ...obj(event['response']) }
        return []
      case 'response.output_item.added': {
        const item = { ...obj(event['item']) } as Item
        this.place(item, event['output_index'])
        if (item.type === 'function_call' && typeof item['name'] === 'string') {
          item['arguments'] = typeof item['arguments'] === 'string' ? item['arguments'] : ''
          return [{ kind: 'tool', text: `${item['name']}(`, opensCall: true }]
        }
        return []
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return this.text(event, 'content')
      case 'response.reasoning_text.delta':
      case 'response.reasoning_summary_text.delta':
        return this.text(event, 'reasoning')
      case 'response.function_call_arguments.delta': {
        const delta = typeof event['delta'] === 'string' ? event['delta'] : ''
        const item = this.item(event)
        if (item) item['arguments'] = `${typeof item['arguments'] === 'string' ? item['arguments'] : ''}${delta}`
        return delta ? [{ kind: 'tool', text: delta }] : []
      }
      case 'response.output_item.done': {
        const item = obj(event['item']) as Item | undefined
        if (item) this.place({ ...item }, event['output_index'])
        return []
      }
      case 'response.completed':
      case 'response.incomplete':
        this.final = obj(event['response'])
        this.timings = event['timings'] ?? this.final?.['timings']
        this.done = true
        return []
      case 'response.failed': {
        this.final = obj(event['response'])
        const error = obj(this.final?.['error'])
        this.error ??= typeof error?.['message'] === 'string' ? error['message'] : 'the response failed'
        return []
      }
      default:
        return [] // content_part.added/done, output_text.done and the rest: their text came as deltas
    }
  }

  /** An item, by `output_index` when the event has one, else by id, else appended. */
  private place(item: Item, index: unknown): void {
    const at =
      typeof index === 'number' ? index : item.id !== undefined ? this.items.findIndex((i) => i?.id === item.id) : -1
    if (at >= 0 && at < this.items.length) this.items[at] = { ...this.items[at], ...item }
    else if (typeof index === 'number') this.items[index] = item
    else this.items.push(item)
  }

  private item(event: Record<string, unknown>): Item | undefined {
    if (typeof event['output_index'] === 'number') return this.items[event['output_index']]
    const id = event['item_id']
    return this.items.find((i) => i?.id === id) ?? this.items.at(-1)
  }

  private text(event: Record<string, unknown>, kind: 'content' | 'reasoning'): Delta[] {
    const delta = typeof event['delta'] === 'string' ? event['delta'] : ''
    if (!delta) return []
    let item = this.item(event)
    if (!item) {
      item = { type: kind === 'content' ? 'message' : 'reasoning', role: 'assistant', content: [] }
      this.items.push(item)
    }
    const partType = kind === 'content' ? 'output_text' : 'reasoning_text'
    const parts = (Array.isArray(item['content']) ? item['content'] : []) as Record<string, unknown>[]
    let part = parts.find((p) => p['type'] === partType)
    if (!part) {
      part = { type: partType, text: '' }
      parts.push(part)
    }
    part['text'] = `${typeof part['text'] === 'string' ? part['text'] : ''}${delta}`
    item['content'] = parts
    this.contentDeltas++
    return [{ kind, text: delta }]
  }

  result(): unknown {
    if (this.final) return this.timings !== undefined ? { ...this.final, timings: this.timings } : this.final
    return {
      ...this.response,
      object: 'response',
      status: this.error ? 'failed' : 'incomplete',
      output: this.items.filter((i) => i !== undefined),
    }
  }

  completionTokens(): number | undefined {
    const tokens = obj(this.final?.['usage'])?.['output_tokens']
    return typeof tokens === 'number' ? tokens : undefined
  }

  serverSpeed() {
    return speedOf(this.timings)
  }
}

type Block = Record<string, unknown> & { type?: string; partialJson?: string }

export class AnthropicAssembler implements EventAssembler {
  done = false
  error: string | undefined
  readonly endMarker = '`message_stop`'
  contentDeltas = 0
  private message: Record<string, unknown> = {}
  /** By content block index. */
  private readonly blocks: (Block | undefined)[] = []
  private usage: Record<string, unknown> = {}
  private stopReason: unknown = null
  private stopSequence: unknown = null
  private timings: unknown

  push(event: Record<string, unknown>): Delta[] {
    switch (event['type']) {
      case 'message_start': {
        const message = obj(event['message']) ?? {}
        this.message = message
        this.usage = { ...this.usage, ...obj(message['usage']) }
        return []
      }
      case 'content_block_start': {
        const block = { ...obj(event['content_block']) } as Block
        const index = typeof event['index'] === 'number' ? event['index'] : this.blocks.length
        this.blocks[index] = block
        if (block.type === 'tool_use' && typeof block['name'] === 'string') {
          block.partialJson = ''
          return [{ kind: 'tool', text: `${block['name']}(`, opensCall: true }]
        }
        return []
      }
      case 'content_block_delta':
        return this.delta(event)
      case 'content_block_stop': {
        const block = this.blocks[typeof event['index'] === 'number' ? event['index'] : this.blocks.length - 1]
        if (block?.partialJson !== undefined) {
          try {
            block['input'] = block.partialJson === '' ? {} : JSON.parse(block.partialJson)
          } catch {
            block['input'] = block.partialJson // kept as it came: the arguments did not parse
          }
          delete block.partialJson
        }
        return []
      }
      case 'message_delta': {
        const delta = obj(event['delta'])
        if (delta && 'stop_reason' in delta) this.stopReason = delta['stop_reason']
        if (delta && 'stop_sequence' in delta) this.stopSequence = delta['stop_sequence']
        this.usage = { ...this.usage, ...obj(event['usage']) }
        if (event['timings'] !== undefined) this.timings = event['timings']
        return []
      }
      case 'message_stop':
        this.done = true
        if (event['timings'] !== undefined) this.timings = event['timings']
        return []
      default:
        return [] // ping
    }
  }

  private delta(event: Record<string, unknown>): Delta[] {
    const index = typeof event['index'] === 'number' ? event['index'] : this.blocks.length - 1
    const delta = obj(event['delta']) ?? {}
    let block = this.blocks[index]
    if (!block) {
      block = { type: delta['type'] === 'thinking_delta' ? 'thinking' : 'text' }
      this.blocks[index] = block
    }
    switch (delta['type']) {
      case 'text_delta': {
        const text = typeof delta['text'] === 'string' ? delta['text'] : ''
        block['text'] = `${typeof block['text'] === 'string' ? block['text'] : ''}${text}`
        this.contentDeltas++
        return text ? [{ kind: 'content', text }] : []
      }
      case 'thinking_delta': {
        const text = typeof delta['thinking'] === 'string' ? delta['thinking'] : ''
        block['thinking'] = `${typeof block['thinking'] === 'string' ? block['thinking'] : ''}${text}`
        this.contentDeltas++
        return text ? [{ kind: 'reasoning', text }] : []
      }
      case 'input_json_delta': {
        const json = typeof delta['partial_json'] === 'string' ? delta['partial_json'] : ''
        block.partialJson = `${block.partialJson ?? ''}${json}`
        return json ? [{ kind: 'tool', text: json }] : []
      }
      case 'signature_delta':
        block['signature'] =
          `${typeof block['signature'] === 'string' ? block['signature'] : ''}${String(delta['signature'] ?? '')}`
        return []
      default:
        return []
    }
  }

  result(): unknown {
    return {
      ...this.message,
      type: 'message',
      role: this.message['role'] ?? 'assistant',
      content: this.blocks
        .filter((b) => b !== undefined)
        .map(({ partialJson, ...block }) => (partialJson !== undefined ? { ...block, input: partialJson } : block)),
      stop_reason: this.stopReason,
      stop_sequence: this.stopSequence,
      usage: this.usage,
      ...(this.timings !== undefined ? { timings: this.timings } : {}),
    }
  }

  completionTokens(): number | undefined {
    const tokens = this.usage['output_tokens']
    return typeof tokens === 'number' && tokens > 0 ? tokens : undefined
  }

  serverSpeed() {
    return speedOf(this.timings)
  }
}
