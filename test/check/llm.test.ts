// One query for an LLM's reply whatever the API: `reply`, `toolCalls`, `finishReason`, `usage` and
// `usage.NAME` read the same from chat completions, the Responses API, Anthropic Messages and
// Ollama — recorded llama-server replies, and the built-in server's, streamed and not.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { llmValues } from '../../src/check/llm.js'
import { fixtureBody } from '../helpers/fixtures.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const json = (name: string) => JSON.parse(fixtureBody(name).toString()) as unknown

describe('reply, toolCalls, finishReason, usage', () => {
  it('read recorded chat, Responses and Anthropic replies alike', () => {
    const chat = json('chat') as { choices: { message: { content: string } }[] }
    expect(llmValues(chat, 'reply')).toEqual([chat.choices[0]!.message.content])
    expect(llmValues(chat, 'finishReason')).toEqual(['length'])
    expect(llmValues(chat, 'usage', 'completion_tokens')).toEqual([50])
    expect(llmValues(json('tools'), 'toolCalls')).toEqual([[{ name: 'get_weather', arguments: { city: 'Paris' } }]])
    const responses = json('responses') as { output: { content: { text: string }[] }[] }
    expect(llmValues(responses, 'reply')).toEqual([responses.output[0]!.content[0]!.text])
    expect(llmValues(responses, 'finishReason')).toEqual(['completed'])
    expect(llmValues(responses, 'usage', 'output_tokens')).toEqual([40])
    expect(llmValues(responses, 'toolCalls')).toEqual([[]])
    const messages = json('messages') as { content: { text: string }[] }
    expect(llmValues(messages, 'reply')).toEqual([messages.content[0]!.text])
    expect(llmValues(messages, 'finishReason')).toEqual(['max_tokens'])
    expect(llmValues(messages, 'usage', 'output_tokens')).toEqual([40])
  })

  it('read tool calls of every format as name and parsed arguments, and nothing from a body of another shape', () => {
    const calls = [{ name: 'get_weather', arguments: { city: 'Paris' } }]
    expect(
      llmValues(
        {
          object: 'response',
          status: 'completed',
          output: [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' }],
        },
        'toolCalls',
      ),
    ).toEqual([calls])
    expect(
      llmValues(
        {
          type: 'message',
          content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: { city: 'Paris' } }],
          stop_reason: 'tool_use',
        },
        'toolCalls',
      ),
    ).toEqual([calls])
    expect(
      llmValues(
        {
          done: true,
          message: { content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
        },
        'toolCalls',
      ),
    ).toEqual([calls])
    expect(llmValues({ items: [1] }, 'reply')).toEqual([])
    expect(llmValues('text', 'reply')).toEqual([])
  })

  it('assert and extract the reply the same way against every API of the built-in server, streamed or not', async () => {
    const dir = tempDir('llm')
    const ask = '"What is the capital of France?"'
    const requests = [
      [
        'chat',
        'baseUrl',
        '/chat/completions',
        `{"model": "m", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": ${ask}}]}`,
        'stop',
      ],
      ['responses', 'baseUrl', '/responses', `{"model": "m", "stream": true, "input": ${ask}}`, 'completed'],
      [
        'anthropic',
        'baseUrl',
        '/messages',
        `{"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": ${ask}}]}`,
        'end_turn',
      ],
      ['ollama', 'ollamaUrl', '/api/chat', `{"model": "m", "messages": [{"role": "user", "content": ${ask}}]}`, 'stop'],
    ] as const
    writeFileSync(
      join(dir, 'all.http'),
      requests
        .map(
          ([name, base, path, body, finish]) =>
            `### ${name}\n# @assert reply == "The capital of France is Paris."\n# @assert finishReason == "${finish}"\n# @assert usage exists\nPOST {{${base}}}${path}\nContent-Type: application/json\n\n${body}\n`,
        )
        .join('\n'),
    )
    const result = await runCli(['test', 'all.http', '--mock'], { cwd: dir })
    expect(result.stderr).toMatch(/4 passed, 0 failed\n$/)
    for (const [name] of requests) {
      const extracted = await runCli(['run', `all.http#${name}`, '--mock', '-e', 'reply', '-r'], { cwd: dir })
      expect(extracted.stdout, name).toBe('The capital of France is Paris.\n')
    }
  })

  it('asserts on ttft and tokensPerSecond of a paced stream', async () => {
    const dir = tempDir('llm')
    writeFileSync(
      join(dir, 'speed.http'),
      '# @assert ttft < 5000\n# @assert tokensPerSecond > 20\n# @assert tokensPerSecond < 200\nPOST {{baseUrl}}/chat/completions\nContent-Type: application/json\nX-Mock-Fault: token-delay=10\n\n{"model": "m", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "What is the capital of France?"}]}\n',
    )
    const result = await runCli(['test', 'speed.http', '--mock'], { cwd: dir })
    expect(result.stderr).toMatch(/1 passed, 0 failed\n$/)
    writeFileSync(
      join(dir, 'slow.http'),
      (await import('node:fs'))
        .readFileSync(join(dir, 'speed.http'), 'utf8')
        .replace('tokensPerSecond > 20', 'tokensPerSecond > 5000'),
    )
    const slow = await runCli(['test', 'slow.http', '--mock'], { cwd: dir })
    expect(slow.exitCode).toBe(4)
    expect(slow.stderr).toContain('assertion failed: `tokensPerSecond` > 5000')
  })

  it('says when a capture missed because the content is a string holding JSON', async () => {
    const dir = tempDir('llm')
    writeFileSync(
      join(dir, 'js.http'),
      '# @capture city = $.choices[0].message.content.city\nPOST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "m", "messages": [{"role": "user", "content": "city?"}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}\n',
    )
    const result = await runCli(['run', 'js.http', '--mock'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('`$.choices[0].message.content` is a string that holds JSON, not JSON itself')
  })

  it('checks tool calls and JSON replies against the schemas each API declares them with', async () => {
    const dir = tempDir('llm')
    const params = '{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}'
    const schema = '{"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}'
    writeFileSync(
      join(dir, 'schemas.http'),
      [
        [
          '# @assert toolCalls matchesToolSchemas',
          '/chat/completions',
          `{"model": "m", "messages": [{"role": "user", "content": "Weather?"}], "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": ${params}}}]}`,
        ],
        [
          '# @assert toolCalls matchesToolSchemas\n# @assert $.output[0] matchesToolSchemas',
          '/responses',
          `{"model": "m", "stream": true, "input": "Weather?", "tools": [{"type": "function", "name": "get_weather", "parameters": ${params}}]}`,
        ],
        [
          '# @assert toolCalls matchesToolSchemas\n# @assert $.content[0] matchesToolSchemas',
          '/messages',
          `{"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "Weather?"}], "tools": [{"name": "get_weather", "input_schema": ${params}}]}`,
        ],
        [
          '# @assert reply matchesResponseFormat',
          '/chat/completions',
          `{"model": "m", "messages": [{"role": "user", "content": "Answer?"}], "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": ${schema}}}}`,
        ],
        [
          '# @assert reply matchesResponseFormat',
          '/responses',
          `{"model": "m", "input": "Answer?", "text": {"format": {"type": "json_schema", "name": "a", "schema": ${schema}}}}`,
        ],
      ]
        .map(
          ([asserts, path, body]) =>
            `###\n${asserts}\nPOST {{baseUrl}}${path}\nContent-Type: application/json\n\n${body}\n`,
        )
        .join('\n'),
    )
    const result = await runCli(['test', 'schemas.http', '--mock'], { cwd: dir })
    expect(result.stderr).toMatch(/5 passed, 0 failed\n$/)
  })
})
