// The built-in server, proved with the official openai client and with plain HTTP.
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { type MockServer, startMockServer } from '../../src/serve/server.js'
import { upload } from '../helpers/upload.js'

let server: MockServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function client(apiKey = 'k', options: Parameters<typeof startMockServer>[0] = { port: 0, host: '127.0.0.1' }) {
  server = await startMockServer(options)
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 })
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
      required: ['city'],
    },
  },
}

describe('built-in server with the openai client', () => {
  it('answers a chat deterministically, echoing the model, with usage that adds up', async () => {
    const openai = await client()
    const ask = () =>
      openai.chat.completions.create({
        model: 'my-model',
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      })
    const [a, b] = [await ask(), await ask()]
    expect(a.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content)
    expect(a.model).toBe('my-model')
    expect(a.usage!.total_tokens).toBe(a.usage!.prompt_tokens + a.usage!.completion_tokens)
    expect(a.choices[0]!.finish_reason).toBe('stop')
  })

  it('cuts the reply at max_tokens with finish_reason length', async () => {
    const openai = await client()
    const reply = await openai.chat.completions.create({
      model: 'm',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    expect(reply.choices[0]!.message.content).toBe('The capital of')
    expect(reply.choices[0]!.finish_reason).toBe('length')
    expect(reply.usage!.completion_tokens).toBe(3)
  })

  it('streams chat chunks that the client reassembles, with usage', async () => {
    const openai = await client()
    const stream = await openai.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
    let text = ''
    let usage
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('The capital of France is Paris.')
    expect(usage).toMatchObject({ completion_tokens: 6 })
  })

  it('answers tools with a schema-valid call, streamed in fragments, and uses a tool result', async () => {
    const openai = await client()
    const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }]
    const reply = await openai.chat.completions.create({ model: 'm', messages, tools: [weatherTool] })
    const call = reply.choices[0]!.message.tool_calls![0]! as {
      id: string
      function: { name: string; arguments: string }
    }
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls')
    expect(call.function.name).toBe('get_weather')
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 7 })

    const stream = openai.chat.completions.stream({ model: 'm', messages, tools: [weatherTool] })
    let fragments = 0
    stream.on('chunk', (chunk) => {
      if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) fragments++
    })
    const final = await stream.finalChatCompletion()
    expect(fragments).toBeGreaterThan(1)
    expect((final.choices[0]!.message.tool_calls![0] as typeof call).function.arguments).toBe(call.function.arguments)

    const answer = await openai.chat.completions.create({
      model: 'm',
      messages: [
        ...messages,
        reply.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp": 18}' },
      ],
    })
    expect(answer.choices[0]!.message.content).toContain('{"temp": 18}')
  })

  it('returns JSON valid against a json_schema response_format, and accepts image parts', async () => {
    const openai = await client()
    const reply = await openai.chat.completions.create({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: {
            type: 'object',
            properties: { label: { type: 'string', enum: ['cat', 'dog'] }, n: { type: 'integer', minimum: 3 } },
            required: ['label', 'n'],
          },
        },
      },
    })
    expect(JSON.parse(reply.choices[0]!.message.content!)).toEqual({ label: 'cat', n: 42 })
  })

  it('lists models and serves text completions', async () => {
    const openai = await client()
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual(['reqchain-mock'])
    const completion = await openai.completions.create({ model: 'm', prompt: 'Once upon a time', max_tokens: 4 })
    expect(completion.choices[0]!.finish_reason).toBe('length')
  })

  it('answers errors as real servers do: 400, 401, 404', async () => {
    const openai = await client('wrong', { port: 0, host: '127.0.0.1', apiKey: 'right', models: ['only-model'] })
    await expect(openai.chat.completions.create({ model: 'only-model', messages: [] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    })
    const good = new OpenAI({ baseURL: `${server!.url}/v1`, apiKey: 'right', maxRetries: 0 })
    await expect(
      good.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' })
    const post = (path: string, body: string) =>
      fetch(`${server!.url}${path}`, {
        method: 'POST',
        headers: { Authorization: 'Bearer right', 'Content-Type': 'application/json' },
        body,
      })
    const invalid = await post('/v1/chat/completions', '{"model": "only-model", "messages": [')
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
    const missing = await post('/v1/chat/completions', '{"model": "only-model"}')
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(
      "'messages' is a required property",
    )
    expect((await post('/v1/nope', '{}')).status).toBe(404)
  })

  it('injects faults on demand: a delay before the first byte, slow tokens', async () => {
    server = await startMockServer({ port: 0, host: '127.0.0.1' })
    const started = Date.now()
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'X-Mock-Fault': 'delay-first-byte=150,token-delay=20', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      }),
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    await response.text()
    expect(Date.now() - started).toBeGreaterThanOrEqual(140 + 20 * 6)
  })

  it('refuses a request body past 64 MiB (413) instead of holding it, declared or chunked, and serves on', async () => {
    server = await startMockServer({ port: 0, host: '127.0.0.1' })
    const declared = await upload(`${server.url}/v1/chat/completions`, 80, true)
    expect(declared).toMatchObject({ status: 413 })
    expect('body' in declared && declared.body).toContain('larger than 64 MiB')
    const chunked = await upload(`${server.url}/v1/chat/completions`, 80, false)
    // A chunked upload is refused once 64 MiB have arrived: the reply may race the reset.
    if ('status' in chunked) expect(chunked.status).toBe(413)
    else expect(chunked.reset).toMatch(/ECONNRESET|EPIPE/)
    const after = await fetch(`${server.url}/v1/models`)
    expect(after.status).toBe(200)
  })
})
