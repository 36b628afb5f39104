// The built-in server's OpenAI Responses API (POST /v1/responses) and Anthropic Messages API
// (POST /v1/messages), streamed and not, with tools and JSON schemas. Each request is turned into
// the chat conversation it means and answered by the same deterministic model as chat completions
// (reply.ts), then written in the API's own shapes and event sequences:
//   Responses: response.created, response.in_progress, output_item.added, content_part.added,
//     output_text.delta × N (or function_call_arguments.delta × N), …done events, response.completed
//     (response.incomplete when max_output_tokens cut it); `previous_response_id` continues a
//     conversation this server answered.
//   Messages: message_start, content_block_start, ping, content_block_delta × N (text_delta or
//     input_json_delta), content_block_stop, message_delta (stop_reason, usage), message_stop.
//   Embeddings: a deterministic unit vector per input (the same text, the same vector), of
//     `dimensions` numbers (default 16), as numbers or `encoding_format: base64`.
import type { ServerResponse } from 'node:http'
import {
  type ChatMessage,
  type Reply,
  type Schema,
  type ToolSpec,
  chatReply,
  countTokens,
  fragments,
  hashOf,
  tokenize,
} from './reply.js'
import { type Faults, sendJson, streamLines } from './wire.js'

type Body = Record<string, unknown>

/** Conversations the Responses API answered, by response id, for `previous_response_id` (the last 1,000). */
export type ResponsesMemory = Map<string, ChatMessage[]>
const REMEMBERED = 1000

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const record = (value: unknown): Body => (typeof value === 'object' && value !== null ? (value as Body) : {})

/** Text of a content given as a string or as parts (`input_text`, `output_text`, `text`). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  return asArray(content)
    .map((part) => record(part))
    .map((part) => (typeof part['text'] === 'string' ? part['text'] : ''))
    .join('')
}

/** A reply of `tokens`, cut to `max` with the flag saying so. */
function cut(text: string, max: number): { tokens: string[]; cut: boolean } {
  const tokens = tokenize(text)
  return tokens.length > max ? { tokens: tokens.slice(0, Math.max(0, max)), cut: true } : { tokens, cut: false }
}

/** Tokens a reply spends: its text's, or its tool calls' arguments'. */
function outputTokensOf(reply: Reply, text: { tokens: string[] } | undefined): number {
  return reply.kind === 'tool' ? tokenize(reply.calls.map((c) => c.arguments).join(' ')).length : text!.tokens.length
}

// ---- OpenAI Responses -------------------------------------------------------------------------

/** The conversation a Responses request means, as chat messages. */
function responsesConversation(body: Body, memory: ResponsesMemory): ChatMessage[] | string {
  const messages: ChatMessage[] = []
  const previous = body['previous_response_id']
  if (previous !== undefined) {
    const earlier = typeof previous === 'string' ? memory.get(previous) : undefined
    if (!earlier) return `Previous response with id '${String(previous)}' not found.`
    messages.push(...earlier)
  }
  if (typeof body['instructions'] === 'string') messages.push({ role: 'system', content: body['instructions'] })
  const input = body['input']
  if (typeof input === 'string') messages.push({ role: 'user', content: input })
  else if (Array.isArray(input)) {
    for (const raw of input) {
      const item = record(raw)
      if (item['type'] === 'function_call_output') {
        const call = messages.findLast((m) => Array.isArray(m.tool_calls))
        const name = (call?.tool_calls as { function?: { name?: string } }[] | undefined)?.[0]?.function?.name
        messages.push({ role: 'tool', content: textOf(item['output']), ...(name ? { name } : {}) })
      } else if (item['type'] === 'function_call') {
        messages.push({
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: item['call_id'], type: 'function', function: { name: item['name'], arguments: item['arguments'] } },
          ],
        })
      } else if (typeof item['role'] === 'string') {
        messages.push({ role: item['role'], content: textOf(item['content']) })
      }
    }
  } else if (previous === undefined) return "'input' is required"
  return messages
}

/** Responses tools (`{type: function, name, parameters}`) as chat tools. */
function chatTools(tools: unknown): ToolSpec[] {
  return asArray(tools)
    .map((t) => record(t))
    .filter((t) => t['type'] === 'function' || t['input_schema'] !== undefined)
    .map((t) => ({
      type: 'function',
      function: {
        name: String(t['name'] ?? record(t['function'])['name'] ?? 'tool'),
        parameters: (t['parameters'] ?? t['input_schema'] ?? { type: 'object' }) as Schema,
      },
    }))
}

export function answerResponses(
  body: Body,
  res: ServerResponse,
  context: { readonly model: string; readonly faults: Faults; readonly memory: ResponsesMemory },
): Promise<void> | void {
  const conversation = responsesConversation(body, context.memory)
  if (typeof conversation === 'string') return sendJson(res, 400, errorBody(conversation))
  const choice = body['tool_choice']
  const format = record(record(body['text'])['format'])
  const reply = chatReply({
    messages: conversation,
    tools: chatTools(body['tools']),
    tool_choice:
      choice === 'required' ? 'required' : typeof choice === 'object' ? { function: record(choice) } : choice,
    ...(format['type'] === 'json_schema' ? { response_format: { type: 'json_schema', json_schema: format } } : {}),
  })
  const id = `resp_${hashOf([body, conversation], 24)}`
  const max = Number(body['max_output_tokens'] ?? Infinity)
  const inputTokens = countTokens(conversation)
  const text = reply.kind === 'text' ? cut(reply.text, max) : undefined
  const outputText = text?.tokens.join('')
  const item =
    reply.kind === 'tool'
      ? reply.calls.map((c) => ({
          type: 'function_call',
          id: `fc_${c.id.slice(5)}`,
          call_id: c.id,
          name: c.name,
          arguments: c.arguments,
          status: 'completed',
        }))
      : [
          {
            type: 'message',
            id: `msg_${hashOf(id, 24)}`,
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: outputText, annotations: [] }],
          },
        ]
  const outputTokens = outputTokensOf(reply, text)
  const incomplete = text?.cut === true
  const response = {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: incomplete ? 'incomplete' : 'completed',
    ...(incomplete ? { incomplete_details: { reason: 'max_output_tokens' } } : {}),
    model: context.model,
    output: item,
    ...(body['previous_response_id'] !== undefined ? { previous_response_id: body['previous_response_id'] } : {}),
    usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
  }
  remember(context.memory, id, [
    ...conversation,
    reply.kind === 'tool'
      ? {
          role: 'assistant',
          content: null,
          tool_calls: reply.calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        }
      : { role: 'assistant', content: outputText },
  ])
  if (body['stream'] !== true) return sendJson(res, 200, response)
  const events: [string, Body][] = []
  let sequence = 0
  const event = (type: string, data: Body) => events.push([type, { type, sequence_number: sequence++, ...data }])
  const inProgress = { ...response, status: 'in_progress', output: [], usage: null }
  event('response.created', { response: inProgress })
  event('response.in_progress', { response: inProgress })
  for (const [index, done] of (item as (Body & { id: string; type: string })[]).entries()) {
    if (done.type === 'function_call') {
      event('response.output_item.added', {
        output_index: index,
        item: { ...done, arguments: '', status: 'in_progress' },
      })
      for (const delta of fragments(String(done['arguments'])))
        event('response.function_call_arguments.delta', { item_id: done.id, output_index: index, delta })
      event('response.function_call_arguments.done', {
        item_id: done.id,
        output_index: index,
        arguments: done['arguments'],
      })
    } else {
      event('response.output_item.added', {
        output_index: index,
        item: { ...done, content: [], status: 'in_progress' },
      })
      const part = { type: 'output_text', text: '', annotations: [] }
      event('response.content_part.added', { item_id: done.id, output_index: index, content_index: 0, part })
      for (const delta of text!.tokens)
        event('response.output_text.delta', { item_id: done.id, output_index: index, content_index: 0, delta })
      event('response.output_text.done', { item_id: done.id, output_index: index, content_index: 0, text: outputText })
      event('response.content_part.done', {
        item_id: done.id,
        output_index: index,
        content_index: 0,
        part: { ...part, text: outputText },
      })
    }
    event('response.output_item.done', { output_index: index, item: done })
  }
  event(incomplete ? 'response.incomplete' : 'response.completed', { response })
  return streamLines(
    res,
    'text/event-stream',
    events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
    context.faults,
    (n) =>
      `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: `Fault injected after ${n} events`, sequence_number: n })}\n\n`,
  )
}

function remember(memory: ResponsesMemory, id: string, conversation: ChatMessage[]): void {
  memory.set(id, conversation)
  if (memory.size > REMEMBERED) memory.delete(memory.keys().next().value!)
}

function errorBody(message: string) {
  return { error: { message, type: 'invalid_request_error', param: null, code: null } }
}

// ---- Anthropic Messages ------------------------------------------------------------------------

/** An Anthropic conversation as chat messages: tool_use blocks as tool calls, tool_result blocks as tool messages. */
function anthropicConversation(body: Body): ChatMessage[] {
  const messages: ChatMessage[] = []
  const system = body['system']
  if (system !== undefined) messages.push({ role: 'system', content: textOf(system) })
  for (const raw of asArray(body['messages'])) {
    const message = record(raw)
    const blocks =
      typeof message['content'] === 'string'
        ? [{ type: 'text', text: message['content'] }]
        : asArray(message['content'])
    const uses = blocks.map(record).filter((b) => b['type'] === 'tool_use')
    const results = blocks.map(record).filter((b) => b['type'] === 'tool_result')
    for (const result of results) {
      const use = messages
        .flatMap((m) => (m.tool_calls as { id?: unknown; function?: { name?: string } }[] | undefined) ?? [])
        .find((c) => c.id === result['tool_use_id'])
      messages.push({
        role: 'tool',
        content: textOf(result['content']),
        ...(use?.function?.name ? { name: use.function.name } : {}),
      })
    }
    const text = textOf(blocks.filter((b) => record(b)['type'] === 'text'))
    if (uses.length > 0)
      messages.push({
        role: 'assistant',
        content: text || null,
        tool_calls: uses.map((u) => ({
          id: u['id'],
          type: 'function',
          function: { name: u['name'], arguments: JSON.stringify(u['input'] ?? {}) },
        })),
      })
    else if (results.length === 0 || text) messages.push({ role: String(message['role'] ?? 'user'), content: text })
  }
  return messages
}

export function answerMessages(
  body: Body,
  res: ServerResponse,
  context: { readonly model: string; readonly faults: Faults },
): Promise<void> | void {
  if (!Array.isArray(body['messages']))
    return sendJson(res, 400, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: Field required' },
    })
  const conversation = anthropicConversation(body)
  const choice = record(body['tool_choice'])
  const reply = chatReply({
    messages: conversation,
    tools: chatTools(body['tools']),
    tool_choice:
      choice['type'] === 'none'
        ? 'none'
        : choice['type'] === 'tool'
          ? { function: { name: choice['name'] } }
          : undefined,
  })
  const id = `msg_${hashOf([body, conversation], 24)}`
  const max = Number(body['max_tokens'] ?? Infinity)
  const text = reply.kind === 'text' ? cut(reply.text, max) : undefined
  const content =
    reply.kind === 'tool'
      ? reply.calls.map((c) => ({
          type: 'tool_use',
          id: `toolu_${c.id.slice(5)}`,
          name: c.name,
          input: JSON.parse(c.arguments) as unknown,
        }))
      : [{ type: 'text', text: text!.tokens.join('') }]
  const inputTokens = countTokens(conversation)
  const outputTokens = outputTokensOf(reply, text)
  const stopReason = reply.kind === 'tool' ? 'tool_use' : text!.cut ? 'max_tokens' : 'end_turn'
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  }
  if (body['stream'] !== true) return sendJson(res, 200, message)
  const events: [string, Body][] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
      },
    ],
  ]
  for (const [index, block] of (content as (Body & { type: string })[]).entries()) {
    const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' }
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: start }])
    if (index === 0) events.push(['ping', { type: 'ping' }])
    const deltas =
      block.type === 'tool_use'
        ? fragments(JSON.stringify(block.input)).map((partial_json) => ({ type: 'input_json_delta', partial_json }))
        : text!.tokens.map((t) => ({ type: 'text_delta', text: t }))
    for (const delta of deltas) events.push(['content_block_delta', { type: 'content_block_delta', index, delta }])
    events.push(['content_block_stop', { type: 'content_block_stop', index }])
  }
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    },
  ])
  events.push(['message_stop', { type: 'message_stop' }])
  return streamLines(
    res,
    'text/event-stream',
    events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
    context.faults,
    (n) =>
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `Fault injected after ${n} events` } })}\n\n`,
  )
}

// ---- Embeddings -------------------------------------------------------------------------------

const MAX_DIMENSIONS = 4096

export function answerEmbeddings(body: Body, res: ServerResponse, model: string): void {
  const input = body['input']
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined
  if (!texts || texts.length === 0 || texts.some((t) => typeof t !== 'string'))
    return sendJson(res, 400, errorBody("'input' must be a string or an array of strings"))
  const dimensions = Number(body['dimensions'] ?? 16)
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS)
    return sendJson(res, 400, errorBody(`'dimensions' must be a whole number from 1 to ${MAX_DIMENSIONS}`))
  const tokens = (texts as string[]).reduce((sum, t) => sum + tokenize(t).length, 0)
  sendJson(res, 200, {
    object: 'list',
    data: (texts as string[]).map((text, index) => {
      const vector = vectorOf(text, dimensions)
      // `encoding_format: base64` (the openai SDK's default): the float32s, little-endian, in base64.
      const embedding =
        body['encoding_format'] === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector
      return { object: 'embedding', index, embedding }
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}

/** A unit vector drawn from the text's hash: the same text always gives the same vector. */
function vectorOf(text: string, dimensions: number): number[] {
  const values = Array.from({ length: dimensions }, (_, i) => parseInt(hashOf([text, i], 8), 16) / 0xffffffff - 0.5)
  const length = Math.hypot(...values) || 1
  return values.map((v) => Math.round((v / length) * 1e6) / 1e6)
}
