import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fixtureBody, replay } from '../helpers/fixtures.js'
import { StreamAssembler } from '../../src/send/assemble.js'
import { SseParser } from '../../src/send/sse.js'
import { runCli } from '../helpers/run-cli.js'
import { type Handler, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function requestFile(path = '/v1/chat/completions', extra = ''): string {
  const dir = tempDir('stream')
  writeFileSync(
    join(dir, 'chat.http'),
    `${extra}POST {{baseUrl}}${path}\nContent-Type: application/json\n\n{"stream": true, "messages": [{"role": "user", "content": "hi"}]}\n`,
  )
  return dir
}

/** A route that sends one content chunk, then stays silent for `ms`. */
function stallAfter(content: string, ms: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.write(`data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`)
    return new Promise((resolve) =>
      setTimeout(() => {
        res.end()
        resolve()
      }, ms),
    )
  }
}

const contentOf = (stdout: string) =>
  (JSON.parse(stdout) as { choices: { message: { content: string } }[] }).choices[0]!.message.content

describe('streams through the CLI', () => {
  it('assembles the same reply whether the recorded stream arrives whole or one byte at a time', async () => {
    const contents: string[] = []
    for (const size of [Infinity, 1, 7]) {
      server = await startServer({ 'POST /v1/chat/completions': (_req, res) => replay(res, 'chat-stream', size) })
      const result = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], { cwd: requestFile() })
      expect(result.exitCode).toBe(0)
      contents.push(contentOf(result.stdout))
      await server.close()
      server = undefined
    }
    expect(contents[0]!.length).toBeGreaterThan(20)
    expect(new Set(contents).size).toBe(1)
  })

  it('prints the reply live on a terminal, with a summary line', async () => {
    server = await startServer({ 'POST /v1/chat/completions': (_req, res) => replay(res, 'chat-stream-usage', 64) })
    const result = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], {
      cwd: requestFile(),
      tty: true,
    })
    expect(result.exitCode).toBe(0)
    const assembler = new StreamAssembler('sse')
    const parser = new SseParser()
    for (const event of [...parser.push(fixtureBody('chat-stream-usage')), ...parser.end()]) assembler.push(event)
    const expected = (assembler.result() as { choices: { message: { content: string } }[] }).choices[0]!.message.content
    expect(result.stdout).toBe(`${expected}\n`) // the text itself, as it arrived: not JSON
    expect(result.stderr).toMatch(
      /ttfb .* first token .* 43 chunks · 40 tokens( · [\d.]+ tok\/s)? · server 1295\.5 tok\/s \(prompt 4388\.3 tok\/s\)/,
    )
  })

  it('shows a streamed tool call live as name(arguments), its parenthesis closed', async () => {
    server = await startServer({ 'POST /v1/chat/completions': (_req, res) => replay(res, 'tools-stream', 16) })
    const result = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], {
      cwd: requestFile(),
      tty: true,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/\[tool call\] \w+\(\{.*\}\)\n$/s)
  })

  it('passes the stream through byte for byte with --raw', async () => {
    server = await startServer({ 'POST /v1/chat/completions': (_req, res) => replay(res, 'chat-stream', 100) })
    const result = await runCli(['run', 'chat.http', '--raw', '--var', `baseUrl=${server.url}`], { cwd: requestFile() })
    expect(result.exitCode).toBe(0)
    expect(result.stdoutBytes.equals(fixtureBody('chat-stream'))).toBe(true)
  })

  it('fails a stream that closes without [DONE], keeping the partial reply in output and report', async () => {
    const body = fixtureBody('chat-stream').toString()
    const cut = body.slice(0, body.indexOf('data: ', 2000))
    server = await startServer({
      'POST /v1/chat/completions': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end(cut)
      },
    })
    const dir = requestFile()
    const result = await runCli(
      ['run', 'chat.http', '--var', `baseUrl=${server.url}`, '--report', 'json=report.json'],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/The stream closed without `data: \[DONE\]` after \d+ chunks/)
    expect(contentOf(result.stdout).length).toBeGreaterThan(0)
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
    expect(report.steps[0].status).toBe('error')
    expect(report.steps[0].response.stream.ending).toBe('eof')
    expect(report.steps[0].response.assembled.choices[0].message.content).toBe(contentOf(result.stdout))
  })

  it('fails on an {"error": …} chunk mid-stream', async () => {
    server = await startServer({
      'POST /v1/chat/completions': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end(
          'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Par"}}]}\n\ndata: {"error":{"message":"model crashed"}}\n\n',
        )
      },
    })
    const result = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], { cwd: requestFile() })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain(
      'The server reported an error mid-stream after 2 chunks: {"message":"model crashed"}',
    )
    expect(contentOf(result.stdout)).toBe('Par')
  })

  it('times out when the stream goes quiet between chunks for longer than --timeout', async () => {
    server = await startServer({ 'POST /v1/chat/completions': stallAfter('slow', 3000) })
    const started = Date.now()
    const result = await runCli(['run', 'chat.http', '--timeout', '0.5', '--var', `baseUrl=${server.url}`], {
      cwd: requestFile(),
    })
    expect(result.exitCode).toBe(3)
    expect(Date.now() - started).toBeLessThan(2500)
    expect(result.stderr).toContain('Timed out')
    expect(contentOf(result.stdout)).toBe('slow')
  })

  it('stops on Ctrl-C: keeps what arrived, writes the reports, exits 130', async () => {
    server = await startServer({ 'POST /v1/chat/completions': stallAfter('half', 5000) })
    const dir = requestFile()
    writeFileSync(
      join(dir, 'chat.http'),
      readFileSync(join(dir, 'chat.http'), 'utf8').replace('{{baseUrl}}', server.url),
    )
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '../../dist/reqchain.js'), 'run', 'chat.http', '--report', 'junit=out/report.xml'],
      { cwd: dir },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    await new Promise((r) => setTimeout(r, 700))
    child.kill('SIGINT')
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(130)
    expect(stderr).toContain('Interrupted')
    expect(contentOf(stdout)).toBe('half')
    expect(existsSync(join(dir, 'out/report.xml'))).toBe(true)
    expect(readFileSync(join(dir, 'out/report.xml'), 'utf8')).toContain('<error message="Interrupted')
  })

  it('assembles Ollama NDJSON from the built-in server and chains it', async () => {
    const dir = tempDir('ollama')
    writeFileSync(
      join(dir, 'o.http'),
      '# @capture answer = $.message.content\nPOST {{ollamaUrl}}/api/chat\n\n{"model": "m", "messages": [{"role": "user", "content": "What is the capital of France?"}]}\n\n###\nPOST {{ollamaUrl}}/api/generate\n\n{"model": "m", "prompt": "{{answer}}", "stream": false}\n',
    )
    const result = await runCli(['run', 'o.http', '--mock', '--all'], { cwd: dir })
    expect(result.exitCode).toBe(0)
    const [chat] = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(chat).toMatchObject({
      message: { role: 'assistant', content: 'The capital of France is Paris.' },
      done: true,
    })
  })
})

describe('non-LLM event streams', () => {
  it('print event by event on a terminal and assemble into a list of events', async () => {
    server = await startServer({
      'GET /events': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end('event: price\nid: 1\ndata: {"p": 10}\n\n: keep-alive\n\nevent: price\nid: 2\ndata: {"p": 11}\n\n')
      },
    })
    const dir = tempDir('events')
    writeFileSync(
      join(dir, 'e.http'),
      '# @assert $.events count 2\n# @assert $.events[1].data.p == 11\nGET {{baseUrl}}/events\n',
    )
    const live = await runCli(['run', 'e.http', '--var', `baseUrl=${server.url}`], { cwd: dir, tty: true })
    expect(live.exitCode).toBe(0)
    expect(live.stdout).toBe('{"p": 10}\n{"p": 11}\n')
    const piped = await runCli(['run', 'e.http', '--var', `baseUrl=${server.url}`], { cwd: dir })
    expect(JSON.parse(piped.stdout)).toEqual({
      events: [
        { event: 'price', id: '1', data: { p: 10 } },
        { event: 'price', id: '2', data: { p: 11 } },
      ],
    })
  })
})

describe('Responses API and Anthropic Messages streams through the CLI', () => {
  for (const [name, path, fixture, marker, textPath] of [
    ['Responses', '/v1/responses', 'responses-stream', '`response.completed`', '$.output[0].content[0].text'],
    ['Anthropic Messages', '/v1/messages', 'messages-stream', '`message_stop`', '$.content[0].text'],
  ] as const) {
    it(`${name}: live text on a terminal, the assembled reply piped and for captures; a cut stream is exit 3 with the partial reply`, async () => {
      const body = fixtureBody(fixture)
      server = await startServer({
        [`POST ${path}`]: (_req, res) => replay(res, fixture, 32),
        [`POST ${path}/cut`]: (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' })
          res.end(body.subarray(0, body.indexOf('delta') + 400)) // a few deltas, then the connection closes
        },
      })
      const assembler = new StreamAssembler('sse')
      const parser = new SseParser()
      for (const event of [...parser.push(body), ...parser.end()]) assembler.push(event)
      const assembled = assembler.result()
      const text = JSON.stringify(assembled).match(/"text":("(?:[^"\\]|\\.)*")/)![1]
      const dir = requestFile(path, `# @capture reply = ${textPath}\n# @assert ${textPath} == ${text}\n`)
      const live = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], { cwd: dir, tty: true })
      expect(live.exitCode, live.stderr).toBe(0)
      expect(live.stdout).toBe(`${JSON.parse(text!) as string}\n`) // the text as it arrived, not events
      expect(live.stderr).toMatch(/first token .* 40 tokens/)
      const piped = await runCli(['run', 'chat.http', '--var', `baseUrl=${server.url}`], { cwd: dir })
      expect(piped.exitCode, piped.stderr).toBe(0)
      expect(JSON.parse(piped.stdout)).toEqual(assembled)
      writeFileSync(
        join(dir, 'cut.http'),
        `POST {{baseUrl}}${path}/cut\nContent-Type: application/json\n\n{"stream": true}\n`,
      )
      const cut = await runCli(['run', 'cut.http', '--var', `baseUrl=${server.url}`, '--report', 'json=r.json'], {
        cwd: dir,
      })
      expect(cut.exitCode).toBe(3)
      expect(cut.stderr).toContain(`The stream closed without ${marker}`)
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
        steps: { response: { assembled: unknown } }[]
      }
      expect(JSON.stringify(report.steps[0]!.response.assembled)).toMatch(/"text":"[^"]+"/)
    })
  }
})
