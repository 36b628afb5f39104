// The Responses API and Anthropic Messages streams, assembled into what their non-streaming calls
// return: the recorded llama-server streams (text) against the recorded non-streamed replies, and
// tool calls, reasoning, failures and cut streams written from the APIs' documented event sequences.
import { describe, expect, it } from 'vitest'
import { StreamAssembler } from '../../src/send/assemble.js'
import { SseParser } from '../../src/send/sse.js'
import { fixtureBody } from '../helpers/fixtures.js'

function assemble(body: string | Buffer, chunkSize = Infinity) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const parser = new SseParser()
  const assembler = new StreamAssembler('sse')
  const deltas: { kind: string; text: string }[] = []
  const take = (events: ReturnType<SseParser['push']>) => {
    for (const event of events) deltas.push(...assembler.push(event))
  }
  for (let i = 0; i < bytes.length; i += chunkSize === Infinity ? bytes.length : chunkSize)
    take(parser.push(bytes.subarray(i, i + (chunkSize === Infinity ? bytes.length : chunkSize))))
  take(parser.end())
  return { assembler, deltas, result: assembler.result() as Record<string, any> }
}

const sse = (events: [string, object][]) =>
  events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('')

describe('the Responses API stream', () => {
  it('assembles the recorded stream into the response the non-streamed call returned, whatever the chunking', () => {
    const whole = JSON.parse(fixtureBody('responses').toString()) as Record<string, any>
    for (const size of [Infinity, 7, 1]) {
      const { assembler, deltas, result } = assemble(fixtureBody('responses-stream'), size)
      expect(assembler.shape).toBe('openai-responses')
      expect(assembler.done).toBe(true)
      expect(assembler.error).toBeUndefined()
      expect(result['output'][0].content[0].text).toBe(whole['output'][0].content[0].text)
      expect(
        deltas
          .filter((d) => d.kind === 'content')
          .map((d) => d.text)
          .join(''),
      ).toBe(whole['output'][0].content[0].text)
      expect(result['usage']).toMatchObject({ output_tokens: 40 })
      expect(assembler.completionTokens()).toBe(40)
      expect(assembler.serverSpeed()?.predictedPerSecond).toBeGreaterThan(0)
      expect(assembler.endMarker()).toBe('`response.completed`')
    }
  })

  it('assembles a function call, shown live as name( and its arguments, and reasoning', () => {
    const { deltas, result, assembler } = assemble(
      sse([
        ['response.created', { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } }],
        [
          'response.output_item.added',
          { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_1', content: [] } },
        ],
        [
          'response.reasoning_text.delta',
          { type: 'response.reasoning_text.delta', item_id: 'rs_1', output_index: 0, delta: 'weather? ' },
        ],
        [
          'response.output_item.added',
          {
            type: 'response.output_item.added',
            output_index: 1,
            item: { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '' },
          },
        ],
        [
          'response.function_call_arguments.delta',
          { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '{"city":' },
        ],
        [
          'response.function_call_arguments.delta',
          { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '"Paris"}' },
        ],
      ]),
    )
    expect(deltas).toEqual([
      { kind: 'reasoning', text: 'weather? ' },
      { kind: 'tool', text: 'get_weather(', opensCall: true },
      { kind: 'tool', text: '{"city":' },
      { kind: 'tool', text: '"Paris"}' },
    ])
    // Cut before response.completed: the partial response, marked incomplete, holds what arrived.
    expect(assembler.done).toBe(false)
    expect(result).toMatchObject({
      id: 'resp_1',
      object: 'response',
      status: 'incomplete',
      output: [
        { type: 'reasoning', content: [{ type: 'reasoning_text', text: 'weather? ' }] },
        { type: 'function_call', name: 'get_weather', call_id: 'call_1', arguments: '{"city":"Paris"}' },
      ],
    })
  })

  it('says a failed response and an error event are errors', () => {
    const failed = assemble(
      sse([
        ['response.created', { type: 'response.created', response: { id: 'r', status: 'in_progress' } }],
        [
          'response.failed',
          { type: 'response.failed', response: { id: 'r', status: 'failed', error: { message: 'model crashed' } } },
        ],
      ]),
    )
    expect(failed.assembler.error).toBe('model crashed')
    const error = assemble(
      sse([
        ['response.created', { type: 'response.created', response: { id: 'r' } }],
        ['error', { type: 'error', code: 'server_error', message: 'boom' }],
      ]),
    )
    expect(error.assembler.error).toContain('boom')
  })
})

describe('the Anthropic Messages stream', () => {
  it('assembles the recorded stream into a message of the non-streamed shape, whatever the chunking', () => {
    const whole = JSON.parse(fixtureBody('messages').toString()) as Record<string, any>
    // The streamed request had a system prompt: its text differs, its shape may not.
    const text = (body: string) =>
      [...body.matchAll(/"text_delta","text":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string).join('')
    const expected = text(fixtureBody('messages-stream').toString())
    for (const size of [Infinity, 5]) {
      const { assembler, deltas, result } = assemble(fixtureBody('messages-stream'), size)
      expect(assembler.shape).toBe('anthropic-messages')
      expect(assembler.done).toBe(true)
      expect(result).toMatchObject({
        type: whole['type'],
        role: whole['role'],
        model: whole['model'],
        stop_reason: 'max_tokens',
        content: [{ type: 'text', text: expected }],
        usage: { output_tokens: 40 },
      })
      expect(Object.keys(result).sort()).toEqual(expect.arrayContaining(Object.keys(whole).sort()))
      expect(deltas.map((d) => d.text).join('')).toBe(expected)
      expect(assembler.completionTokens()).toBe(40)
      expect(assembler.endMarker()).toBe('`message_stop`')
    }
  })

  it('assembles thinking and a tool_use block with its input parsed; ping is nothing; error is an error', () => {
    const { deltas, result, assembler } = assemble(
      sse([
        [
          'message_start',
          {
            type: 'message_start',
            message: {
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              content: [],
              model: 'm',
              usage: { input_tokens: 9 },
            },
          },
        ],
        ['ping', { type: 'ping' }],
        [
          'content_block_start',
          { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'need a tool' } },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
          },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ris"}' } },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 1 }],
        [
          'message_delta',
          {
            type: 'message_delta',
            delta: { stop_reason: 'tool_use', stop_sequence: null },
            usage: { output_tokens: 21 },
          },
        ],
        ['message_stop', { type: 'message_stop' }],
      ]),
    )
    expect(assembler.done).toBe(true)
    expect(deltas).toEqual([
      { kind: 'reasoning', text: 'need a tool' },
      { kind: 'tool', text: 'get_weather(', opensCall: true },
      { kind: 'tool', text: '{"city": "Pa' },
      { kind: 'tool', text: 'ris"}' },
    ])
    expect(result).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'thinking', thinking: 'need a tool' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 21 },
    })
    const overloaded = assemble(
      sse([
        ['message_start', { type: 'message_start', message: { id: 'm', content: [] } }],
        ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
      ]),
    )
    expect(overloaded.assembler.error).toContain('Overloaded')
  })
})
