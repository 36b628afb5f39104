// Markdown documents as request files: the ```http blocks run in order against the built-in server,
// errors located at the document's own lines, the response blocks checked, and --update rewriting
// them — and nothing else — whole, idempotently. The project's README is one such document.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { markdownRequests } from '../../src/load/markdown.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const root = join(import.meta.dirname, '..', '..')
const chat = (question: string) =>
  `POST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "m", "messages": [{"role": "user", "content": "${question}"}]}`

describe('Markdown documents', () => {
  it('finds the request blocks: ``` and ~~~ fences, indented ones, nested ones left alone, skips, names, CRLF and a BOM', () => {
    const doc = [
      '\uFEFF# API',
      '',
      '```http name=first',
      'GET {{baseUrl}}/models',
      '```',
      '',
      '````markdown',
      'How to write one:',
      '```http',
      'GET https://example.invalid/not-a-request',
      '```',
      '````',
      '',
      '<!-- reqchain: skip -->',
      '```http',
      'GET https://example.invalid/skipped',
      '```',
      '',
      '```rest skip',
      'GET https://example.invalid/skipped-too',
      '```',
      '',
      '1. In a list:',
      '',
      '   ~~~http',
      '   GET {{baseUrl}}/indented',
      '   ~~~',
      '',
      '   ```json response',
      '   {"ok": true}',
      '   ```',
    ].join('\r\n')
    const { http, blocks } = markdownRequests(doc, 'doc.md')
    const lines = http.split('\n')
    expect(lines).toHaveLength(31)
    expect(lines[2]).toBe('### first')
    expect(lines[3]).toBe('GET {{baseUrl}}/models')
    expect(lines.filter((l) => l.includes('example.invalid'))).toEqual([])
    expect(lines[25]).toBe('GET {{baseUrl}}/indented')
    expect(blocks.map((b) => [b.openLine, b.closeLine, b.response?.openLine, b.response?.text])).toEqual([
      [3, 5, undefined, undefined],
      [25, 27, 29, '{"ok": true}'],
    ])
  })

  it('runs a document against the built-in server, checks its response blocks and locates errors in it', async () => {
    const dir = tempDir('docs')
    writeFileSync(
      join(dir, 'api.md'),
      [
        '# Chat',
        '',
        'Ask, and check the answer the document shows:',
        '',
        '```http name=ask',
        chat('What is the capital of France?'),
        '```',
        '',
        '```http response',
        'HTTP/1.1 200 OK',
        'Content-Type: application/json; charset=utf-8',
        '',
        '{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Lyon."}, "logprobs": null, "finish_reason": "stop"}], "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}',
        '```',
        '',
        'An example only (replies vary), checked by an assertion instead:',
        '',
        '```http',
        '# @assert reply contains "Paris"',
        chat('Once more: what is the capital of France?'),
        '```',
        '',
        '```json response example',
        '{"anything": "goes"}',
        '```',
        '',
      ].join('\n'),
    )
    const result = await runCli(['test', 'api.md', '--mock', '--report', 'junit=r.xml'], { cwd: dir })
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toContain(
      '$.choices[0].message.content differs from the document: it shows "The capital of France is Lyon.", the server said "The capital of France is Paris."',
    )
    expect(result.stderr).toContain('--> api.md:13:1')
    expect(result.stderr).toContain('1 passed, 1 failed')
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain('<testcase name="ask" classname="api.md"')
    // --ignore leaves the path out; an error inside a block is located at the document's line.
    const ignored = await runCli(['test', 'api.md', '--mock', '--ignore', '$.choices[*].message'], { cwd: dir })
    expect(ignored.exitCode, ignored.stderr).toBe(0)
    writeFileSync(join(dir, 'bad.md'), 'Text\n\n```http\nGET {{baseUrl}}/models\nnot a header\n```\n')
    const bad = await runCli(['test', 'bad.md', '--mock'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--> bad.md:5:1')
    // Words a block's info string may not hold, and a response block with no request before it, are located errors.
    for (const [doc, message, where] of [
      ['```http nmae=x\nGET {{baseUrl}}/models\n```\n', 'Unknown word `nmae=x` in the request block', 'odd.md:1:9'],
      [
        '```http\nGET {{baseUrl}}/models\n```\n\n```json response exmaple\n{}\n```\n',
        'Unknown word `exmaple` in the response block',
        'odd.md:5:18',
      ],
      ['Text\n\n```json response\n{}\n```\n', 'A response block with no request block right before it', 'odd.md:3:1'],
    ] as const) {
      writeFileSync(join(dir, 'odd.md'), doc)
      const odd = await runCli(['test', 'odd.md', '--mock'], { cwd: dir })
      expect(odd.exitCode, doc).toBe(2)
      expect(odd.stderr).toContain(message)
      expect(odd.stderr).toContain(`--> ${where}`)
    }
    // --ignore with nothing to compare says so.
    writeFileSync(join(dir, 'plain.http'), 'GET {{baseUrl}}/models\n')
    const ignoring = await runCli(['test', 'plain.http', '--mock', '--ignore', '$.x'], { cwd: dir })
    expect(ignoring.exitCode).toBe(1)
    expect(ignoring.stderr).toContain('--ignore goes with --compare DIR')
    // A folder runs its Markdown only when asked.
    mkdirSync(join(dir, 'folder'))
    writeFileSync(join(dir, 'folder', 'a.http'), 'GET {{baseUrl}}/models\n')
    writeFileSync(join(dir, 'folder', 'b.md'), '```http\nGET {{baseUrl}}/models\n```\n')
    const plain = await runCli(['test', 'folder', '--mock'], { cwd: dir })
    expect(plain.stderr).toContain('1 passed, 0 failed')
    const withDocs = await runCli(['test', 'folder', '--mock', '--markdown'], { cwd: dir })
    expect(withDocs.stderr).toContain('2 passed, 0 failed')
  })

  it('--update rewrites the response blocks and nothing else, keeps volatile values, adds blocks when asked, and is idempotent', async () => {
    const dir = tempDir('docs')
    const original = [
      '# API  ',
      '',
      '```http',
      chat('What is the capital of France?').replace(/\n/g, '\r\n'),
      '```',
      '',
      '```json response',
      '{"id": "chatcmpl-kept", "created": 1, "choices": []}',
      '```',
      'Trailing spaces stay.   ',
      '',
      '```http',
      'GET {{baseUrl}}/models',
      '```',
      '',
    ].join('\r\n')
    writeFileSync(join(dir, 'api.md'), original)
    const first = await runCli(['test', 'api.md', '--mock', '--update', '--add-responses'], { cwd: dir })
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stderr).toContain('updated api.md: 1 response block rewritten, 1 added')
    const updated = readFileSync(join(dir, 'api.md'), 'utf8')
    // The document's own bytes around the blocks are as they were: CRLF, trailing spaces.
    expect(updated.startsWith('# API  \r\n\r\n```http\r\n')).toBe(true)
    expect(updated).toContain('```\r\nTrailing spaces stay.   \r\n')
    expect(updated.split('\r\n').every((line) => !line.includes('\n'))).toBe(true)
    // Byte for byte the same but for what is inside the response blocks, and the block added at the end.
    const outsideResponses = (text: string) => text.replace(/(```json response\r\n)[\s\S]*?(```)/g, '$1$2')
    expect(outsideResponses(updated).replace(/\r\n```json response\r\n```\r\n$/, '')).toBe(outsideResponses(original))
    const json = JSON.parse(updated.split('```json response\r\n')[1]!.split('```')[0]!) as {
      id: string
      created: number
      choices: { message: { content: string } }[]
    }
    expect(json.id).toBe('chatcmpl-kept')
    expect(json.created).toBe(1)
    expect(json.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(updated).toMatch(/GET \{\{baseUrl\}\}\/models\r\n```\r\n\r\n```json response\r\n\{\r\n {2}"object": "list"/)
    // Checked against itself it passes; updated again, nothing changes.
    expect((await runCli(['test', 'api.md', '--mock'], { cwd: dir })).exitCode).toBe(0)
    const second = await runCli(['test', 'api.md', '--mock', '--update', '--add-responses'], { cwd: dir })
    expect(second.exitCode).toBe(0)
    expect(second.stderr).not.toContain('updated')
    expect(readFileSync(join(dir, 'api.md'), 'utf8')).toBe(updated)
    const refused = await runCli(['test', 'api.md', '--mock', '--add-responses'], { cwd: dir })
    expect(refused.stderr).toContain('--add-responses goes with --update')
  })

  it("runs the README's examples against the built-in server and checks the responses it shows", async () => {
    const result = await runCli(['test', 'README.md', '--mock'], { cwd: root })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/\b[1-9]\d* passed, 0 failed/)
    // The models example has its status assertion and its response block's check.
    expect(result.stderr).toMatch(/✓ models: GET .* 2\/2 assertions README\.md:\d+/)
  })

  it('renders a document as an API reference: the prose before a block as its description, the request as written and as sent', async () => {
    const dir = tempDir('docs')
    writeFileSync(
      join(dir, 'api.md'),
      '# Models\n\nLists the models the server has loaded.\n\nEach has an `id`.\n\n```http name=models\nGET {{baseUrl}}/models\n```\n',
    )
    writeFileSync(
      join(dir, 'chat.http'),
      '### ask\n# Asks the capital of France;\n# the reply names it.\n# @assert status == 200\nGET {{baseUrl}}/models\n',
    )
    const result = await runCli(['test', 'api.md', 'chat.http', '--mock', '--report', 'html=r.html'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    const html = readFileSync(join(dir, 'r.html'), 'utf8')
    expect(html).toContain('<p class="note">Each has an `id`.</p>')
    expect(html).not.toContain('Lists the models the server has loaded.')
    expect(html).toContain('<p class="note">Asks the capital of France;\nthe reply names it.</p>')
    expect(html).toContain(
      '<details class="written"><summary>As written</summary><pre>GET {{baseUrl}}/models</pre></details>',
    )
    expect(html).toMatch(/<pre class="http">GET http:\/\/127\.0\.0\.1:\d+\/v1\/models/)
  })
})
