// The fault matrix: servers that lie and files that are wrong, each from a real loopback peer of
// the test's own (a raw `net` server where HTTP itself must be broken, a TLS server with the test
// certificates), asserting the exit code, the message and what was kept. Never exit 70.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { startRawServer, startTlsServer } from '../helpers/raw-server.js'
import { type Routes, type TestServer, json, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function serve(routes: Routes): Promise<TestServer> {
  const server = await startServer(routes)
  closers.push(server.close)
  return server
}

function dirWith(files: Record<string, string | Buffer>): string {
  const dir = tempDir('faults')
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const SECRET = 'sk-live-0123456789abcdef'
const SECRET_HEADERS = [
  'Authorization',
  'Proxy-Authorization',
  'Cookie',
  'X-Api-Key',
  'Api-Key',
  'X-Auth-Token',
  'X-Goog-Api-Key',
]

describe('redirects never carry credentials to another origin', () => {
  it('drops every secret header, and every header holding a secret, on 301/302/303/307/308 to another origin', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      const other = await serve({ '* /landing': (_req, res) => json(res, { ok: true }) })
      const origin = await serve({
        '* /start': (_req, res) => {
          res.writeHead(status, { Location: `${other.url}/landing` })
          res.end()
        },
      })
      const headers = SECRET_HEADERS.map((h) => `${h}: ${h === 'Authorization' ? 'Bearer ' : ''}{{apiKey}}`).join('\n')
      const dir = dirWith({
        '.env': `apiKey=${SECRET}\n`,
        'r.http': `GET {{base}}/start\n${headers}\nX-Custom: key={{apiKey}}\nX-Trace: kept\n`,
      })
      const result = await runCli(['run', 'r.http', '--var', `base=${origin.url}`], { cwd: dir })
      expect(result.exitCode, result.stderr).toBe(0)
      expect(origin.calls[0]!.headers['x-api-key']).toBe(SECRET) // sent to its own origin…
      const landed = other.calls[0]!
      for (const name of [...SECRET_HEADERS, 'X-Custom'])
        expect(landed.headers[name.toLowerCase()], `${name} after ${status}`).toBeUndefined()
      expect(landed.headers['x-trace']).toBe('kept')
    }
  })

  it('keeps the headers on a redirect within the same origin', async () => {
    const server = await serve({
      'GET /start': (_req, res) => {
        res.writeHead(302, { Location: '/landing' })
        res.end()
      },
      'GET /landing': (_req, res) => json(res, {}),
    })
    const dir = dirWith({ '.env': `apiKey=${SECRET}\n`, 'r.http': 'GET {{base}}/start\nX-Api-Key: {{apiKey}}\n' })
    expect((await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })).exitCode).toBe(0)
    expect(server.calls[1]!.headers['x-api-key']).toBe(SECRET)
  })

  it('refuses a 307 that would re-send a body holding a secret to another origin', async () => {
    const other = await serve({ '* /landing': (_req, res) => json(res, {}) })
    const origin = await serve({
      'POST /start': (_req, res) => {
        res.writeHead(307, { Location: `${other.url}/landing` })
        res.end()
      },
    })
    const dir = dirWith({
      '.env': `password=${SECRET}\n`,
      'r.http': 'POST {{base}}/start\nContent-Type: application/json\n\n{"password": "{{password}}"}\n',
    })
    const result = await runCli(['run', 'r.http', '--var', `base=${origin.url}`], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('would re-send a body that holds a secret')
    expect(other.calls).toHaveLength(0)
    expect(result.stderr).not.toContain(SECRET)
  })

  it('does not follow https → http unless --allow-http-redirect, and then without secret headers', async () => {
    const plain = await serve({ 'GET /landing': (_req, res) => json(res, { plain: true }) })
    const tls = await startTlsServer((_req, res) => {
      res.writeHead(302, { Location: `${plain.url}/landing` })
      res.end()
    })
    closers.push(tls.close)
    const dir = dirWith({
      '.env': `apiKey=${SECRET}\n`,
      'r.http': 'GET {{base}}/start\nAuthorization: Bearer {{apiKey}}\n',
    })
    const refused = await runCli(['run', 'r.http', '-k', '--var', `base=${tls.url}`], { cwd: dir })
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toContain('redirected from https to plain http')
    expect(refused.stderr).toContain('--allow-http-redirect')
    expect(plain.calls).toHaveLength(0)
    const allowed = await runCli(['run', 'r.http', '-k', '--allow-http-redirect', '--var', `base=${tls.url}`], {
      cwd: dir,
    })
    expect(allowed.exitCode).toBe(0)
    expect(plain.calls[0]!.headers.authorization).toBeUndefined()
  })

  it('ends a redirect loop with "too many redirects" (exit 3), as curl does', async () => {
    const server = await serve({
      'GET /a': (_req, res) => {
        res.writeHead(302, { Location: '/b' })
        res.end()
      },
      'GET /b': (_req, res) => {
        res.writeHead(302, { Location: '/a' })
        res.end()
      },
    })
    const dir = dirWith({ 'r.http': 'GET {{base}}/a\n' })
    const result = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Too many redirects: more than 10 (the server sends the same URLs round in a loop)')
    expect(server.calls).toHaveLength(11)
    const fewer = await runCli(['run', 'r.http', '--max-redirs', '2', '--var', `base=${server.url}`], { cwd: dir })
    expect(fewer.stderr).toContain('more than 2')
  })

  it('names a malformed or non-http Location (exit 3), never a crash', async () => {
    for (const location of ['http://[::1', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const raw = await startRawServer((socket) => {
        socket.end(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`)
      })
      closers.push(raw.close)
      const dir = dirWith({ 'r.http': 'GET {{base}}/x\n' })
      const result = await runCli(['run', 'r.http', '--var', `base=${raw.url}`], { cwd: dir })
      expect(result.exitCode, location).toBe(3)
      expect(result.stderr).toMatch(/redirected to (an invalid URL|a `\w+:` URL)/)
    }
  })
})

describe('memory stays bounded whatever the server sends', () => {
  it('stops a gzip bomb at the inflate ratio, and any body at --max-filesize', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024))
    const server = await serve({
      'GET /bomb': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
        res.end(bomb)
      },
      'GET /big': (_req, res) => {
        res.writeHead(200)
        res.end(Buffer.alloc(300 * 1024))
      },
    })
    const dir = dirWith({ 'bomb.http': 'GET {{base}}/bomb\n', 'big.http': 'GET {{base}}/big\n' })
    const stopped = await runCli(['run', 'bomb.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(stopped.exitCode).toBe(3)
    expect(stopped.stderr).toContain('inflates more than 100×')
    expect(
      (
        await runCli(['run', 'bomb.http', '--max-inflate-ratio', '0', '-q', '--var', `base=${server.url}`], {
          cwd: dir,
        })
      ).exitCode,
    ).toBe(0)
    const large = await runCli(['run', 'big.http', '--max-filesize', '100k', '--var', `base=${server.url}`], {
      cwd: dir,
    })
    expect(large.exitCode).toBe(3)
    expect(large.stderr).toContain('larger than --max-filesize 100k')
    expect(
      (await runCli(['run', 'big.http', '--max-filesize', '1M', '-q', '--var', `base=${server.url}`], { cwd: dir }))
        .exitCode,
    ).toBe(0)
    expect(
      (await runCli(['run', 'big.http', '--max-filesize', 'lots', '--var', `base=${server.url}`], { cwd: dir }))
        .exitCode,
    ).toBe(1)
  })

  it('receives a large body of declared length whole, into one buffer', async () => {
    const body = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => i % 251))
    const server = await serve({
      'GET /big': (_req, res) => {
        res.writeHead(200, { 'Content-Length': String(body.length) })
        res.end(body)
      },
    })
    const dir = dirWith({ 'r.http': '# @assert status == 200\nGET {{base}}/big\n' })
    const result = await runCli(['run', 'r.http', '-o', 'out.bin', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(readFileSync(join(dir, 'out.bin')).equals(body)).toBe(true)
  })

  it('parses a 40 MB SSE data line in linear time', async () => {
    const text = 'x'.repeat(40 * 1024 * 1024)
    const server = await serve({
      'POST /v1/chat/completions': async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        const line = `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${text}"}}]}\n\n`
        for (let i = 0; i < line.length; i += 16384) res.write(line.slice(i, i + 16384))
        res.end('data: [DONE]\n\n')
      },
    })
    const dir = dirWith({
      'r.http': 'POST {{base}}/v1/chat/completions\nContent-Type: application/json\n\n{"stream": true}\n',
    })
    const started = Date.now()
    const result = await runCli(['run', 'r.http', '-q', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(0)
    expect(Date.now() - started).toBeLessThan(8000) // 34 s when every chunk rescanned the buffer
  })
})

describe('broken HTTP and broken streams end in words, with what arrived kept', () => {
  it('says the server closed the connection mid-chunk, after how many chunks', async () => {
    const raw = await startRawServer((socket) => {
      const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`
      const event = (content: string) =>
        `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(event('Par'))}${chunk(event('is'))}${chunk(event(' is'))}`,
      )
      socket.end('40\r\ndata: {"obj') // a chunk that promises 64 bytes and stops
    })
    closers.push(raw.close)
    const dir = dirWith({
      'r.http': 'POST {{base}}/v1/chat/completions\nContent-Type: application/json\n\n{"stream": true}\n',
    })
    const result = await runCli(['run', 'r.http', '--report', 'json=r.json', '--var', `base=${raw.url}`], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('The server closed the connection after 3 chunks')
    expect(result.stderr).not.toContain('Invalid EOF')
    expect(JSON.parse(result.stdout).choices[0].message.content).toBe('Paris is')
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).steps[0].error.code).toBe('STREAM_INCOMPLETE')
  })

  it('fails an OpenAI stream on a chunk that is not JSON, and on the standard `event: error`', async () => {
    const good = 'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
    for (const bad of ['data: <html>502 Bad Gateway</html>\n\n', 'event: error\ndata: {"message":"overloaded"}\n\n']) {
      const server = await serve({
        'POST /v1/chat/completions': (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' })
          res.end(`${good}${bad}data: [DONE]\n\n`)
        },
      })
      const dir = dirWith({
        'r.http': 'POST {{base}}/v1/chat/completions\nContent-Type: application/json\n\n{"stream": true}\n',
      })
      const result = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
      expect(result.exitCode, bad).toBe(3)
      expect(result.stderr).toMatch(/The server reported an error mid-stream after \d chunks/)
      expect(JSON.parse(result.stdout).choices[0].message.content).toBe('Hi')
    }
  })

  it('names malformed HTTP from the server (exit 3)', async () => {
    const raw = await startRawServer((socket) => {
      socket.end('HTTP/1.1 2OO OK\r\n\r\n')
    })
    closers.push(raw.close)
    const dir = dirWith({ 'r.http': 'GET {{base}}/x\n' })
    const result = await runCli(['run', 'r.http', '--var', `base=${raw.url}`], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('The server sent malformed HTTP')
  })
})

describe('time limits are validated, and any sane large value works', () => {
  it('rejects sub-millisecond, infinite and absurd limits as usage errors (exit 1)', async () => {
    const dir = dirWith({ 'r.http': 'GET http://127.0.0.1:9/\n' })
    for (const value of ['0.0005', '1e300', 'Infinity', '-1', 'abc']) {
      for (const flag of ['--timeout', '--max-time', '--idle-timeout']) {
        const result = await runCli(['run', 'r.http', flag, value], { cwd: dir })
        expect(result.exitCode, `${flag} ${value}`).toBe(1)
        expect(result.stderr).toContain(flag)
      }
    }
  })

  it('rejects a bad # @timeout as a load error (exit 2), and accepts a long one', async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, {}) })
    for (const value of ['1e300', 'Infinity', '0.0001', 'soon']) {
      const dir = dirWith({ 'r.http': `# @timeout ${value}\nGET {{base}}/x\n` })
      const result = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
      expect(result.exitCode, value).toBe(2)
      expect(result.stderr).toContain('r.http:1:')
    }
    const dir = dirWith({ 'r.http': '# @timeout 5000000\nGET {{base}}/x\n' })
    expect((await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })).exitCode).toBe(0)
    expect(
      (await runCli(['run', 'r.http', '--timeout', '5000000', '--var', `base=${server.url}`], { cwd: dir })).exitCode,
    ).toBe(0)
  })

  it('times the whole request with --max-time and the silences with --idle-timeout', async () => {
    const server = await serve({
      'GET /trickle': async (_req, res) => {
        res.writeHead(200)
        for (let i = 0; i < 8; i++) {
          res.write('.')
          await new Promise((r) => setTimeout(r, 100))
        }
        res.end()
      },
    })
    const dir = dirWith({ 'r.http': 'GET {{base}}/trickle\n' })
    const whole = await runCli(['run', 'r.http', '--max-time', '0.4', '--var', `base=${server.url}`], { cwd: dir })
    expect(whole.exitCode).toBe(3)
    expect(whole.stderr).toContain('no complete response within 0.4 s')
    const idle = await runCli(
      ['run', 'r.http', '--idle-timeout', '0.5', '--max-time', '5', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(idle.exitCode).toBe(0) // never silent for 0.5 s, though it takes 0.8 s in all
  })
})

describe('outputs never replace inputs, and their failures are said', () => {
  it('refuses a report or -o that names an input of the run, before sending', async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, {}) })
    const dir = dirWith({
      '.env': 'apiKey=sk-123456\n',
      'body.json': '{}',
      'post.js': 'client.log(1)',
      'prompt.txt': 'Say hi',
      'cat.png': 'png',
      'r.http':
        'POST {{base}}/x\nContent-Type: application/json\n\n< ./body.json\n\n> ./post.js\n\n###\nPOST {{base}}/x\n\n{"p": "{{file \'prompt.txt\'}}", "i": "{{dataUrl "cat.png"}}"}\n',
    })
    writeFileSync(join(dir, 'http-client.env.json'), '{"dev": {}}')
    for (const [args, clash] of [
      [['--report', 'junit=.env'], '.env'],
      [['--report', 'json=r.http'], 'the request file r.http'],
      [['-o', 'body.json'], 'the body file ./body.json'],
      [['--report', 'markdown=http-client.env.json'], 'an environment file'],
      [['--report', 'json=a.json', '--report', 'junit=a.json'], 'name the same file'],
      [['--report', 'json=post.js'], 'the script file ./post.js'],
      [['-o', 'prompt.txt'], 'the file prompt.txt that {{file}} reads'],
      [['--report', 'html=cat.png'], 'the file cat.png that {{dataUrl}} reads'],
      [['--cookie-jar', 'jar.txt', '-o', 'jar.txt'], 'name the same file'],
    ] as const) {
      const result = await runCli(['run', 'r.http', ...args, '--var', `base=${server.url}`], { cwd: dir })
      expect(result.exitCode, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toContain(clash)
    }
    expect(server.calls).toHaveLength(0)
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('apiKey=sk-123456\n')
    expect(readFileSync(join(dir, 'post.js'), 'utf8')).toBe('client.log(1)')
    expect(readFileSync(join(dir, 'prompt.txt'), 'utf8')).toBe('Say hi')
  })

  it('checks -o before sending, and a full disk is exit 3', async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, { a: 1 }) })
    const dir = dirWith({ 'r.http': 'GET {{base}}/x\n' })
    mkdirSync(join(dir, 'sub'))
    for (const target of ['missing/out.json', 'sub']) {
      const result = await runCli(['run', 'r.http', '-o', target, '--var', `base=${server.url}`], { cwd: dir })
      expect(result.exitCode, target).toBe(1)
    }
    expect(server.calls).toHaveLength(0)
    const full = await runCli(['run', 'r.http', '-o', '/dev/full', '--var', `base=${server.url}`], { cwd: dir })
    expect(full.exitCode).toBe(3)
    expect(full.stderr).toContain('Cannot write the body to /dev/full (ENOSPC)')
    for (const target of ['/proc/x', '/proc/self/status']) {
      const proc = await runCli(['run', 'r.http', '-o', target, '--var', `base=${server.url}`], { cwd: dir })
      expect(proc.exitCode, target).toBe(3)
      expect(proc.stderr).toContain(`Cannot write the body to ${target}`)
    }
  })

  it("writes the reports it can, says which failed, and keeps the run's own exit code", async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, { a: 1 }) })
    const dir = dirWith({
      'r.http': '# @assert $.a == 2\nGET {{base}}/x\n',
      blocker: 'a file where a folder should be',
    })
    const result = await runCli(
      ['test', 'r.http', '--report', 'junit=blocker/r.xml', '--report', 'json=r.json', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toContain('Cannot write the report')
    expect(existsSync(join(dir, 'r.json'))).toBe(true)
  })
})

describe('no silent passes', () => {
  it('makes a misspelled directive a located load error with the directive meant', async () => {
    for (const [written, meant] of [
      ['asert', 'assert'],
      ['captures', 'capture'],
      ['tiemout', 'timeout'],
    ]) {
      const dir = dirWith({ 'r.http': `# @${written} status == 200\nGET http://127.0.0.1:9/\n` })
      const result = await runCli(['test', 'r.http'], { cwd: dir })
      expect(result.exitCode, written).toBe(2)
      expect(result.stderr).toContain(`Unknown directive \`@${written}\``)
      expect(result.stderr).toContain(`did you mean \`@${meant}\``)
      expect(result.stderr).toContain('r.http:1:3')
    }
  })

  it('makes an undefined variable a located error whatever helper or block it is passed to', async () => {
    const server = await serve({ 'POST /x': (_req, res) => json(res, {}) })
    const cases = [
      ['{"q": "{{urlencode missing}}"}', 'missing'],
      ['{"t": {{default}}}', 'default'],
      ['{"t": "{{default temperature}}"}', '`default` needs a fallback value'],
      ['[{{#each mesages}}{{json this}}{{/each}}]', 'mesages'],
      ['{"m": {{json call}}}', 'call'],
    ]
    for (const [body, named] of cases) {
      const dir = dirWith({ 'r.http': `POST {{base}}/x\nContent-Type: application/json\n\n${body}\n` })
      const result = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
      expect(result.exitCode, body).toBe(3)
      expect(result.stderr, body).toContain(named!)
      expect(result.stderr, body).toContain('r.http:4:')
    }
    expect(server.calls).toHaveLength(0)
  })

  it('keeps {{#if x}} and {{default x 1}} working on an unset x', async () => {
    const server = await serve({ 'POST /x': (_req, res, body) => json(res, JSON.parse(body.toString())) })
    const dir = dirWith({
      'r.http':
        'POST {{base}}/x\nContent-Type: application/json\n\n{"t": {{default temperature 0.7}}{{#if extra}}, "extra": 1{{/if}}}\n',
    })
    const result = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ t: 0.7 })
  })

  it('fails a JSON body that a value broke, before sending; --allow-invalid-json sends it', async () => {
    const server = await serve({ 'POST /x': (_req, res) => json(res, {}) })
    const dir = dirWith({ 'r.http': 'POST {{base}}/x\nContent-Type: application/json\n\n{"n": {{n}}}\n' })
    const result = await runCli(['run', 'r.http', '--var', 'n=abc', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('The body is not valid JSON once rendered')
    expect(result.stderr).toContain('r.http:4:1')
    expect(server.calls).toHaveLength(0)
    expect(
      (await runCli(['run', 'r.http', '--var', 'n=42', '--var', `base=${server.url}`], { cwd: dir })).exitCode,
    ).toBe(0)
    expect(
      (
        await runCli(['run', 'r.http', '--allow-invalid-json', '--var', 'n=abc', '--var', `base=${server.url}`], {
          cwd: dir,
        })
      ).exitCode,
    ).toBe(0)
    expect(server.calls.map((c) => c.body.toString())).toEqual(['{"n": 42}', '{"n": abc}'])
  })

  it('matches a quoted regex with backslashes', async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, { token: 'tok-123' }) })
    const dir = dirWith({
      'r.http':
        '# @assert $.token matches "^tok-\\d+$"\n# @assert $.token not matches "^tok-\\d{4}$"\nGET {{base}}/x\n',
    })
    const result = await runCli(['test', 'r.http', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
  })

  it('stops every file at the first failure with test --parallel N --bail', async () => {
    const server = await serve({
      'GET /fail': (_req, res) => json(res, {}, 500),
      'GET /slow': (_req, res) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            json(res, {})
            resolve()
          }, 200),
        ),
    })
    const files: Record<string, string> = { 'a.http': '# @assert status == 200\nGET {{base}}/fail\n' }
    for (const name of ['b', 'c', 'd'])
      files[`${name}.http`] = 'GET {{base}}/slow\n\n###\nGET {{base}}/slow\n\n###\nGET {{base}}/slow\n'
    const dir = dirWith(files)
    const result = await runCli(['test', '.', '--parallel', '2', '--bail', '--var', `base=${server.url}`], { cwd: dir })
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toMatch(/skipped\n$/)
    expect(server.calls.length).toBeLessThanOrEqual(3) // a.http's request and at most two of b.http's
  })
})

describe('never a stack trace for bad input', () => {
  it('reads a stream whose first chunk holds a null choice, without a crash', async () => {
    const server = await serve({
      'POST /s': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end(
          'data: {"choices":[null]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n',
        )
      },
    })
    const dir = dirWith({ 's.http': `POST ${server.url}/s\nContent-Type: application/json\n\n{"stream": true}\n` })
    const result = await runCli(['run', 's.http'], { cwd: dir })
    expect(result.stderr).not.toMatch(/crashed|Cannot read properties/)
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('"content":"hi"')
  })

  it('cuts a code frame of a 1 MB line to a window around the error, caret in place', async () => {
    const dir = dirWith({
      'big.json': `{"url": "http://127.0.0.1:9/", "json": {"pad": "${'x'.repeat(1024 * 1024)}", "bad": tru}}`,
    })
    const result = await runCli(['run', 'big.json'], { cwd: dir })
    expect(result.exitCode).toBe(2)
    expect(result.stderr.length).toBeLessThan(2000)
    const lines = result.stderr.split('\n')
    const frame = lines.findIndex((l) => /^\d+ \| …/.test(l))
    expect(frame).toBeGreaterThan(0)
    const caret = lines[frame + 1]!.indexOf('^')
    expect(lines[frame]!.slice(caret, caret + 3)).toBe('tru')
  })

  it('sends a __proto__ key of a JSON body as data, in .http and JSON request files alike', async () => {
    const server = await serve({
      'POST /p': (_req, res) => {
        res.end('{}')
      },
    })
    const dir = dirWith({
      'p.http': `POST ${server.url}/p\nContent-Type: application/json\n\n{"__proto__": {"admin": true}, "n": {{$randomInt 1 2}}}\n`,
      'p.json': `{"url": "${server.url}/p", "method": "POST", "json": {"__proto__": {"admin": true}, "n": "{{$randomInt 1 2}}"}}`,
    })
    for (const file of ['p.http', 'p.json']) {
      const before = server.calls.length
      expect((await runCli(['run', file], { cwd: dir })).exitCode, file).toBe(0)
      expect(JSON.parse(server.calls[before]!.body.toString('utf8')), file).toEqual(
        JSON.parse('{"__proto__": {"admin": true}, "n": 1}'),
      )
    }
  })

  it('refuses random values too large to make, at their place: a billion characters, a range past 2^48', async () => {
    for (const [template, message] of [
      ['{{$random.alphanumeric(1e9)}}', 'the length must be a whole number from 0 to 1048576'],
      ['{{$randomInt 1 1e20}}', 'is too wide'],
      ['{{$random.integer -1e300 5}}', 'is too wide'],
    ]) {
      const dir = dirWith({ 'r.http': `GET http://127.0.0.1:9/?a=${template}\n` })
      const result = await runCli(['run', 'r.http'], { cwd: dir })
      expect(result.stderr, template).toContain(message)
      expect(result.stderr).toContain('r.http:1:27')
      expect(result.exitCode, template).toBe(3)
    }
  })

  it('locates JSON request and environment files nested too deeply (exit 2)', async () => {
    const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`
    const dir = dirWith({
      'r.json': `{"url": "http://127.0.0.1:9/", "json": ${deep}}`,
      'e.http': 'GET http://127.0.0.1:9/\n',
      'http-client.env.json': `{"dev": {"a": ${deep}}}`,
    })
    const request = await runCli(['run', 'r.json'], { cwd: dir })
    expect(request.exitCode).toBe(2)
    expect(request.stderr).toContain('JSON nested deeper than 512 levels')
    const env = await runCli(['run', 'e.http', '--env', 'dev'], { cwd: dir })
    expect(env.exitCode).toBe(2)
  })

  it('handles a deeply nested response on a terminal, in --extract and in reports', async () => {
    const deep = `${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}`
    const server = await serve({
      'GET /deep': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(deep)
      },
    })
    const dir = dirWith({ 'r.http': 'GET {{base}}/deep\n', 'c.http': '# @capture a = $.a\nGET {{base}}/deep\n' })
    const terminal = await runCli(['run', 'r.http', '--var', `base=${server.url}`], { cwd: dir, tty: true })
    expect(terminal.exitCode).toBe(0)
    expect(terminal.stdout.length).toBeGreaterThan(deep.length - 10)
    const extract = await runCli(['run', 'r.http', '-e', '$..a', '--var', `base=${server.url}`], { cwd: dir })
    expect([0, 3]).toContain(extract.exitCode)
    const captured = await runCli(['run', 'c.http', '--report', 'json=r.json', '--var', `base=${server.url}`], {
      cwd: dir,
    })
    expect([0, 3]).toContain(captured.exitCode)
    expect(captured.stderr).not.toContain('reqchain crashed')
    expect(existsSync(join(dir, 'r.json'))).toBe(true)
  })

  it('limits how deep template blocks nest', async () => {
    const dir = dirWith({
      'r.http': `POST http://127.0.0.1:9/\n\n${'{{#if a}}'.repeat(10000)}x${'{{/if}}'.repeat(10000)}\n`,
    })
    const started = Date.now()
    const result = await runCli(['run', 'r.http', '--var', 'a=1'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Blocks nest deeper than 64 levels')
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('refuses body files that are devices, FIFOs or directories, at their line, when the request renders (nothing is read from them)', async () => {
    const dir = dirWith({})
    mkdirSync(join(dir, 'folder'))
    execFileSync('mkfifo', [join(dir, 'fifo')])
    for (const target of ['/dev/zero', './fifo', './folder']) {
      writeFileSync(join(dir, 'r.http'), `POST http://127.0.0.1:9/\n\n< ${target}\n`)
      const result = await runCli(['run', 'r.http', '--file-root', '/'], { cwd: dir }) // /dev is outside the file's own root
      expect(result.exitCode, target).toBe(3)
      expect(result.stderr).toContain('r.http:3:1')
      expect(result.stderr).toMatch(/Body file \.?\/?\S+ (is not a regular file|is a directory)/)
    }
  })
})

describe('signals and closed streams', () => {
  const bin = join(import.meta.dirname, '..', '..', 'dist', 'reqchain.js')

  it('writes the reports on SIGTERM and exits 143', async () => {
    const server = await serve({ 'GET /slow': () => new Promise(() => {}) })
    const dir = dirWith({ 'r.http': 'GET {{base}}/slow\n' })
    const child = spawn(
      process.execPath,
      [bin, 'run', 'r.http', '--report', 'json=r.json', '--var', `base=${server.url}`],
      { cwd: dir, stdio: 'ignore' },
    )
    await new Promise((r) => setTimeout(r, 500))
    child.kill('SIGTERM')
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(143)
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).summary.interrupted).toBe(true)
  })

  it("keeps the run's exit code when stderr is closed", async () => {
    const server = await serve({ 'GET /x': (_req, res) => json(res, { ok: true }) })
    const dir = dirWith({ 'r.http': 'GET {{base}}/x\n' })
    const child = spawn(process.execPath, [bin, 'run', 'r.http', '-v', '--var', `base=${server.url}`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stderr.destroy()
    child.stdout.resume()
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(0)
  })
})
