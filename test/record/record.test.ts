// Record, replay, compare: a run recorded against the built-in server is replayed with that server
// stopped, and gives the same output and reports; `serve --replay` serves the recording to the
// official openai client; streams keep their pacing; `diff` finds what changed and only that.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { type MockServer, startMockServer } from '../../src/serve/server.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const root = join(import.meta.dirname, '..', '..')
let mock: MockServer | undefined
afterEach(async () => {
  await mock?.close()
  mock = undefined
})

/** The variables --mock would set, pointing at a server the test can stop. */
async function mockVars(): Promise<string[]> {
  mock = await startMockServer({ port: 0, host: '127.0.0.1' })
  return [
    '--var',
    `baseUrl=${mock.url}/v1`,
    '--var',
    `restUrl=${mock.url}/rest`,
    '--var',
    'model=reqchain-mock',
    '--var',
    'apiKey=sk-test-1234567890',
  ]
}

/** A JSON report without what differs from run to run: times, dates, ids the server makes up. */
function stable(path: string): unknown {
  const text = readFileSync(path, 'utf8')
    .replace(/"(startedAt|date|finishedAt|generatedAt|timestamp)": "[^"]*"/g, '"$1": "<time>"')
    .replace(/"(\w*(Ms|ms|Seconds|PerSecond))": [\d.e+-]+/g, '"$1": 0')
  return JSON.parse(text)
}

describe('record and replay', () => {
  it('replays a streamed chat, a tool call and a chain with their server stopped: same output, same reports', async () => {
    const vars = await mockVars()
    const dir = tempDir('record')
    const files = ['requests/chat-stream.http', 'requests/tools.http', 'requests/rest-crud.http']
    const recorded = await runCli(
      ['test', ...files, ...vars, '--record', join(dir, 'rec'), '--report', `json=${join(dir, 'recorded.json')}`],
      { cwd: root },
    )
    expect(recorded.exitCode, recorded.stderr).toBe(0)
    const index = JSON.parse(readFileSync(join(dir, 'rec', 'index.json'), 'utf8')) as { exchanges: unknown[] }
    expect(index.exchanges).toHaveLength(1 + 2 + 5)
    expect(readdirSync(join(dir, 'rec')).some((f) => f.includes('partial'))).toBe(false)
    // The secret never reaches the recording.
    for (const file of readdirSync(join(dir, 'rec')))
      expect(readFileSync(join(dir, 'rec', file), 'utf8')).not.toContain('sk-test-1234567890')
    await mock!.close()
    mock = undefined

    const replayed = await runCli(
      [
        'test',
        ...files,
        ...vars,
        '--replay',
        join(dir, 'rec'),
        '--replay-speed',
        '0',
        '--report',
        `json=${join(dir, 'replayed.json')}`,
      ],
      { cwd: root },
    )
    expect(replayed.exitCode, replayed.stderr).toBe(0)
    const lines = (text: string) =>
      text
        .replace(/ · \d+ ms/g, '')
        .replace(/ttfb \d+ ms · first token \d+ ms/g, '')
        .replace(/[\d.]+ tok\/s/g, '')
    expect(lines(replayed.stderr)).toBe(lines(recorded.stderr))
    expect(stable(join(dir, 'replayed.json'))).toEqual(stable(join(dir, 'recorded.json')))
  })

  it('replays whatever host the URL names, https included, and keeps secrets only with --show-secrets', async () => {
    const vars = await mockVars()
    const dir = tempDir('record')
    expect(
      (
        await runCli(['run', 'requests/chat.http', ...vars, '--record', join(dir, 'rec'), '--show-secrets'], {
          cwd: root,
        })
      ).exitCode,
    ).toBe(0)
    const exchange = readFileSync(
      join(
        dir,
        'rec',
        readdirSync(join(dir, 'rec')).find((f) => f.startsWith('0001'))!,
      ),
      'utf8',
    )
    expect(exchange).toContain('Bearer sk-test-1234567890')
    await mock!.close()
    mock = undefined
    const elsewhere = [
      '--var',
      'baseUrl=https://api.example.invalid/v1',
      '--var',
      'model=reqchain-mock',
      '--var',
      'apiKey=sk-other-key-999',
    ]
    const replayed = await runCli(
      [
        'run',
        'requests/chat.http',
        ...elsewhere,
        '--replay',
        join(dir, 'rec'),
        '-e',
        '$.choices[0].message.content',
        '-r',
      ],
      { cwd: root },
    )
    expect(replayed.exitCode, replayed.stderr).toBe(0)
    expect(replayed.stdout).toBe('The capital of France is Paris.\n')
    expect(replayed.stderr).toContain('POST https://api.example.invalid/v1/chat/completions → 200 OK')
  })

  it('fails a run that sends what the recording does not hold, saying what it expected', async () => {
    const vars = await mockVars()
    const dir = tempDir('record')
    expect(
      (await runCli(['run', 'requests/chat.http', ...vars, '--record', join(dir, 'rec')], { cwd: root })).exitCode,
    ).toBe(0)
    const result = await runCli(['run', 'requests/rest-crud.http', ...vars, '--replay', join(dir, 'rec')], {
      cwd: root,
    })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Not in the recording')
    expect(result.stderr).toContain('expected next: POST /v1/chat/completions')
  })

  it('serves a recording to the official openai client, stream and all, at the recorded pace or at once', async () => {
    // A stream with a pause between its pieces, as a model generating tokens.
    const slow = createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        const words = ['Par', 'is', '.']
        let i = 0
        const next = () => {
          if (i === words.length) {
            res.end('data: [DONE]\n\n')
            return
          }
          res.write(
            `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: words[i++] }, finish_reason: null }] })}\n\n`,
          )
          setTimeout(next, 150)
        }
        next()
      })
    })
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    const dir = tempDir('record')
    writeFileSync(
      join(dir, 'ask.http'),
      `POST http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1/chat/completions\nContent-Type: application/json\n\n{"model": "m", "stream": true, "messages": [{"role": "user", "content": "Capital of France?"}]}\n`,
    )
    const recorded = await runCli(['run', 'ask.http', '--record', 'rec'], { cwd: dir })
    expect(recorded.exitCode, recorded.stderr).toBe(0)
    slow.close()
    const exchange = JSON.parse(readFileSync(join(dir, 'rec', '0001-post-v1-chat-completions.json'), 'utf8')) as {
      response: { chunks: { at: number }[] }
    }
    expect(exchange.response.chunks.length).toBeGreaterThanOrEqual(3)
    expect(exchange.response.chunks.at(-1)!.at).toBeGreaterThan(350)

    for (const [speed, atLeast, atMost] of [
      [1, 350, 5000],
      [0, 0, 250],
    ] as const) {
      // The real executable, as a user starts it: it prints its URL, then serves until SIGINT.
      const serving = spawn(
        process.execPath,
        [join(root, 'dist', 'reqchain.js'), 'serve', '--replay', 'rec', '--port', '0', '--replay-speed', String(speed)],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      const url = await new Promise<string>((resolve, reject) => {
        serving.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))
        serving.once('exit', (code) => reject(new Error(`serve exited ${code}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'any', maxRetries: 0 })
      const started = Date.now()
      const stream = await openai.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      const took = Date.now() - started
      expect(text).toBe('Paris.')
      expect(took).toBeGreaterThanOrEqual(atLeast)
      expect(took).toBeLessThan(atMost)
      const exited = new Promise<number | null>((resolve) => serving.once('exit', resolve))
      serving.kill('SIGINT')
      expect(await exited).toBe(0)
    }
  })
})

describe('the recording format', () => {
  it('keeps text as text, binary as base64, a big body in a file of its own, and replays each byte for byte', async () => {
    const big = Buffer.alloc(600 * 1024, 'abcdefghij')
    const binary = Buffer.from([0, 255, 1, 254, 0x80, 0x81])
    const origin = createServer((req, res) => {
      req.resume().on('end', () => {
        if (req.url === '/big') {
          res.writeHead(200, { 'Content-Type': 'text/plain' })
          res.end(big)
        } else {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
          res.end(binary)
        }
      })
    })
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
    const dir = tempDir('record')
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`
    writeFileSync(join(dir, 'files.http'), `# @name big\nGET ${base}/big\n\n###\n# @name bin\nGET ${base}/bin\n`)
    expect((await runCli(['test', 'files.http', '--record', 'rec'], { cwd: dir })).exitCode).toBe(0)
    origin.close()
    const bigExchange = JSON.parse(readFileSync(join(dir, 'rec', '0001-big.json'), 'utf8')) as {
      response: { body: { file: string; size: number } }
    }
    expect(bigExchange.response.body).toEqual({ file: '0001-big.response', size: big.length })
    expect(readFileSync(join(dir, 'rec', '0001-big.response')).equals(big)).toBe(true)
    const binExchange = JSON.parse(readFileSync(join(dir, 'rec', '0002-bin.json'), 'utf8')) as {
      response: { body: { base64: string } }
    }
    expect(Buffer.from(binExchange.response.body.base64, 'base64').equals(binary)).toBe(true)
    const replayed = await runCli(['run', 'files.http#bin', '--replay', 'rec', '-o', 'out.bin'], { cwd: dir })
    expect(replayed.exitCode, replayed.stderr).toBe(0)
    expect(readFileSync(join(dir, 'out.bin')).equals(binary)).toBe(true)
    const same = await runCli(['diff', 'rec', '--replay', 'rec'], { cwd: dir })
    expect(same.exitCode, same.stderr).toBe(0)
  })

  it('leaves an older recording as it was when the new one cannot be finished', async () => {
    const vars = await mockVars()
    const dir = tempDir('record')
    expect(
      (await runCli(['run', 'requests/chat.http', ...vars, '--record', join(dir, 'rec')], { cwd: root })).exitCode,
    ).toBe(0)
    const before = readFileSync(join(dir, 'rec', 'index.json'), 'utf8')
    // Ctrl-C before the first response: the run ends at once, and the recording written is whole.
    const controller = new AbortController()
    controller.abort()
    const stopped = await runCli(['run', 'requests/chat.http', ...vars, '--record', join(dir, 'rec')], {
      cwd: root,
      signal: controller.signal,
    })
    expect(stopped.exitCode).toBe(130)
    const after = JSON.parse(readFileSync(join(dir, 'rec', 'index.json'), 'utf8')) as { exchanges: unknown[] }
    expect(after.exchanges.length).toBeLessThanOrEqual(
      (JSON.parse(before) as { exchanges: unknown[] }).exchanges.length,
    )
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([])
  })
})

describe('the replay server', () => {
  it('refuses a request body past 64 MiB instead of holding it', async () => {
    const { startReplayServer } = await import('../../src/record/replay.js')
    const server = await startReplayServer(
      {
        dir: '.',
        index: {
          format: 'reqchain-recording',
          version: 1,
          reqchain: '0',
          recordedAt: '',
          command: 'run',
          files: [],
          names: [],
          exchanges: [],
        },
        exchanges: [],
      },
      { port: 0, host: '127.0.0.1', speed: 0 },
    )
    try {
      const { upload } = await import('../helpers/upload.js')
      const result = await upload(`${server.url}/v1/upload`, 80, false)
      // Refused once 64 MiB have arrived: the reply may race the reset of the upload.
      if ('status' in result) expect(result.status).toBe(413)
      else expect(result.reset).toMatch(/ECONNRESET|EPIPE/)
    } finally {
      await server.close()
    }
  })
})

describe('compare with a recording', () => {
  it('leaves the server prompt cache counts and completion times out of a diff', async () => {
    let calls = 0
    const cacheServer = createServer((_req, res) => {
      calls++
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(
        JSON.stringify({
          object: 'response',
          status: 'completed',
          completed_at: 1796666000 + calls,
          output: [{ type: 'message', content: [{ type: 'output_text', text: 'Paris' }] }],
          usage: { input_tokens: 10, output_tokens: 1, input_tokens_details: { cached_tokens: calls * 3 } },
        }),
      )
    })
    await new Promise<void>((resolve) => cacheServer.listen(0, '127.0.0.1', resolve))
    try {
      const dir = tempDir('diff')
      const { port } = cacheServer.address() as AddressInfo
      writeFileSync(join(dir, 'r.http'), `POST http://127.0.0.1:${port}/v1/responses\n\n{"input": "x"}\n`)
      expect((await runCli(['run', 'r.http', '--record', 'rec'], { cwd: dir })).exitCode).toBe(0)
      const again = await runCli(['diff', 'rec'], { cwd: dir })
      expect(again.exitCode, again.stderr).toBe(0)
    } finally {
      await new Promise((resolve) => cacheServer.close(resolve))
    }
  })

  it('exits 0 for the same answers, 4 naming the path that changed, and leaves volatile fields out', async () => {
    const vars = await mockVars()
    const dir = tempDir('diff')
    mkdirSync(join(dir, 'api'))
    writeFileSync(
      join(dir, 'api', 'ask.http'),
      '# @name ask\nPOST {{baseUrl}}/chat/completions\nContent-Type: application/json\nAuthorization: Bearer {{apiKey}}\n\n{"model": "{{model}}", "messages": [{"role": "user", "content": "{{q}}"}]}\n',
    )
    const q = (text: string) => ['--var', `q=${text}`]
    expect(
      (
        await runCli(['run', 'api/ask.http', ...vars, ...q('What is the capital of France?'), '--record', 'rec'], {
          cwd: dir,
        })
      ).exitCode,
    ).toBe(0)
    // The same question: ids and creation times differ from the recording, and are left out.
    const same = await runCli(['diff', 'rec', ...vars, ...q('What is the capital of France?')], { cwd: dir })
    expect(same.exitCode, same.stderr).toBe(0)
    expect(same.stderr).toContain('1 passed, 0 failed')
    // Another question: the reply and its token counts changed.
    const changed = await runCli(['diff', 'rec', ...vars, ...q('Tell me a joke'), '--report', 'junit=diff.xml'], {
      cwd: dir,
    })
    expect(changed.exitCode, changed.stderr).toBe(4)
    expect(changed.stderr).toContain(
      '$.choices[0].message.content differs from the recording: was "The capital of France is Paris."',
    )
    expect(readFileSync(join(dir, 'diff.xml'), 'utf8')).toContain(
      '$.choices[0].message.content differs from the recording',
    )
    // A streamed reply, recorded by parallel chains, keeps its pacing and compares by its assembled message.
    writeFileSync(
      join(dir, 'api', 'stream.http'),
      'POST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "m", "stream": true, "messages": [{"role": "user", "content": "{{q}}"}]}\n',
    )
    writeFileSync(join(dir, 'rows.jsonl'), '{"q": "What is the capital of France?"}\n{"q": "Tell me a joke"}\n')
    expect(
      (
        await runCli(
          ['test', 'api/stream.http', ...vars, '--dataset', 'rows.jsonl', '--parallel', '2', '--record', 'streams'],
          { cwd: dir },
        )
      ).exitCode,
    ).toBe(0)
    for (const name of readdirSync(join(dir, 'streams')).filter((f) => f !== 'index.json')) {
      const recorded = JSON.parse(readFileSync(join(dir, 'streams', name), 'utf8')) as {
        response: { chunks?: { at: number; size: number }[]; body: { text: string } }
      }
      expect(recorded.response.chunks?.length, name).toBeGreaterThan(0)
      expect(recorded.response.chunks!.reduce((n, c) => n + c.size, 0)).toBe(
        Buffer.byteLength(recorded.response.body.text),
      )
    }
    // diff runs the recording's own dataset rows, unless told otherwise.
    const index = JSON.parse(readFileSync(join(dir, 'streams', 'index.json'), 'utf8')) as { dataset: unknown }
    expect(index.dataset).toEqual({ file: '../rows.jsonl' })
    const streams = await runCli(['diff', 'streams', ...vars], { cwd: dir })
    expect(streams.exitCode, streams.stderr).toBe(0)
    expect(streams.stderr).toMatch(/rows: (\d+) passed, 0 failed of \1/)
    // --ignore leaves the paths out.
    const ignored = await runCli(
      [
        'test',
        'api/ask.http',
        ...vars,
        ...q('Tell me a joke'),
        '--compare',
        'rec',
        '--ignore',
        '$.choices[*].message',
        '--ignore',
        '$.usage',
      ],
      { cwd: dir },
    )
    expect(ignored.exitCode, ignored.stderr).toBe(0)
  })

  it('diffs a recorded `run` of several files with captures flowing from one file to the next, as it was run', async () => {
    const vars = await mockVars()
    const dir = tempDir('diff')
    writeFileSync(
      join(dir, 'a.http'),
      '# @capture id = $.id\nPOST {{restUrl}}/items\nContent-Type: application/json\n\n{"name": "pen"}\n',
    )
    writeFileSync(join(dir, 'b.http'), 'GET {{restUrl}}/items/{{id}}\n')
    expect((await runCli(['run', 'a.http', 'b.http', ...vars, '--record', 'rec'], { cwd: dir })).exitCode).toBe(0)
    const diffed = await runCli(['diff', 'rec', ...vars], { cwd: dir })
    expect(diffed.exitCode, diffed.stderr).toBe(0)
    expect(diffed.stderr).toContain('2 passed, 0 failed')
  })

  it('refuses to record over a folder that is not a recording, or over the inputs', async () => {
    const dir = tempDir('record')
    writeFileSync(join(dir, 'a.http'), 'GET http://127.0.0.1:9/\n')
    mkdirSync(join(dir, 'notes'))
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me')
    const over = await runCli(['run', 'a.http', '--record', 'notes'], { cwd: dir })
    expect(over.exitCode).toBe(1)
    expect(over.stderr).toContain('--record notes holds files that are not a recording')
    const inputs = await runCli(['run', 'a.http', '--record', '.'], { cwd: dir })
    expect(inputs.exitCode).toBe(1)
    expect(inputs.stderr).toContain('would replace the request file a.http')
    expect(readFileSync(join(dir, 'notes', 'todo.txt'), 'utf8')).toBe('keep me')
    expect(existsSync(join(dir, 'a.http'))).toBe(true)
  })
})
