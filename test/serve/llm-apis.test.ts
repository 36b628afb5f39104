// The built-in server's Responses API and Anthropic Messages API, checked with the official
// `openai` and `@anthropic-ai/sdk` clients: non-streamed and streamed replies, a two-turn tool
// round trip in each API's own way, `previous_response_id`, and the close-after-stream fault.
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { type MockServer, startMockServer } from '../../src/serve/server.js'

let server: MockServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(fault?: string): Promise<MockServer> {
  server = await startMockServer({ port: 0, host: '127.0.0.1', apiKey: 'k', ...(fault ? { fault } : {}) })
  return server
}

const weather = {
  name: 'get_weather',
  description: 'the weather in a city',
  schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('POST /v1/responses with the openai client', () => {
  it('answers, streams the same text with response.completed, and continues with previous_response_id', async () => {
    const { url } = await start()
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 })
    const first = await openai.responses.create({ model: 'm', input: 'What is the capital of France?' })
    expect(first.output_text).toBe('The capital of France is Paris.')
    expect(first.status).toBe('completed')
    expect(first.usage?.output_tokens).toBeGreaterThan(0)
    const stream = await openai.responses.create({ model: 'm', input: 'What is the capital of France?', stream: true })
    let text = ''
    let completed: OpenAI.Responses.Response | undefined
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta
      if (event.type === 'response.completed') completed = event.response
    }
    expect(text).toBe(first.output_text)
    expect(completed?.output_text ?? completed?.output).toBeDefined()
    const next = await openai.responses.create({ model: 'm', input: 'And of Italy?', previous_response_id: first.id })
    expect(next.output_text).toContain('turn 2')
    await expect(
      openai.responses.create({ model: 'm', input: 'x', previous_response_id: 'resp_unknown' }),
    ).rejects.toThrow(/not found/)
  })

  it('calls a function and answers from its output: a tool round trip', async () => {
    const { url } = await start()
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 })
    const tools = [{ type: 'function' as const, name: weather.name, parameters: weather.schema, strict: false }]
    const call = await openai.responses.create({
      model: 'm',
      input: 'Weather in Paris?',
      tools,
      tool_choice: 'required',
    })
    const fc = call.output.find((o) => o.type === 'function_call')
    expect(fc).toMatchObject({ type: 'function_call', name: 'get_weather' })
    expect(JSON.parse((fc as { arguments: string }).arguments)).toHaveProperty('city')
    const answer = await openai.responses.create({
      model: 'm',
      previous_response_id: call.id,
      input: [{ type: 'function_call_output', call_id: (fc as { call_id: string }).call_id, output: '{"temp": 21}' }],
      tools,
    })
    expect(answer.output_text).toBe('get_weather returned {"temp": 21}. That is the answer to your question.')
  })
})

describe('POST /v1/messages with the Anthropic client', () => {
  it('answers, and streams the same text ending in message_stop', async () => {
    const { url } = await start()
    const anthropic = new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0 })
    const message = await anthropic.messages.create({
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    expect(message.content).toEqual([{ type: 'text', text: 'The capital of France is Paris.' }])
    expect(message.stop_reason).toBe('end_turn')
    const stream = anthropic.messages.stream({
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    const final = await stream.finalMessage()
    expect(final.content).toEqual(message.content)
    expect(final.usage.output_tokens).toBe(message.usage.output_tokens)
    const short = await anthropic.messages.create({
      model: 'm',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    expect(short.stop_reason).toBe('max_tokens')
  })

  it('uses a tool and answers from its tool_result: a tool round trip, streamed', async () => {
    const { url } = await start()
    const anthropic = new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0 })
    const tools = [{ name: weather.name, description: weather.description, input_schema: weather.schema }]
    const ask = { role: 'user' as const, content: 'Weather in Paris?' }
    const use = await anthropic.messages
      .stream({ model: 'm', max_tokens: 100, tools, tool_choice: { type: 'any' }, messages: [ask] })
      .finalMessage()
    expect(use.stop_reason).toBe('tool_use')
    const block = use.content.find((b) => b.type === 'tool_use')!
    expect(block).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: expect.any(String) } })
    const answer = await anthropic.messages.create({
      model: 'm',
      max_tokens: 100,
      tools,
      messages: [
        ask,
        { role: 'assistant', content: use.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: '{"temp": 21}' }] },
      ],
    })
    expect(answer.content).toEqual([
      { type: 'text', text: 'get_weather returned {"temp": 21}. That is the answer to your question.' },
    ])
  })

  it('closes the connection after a stream when the fault asks, and the next request still works', async () => {
    const { url } = await start('close-after-stream')
    const anthropic = new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0 })
    for (let i = 0; i < 2; i++) {
      const final = await anthropic.messages
        .stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage()
      expect(final.stop_reason).toBe('end_turn')
    }
  })
})

describe('POST /v1/embeddings with the openai client', () => {
  it('gives a deterministic unit vector per input, of the dimensions asked', async () => {
    const { url } = await start()
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 })
    const first = await openai.embeddings.create({ model: 'e', input: ['Paris', 'Lyon'] })
    expect(first.data.map((d) => d.index)).toEqual([0, 1])
    const [paris, lyon] = first.data.map((d) => d.embedding)
    expect(paris).toHaveLength(16)
    expect(Math.hypot(...paris!)).toBeCloseTo(1, 4)
    expect(paris).not.toEqual(lyon)
    const again = await openai.embeddings.create({ model: 'e', input: 'Paris', dimensions: 16 })
    expect(again.data[0]!.embedding).toEqual(paris)
    expect(
      (await openai.embeddings.create({ model: 'e', input: 'x', dimensions: 64 })).data[0]!.embedding,
    ).toHaveLength(64)
    await expect(openai.embeddings.create({ model: 'e', input: [] })).rejects.toThrow(/input/)
  })
})
