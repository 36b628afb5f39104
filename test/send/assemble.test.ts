import { describe, expect, it } from 'vitest'
import { StreamAssembler } from '../../src/send/assemble.js'
import { SseParser } from '../../src/send/sse.js'
import { fixtureBody } from '../helpers/fixtures.js'

function assemble(body: Buffer | string, format: 'sse' | 'ndjson' = 'sse') {
  const assembler = new StreamAssembler(format)
  if (format === 'sse') {
    const parser = new SseParser()
    for (const event of [...parser.push(typeof body === 'string' ? Buffer.from(body) : body), ...parser.end()])
      assembler.push(event)
  } else {
    for (const line of body.toString().split('\n').filter(Boolean)) assembler.push({ data: line })
  }
  return { assembler, result: assembler.result() as Record<string, any> }
}

const sse = (...chunks: unknown[]) =>
  chunks.map((c) => `data: ${typeof c === 'string' ? c : JSON.stringify(c)}\n\n`).join('')

describe('StreamAssembler', () => {
  it('assembles a recorded llama-server chat stream into the same message as the content deltas', () => {
    const { assembler, result } = assemble(fixtureBody('chat-stream'))
    expect(assembler.done).toBe(true)
    expect(result.object).toBe('chat.completion')
    expect(result.id).toBe('chatcmpl-qBrUv7AxHk9uSHHxHvcmyZFXNi2potZm')
    expect(result.choices[0].message.role).toBe('assistant')
    expect(result.choices[0].message.content).toMatch(/^"H/)
    expect(result.choices[0].finish_reason).toBe('length')
  })

  it('keeps usage from the last chunk of a stream with include_usage', () => {
    const { assembler, result } = assemble(fixtureBody('chat-stream-usage'))
    expect(result.usage).toMatchObject({ completion_tokens: 40, prompt_tokens: 122, total_tokens: 162 })
    expect(assembler.completionTokens()).toBe(40)
  })

  it('assembles a recorded streamed tool call', () => {
    const { result } = assemble(fixtureBody('tools-stream'))
    expect(result.choices[0].finish_reason).toBe('tool_calls')
    expect(result.choices[0].message.tool_calls).toEqual([
      {
        id: 'SdUvFgoiYR53qUkye0stZGAVc1PIluIT',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
      },
    ])
    expect(result.choices[0].message.content).toBeNull()
  })

  it('assembles /v1/completions chunks into a text_completion', () => {
    const { result } = assemble(fixtureBody('completions-stream'))
    expect(result.object).toBe('text_completion')
    expect(result.choices[0].text).toMatch(/^, there/)
  })

  it('joins argument fragments of parallel tool calls by index, and by id when a server reuses index 0', () => {
    const chunk = (calls: unknown[]) => ({
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: calls } }],
    })
    const byIndex = assemble(
      sse(
        chunk([{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x"' } }]),
        chunk([{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y"' } }]),
        chunk([{ index: 0, function: { arguments: ':1}' } }]),
        chunk([{ index: 1, function: { arguments: ':2}' } }]),
        '[DONE]',
      ),
    ).result
    expect(byIndex.choices[0].message.tool_calls.map((c: any) => [c.id, c.function.arguments])).toEqual([
      ['a', '{"x":1}'],
      ['b', '{"y":2}'],
    ])
    const reused = assemble(
      sse(
        chunk([{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }]),
        chunk([{ index: 0, function: { arguments: '{"x":1}' } }]),
        chunk([{ index: 0, id: 'b', type: 'function', function: { name: 'g', arguments: '' } }]),
        chunk([{ index: 0, function: { arguments: '{"y":2}' } }]),
        '[DONE]',
      ),
    ).result
    expect(reused.choices[0].message.tool_calls.map((c: any) => [c.id, c.function.name, c.function.arguments])).toEqual(
      [
        ['a', 'f', '{"x":1}'],
        ['b', 'g', '{"y":2}'],
      ],
    )
  })

  it('keeps reasoning deltas apart from content', () => {
    const { result } = assemble(
      sse(
        {
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Let me ' } }],
        },
        { object: 'chat.completion.chunk', choices: [{ index: 0, delta: { reasoning_content: 'think.' } }] },
        {
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: 'Paris.' }, finish_reason: 'stop' }],
        },
        '[DONE]',
      ),
    )
    expect(result.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Paris.',
      reasoning_content: 'Let me think.',
    })
  })

  it('assembles Ollama /api/chat NDJSON into the final message with the done fields', () => {
    const lines = [
      { model: 'm', message: { role: 'assistant', content: 'Par' }, done: false },
      { model: 'm', message: { role: 'assistant', content: 'is' }, done: false },
      { model: 'm', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 2 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n')
    const { assembler, result } = assemble(lines, 'ndjson')
    expect(assembler.done).toBe(true)
    expect(result).toMatchObject({
      model: 'm',
      message: { role: 'assistant', content: 'Paris' },
      done: true,
      done_reason: 'stop',
      eval_count: 2,
    })
    expect(assembler.completionTokens()).toBe(2)
  })

  it('lists the events of any other SSE stream, with JSON data parsed', () => {
    const { result } = assemble('event: tick\nid: 1\ndata: {"n":1}\n\ndata: plain\n\n')
    expect(result).toEqual({
      events: [
        { event: 'tick', id: '1', data: { n: 1 } },
        { event: 'message', id: '1', data: 'plain' },
      ],
    })
  })

  it('records an {"error": …} chunk as the stream\'s error', () => {
    const { assembler } = assemble(
      sse(
        { object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'a' } }] },
        { error: { message: 'overloaded' } },
      ),
    )
    expect(assembler.error).toBe('{"message":"overloaded"}')
    expect(assembler.done).toBe(false)
  })
})
