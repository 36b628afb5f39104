// The HTML report, loaded in a real headless browser (Chromium from Debian's packages): the DOM it
// builds, its script run, its links resolved, nothing fetched from anywhere, and secrets masked.
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, json, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((name) => {
  try {
    execFileSync('which', [name], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function domOf(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    chromium!,
    ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=2000', '--dump-dom', `file://${file}`],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  )
  return stdout
}

describe('--report html', () => {
  it.runIf(chromium !== undefined)(
    'is one self-contained page that a browser renders: contents, requests, curl, streams, assertions, timings (needs Chromium: apt-get install chromium)',
    async () => {
      server = await startServer({
        'POST /login': (_req, res) => json(res, { token: 'tok-secret-42' }),
        'GET /stream': (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' })
          res.end('data: {"choices":[{"index":0,"delta":{"content":"Paris <b>is</b> it"}}]}\n\ndata: [DONE]\n\n')
        },
        'GET /missing': (_req, res) => json(res, { error: 'nope' }, 404),
      })
      const dir = tempDir('html')
      writeFileSync(join(dir, '.env'), 'API_KEY=sk-live-abcdef123456\n')
      writeFileSync(
        join(dir, 'api.http'),
        `### login\n# @capture token = $.token\n# @assert status == 200\nPOST ${server.url}/login\nContent-Type: application/json\nX-Api-Key: {{API_KEY}}\n\n{"user": "ada"}\n\n### stream\nGET ${server.url}/stream\nAuthorization: Bearer {{token}}\n\n### missing\n# @assert status == 200\nGET ${server.url}/missing\n`,
      )
      const result = await runCli(['test', 'api.http', '--report', 'html=report.html'], { cwd: dir })
      expect(result.exitCode).toBe(4)
      const html = readFileSync(join(dir, 'report.html'), 'utf8')
      // Nothing from elsewhere: no external URL in src/href, and a policy that forbids fetching.
      expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/)
      expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//)
      for (const secret of ['sk-live-abcdef123456', 'tok-secret-42']) expect(html).not.toContain(secret)

      const dom = await domOf(join(dir, 'report.html'))
      expect(dom).toContain('data-ready="true"') // the page's script ran
      const articles = [...dom.matchAll(/<article id="(step-\d+)" class="step is-(\w+)">/g)].map((m) => [m[1], m[2]])
      expect(articles).toEqual([
        ['step-1', 'passed'],
        ['step-2', 'passed'],
        ['step-3', 'failed'],
      ])
      const links = [...dom.matchAll(/<a href="#(step-\d+)">/g)].map((m) => m[1])
      expect(links).toEqual(['step-1', 'step-2', 'step-3'])
      expect(dom).toContain('1 failed</span>')
      expect(dom).toMatch(/<button type="button" class="copy" data-copy="curl/)
      // The streamed reply as text (escaped, not markup), with the raw events behind a toggle.
      expect(dom).toContain('<blockquote class="reply">Paris &lt;b&gt;is&lt;/b&gt; it</blockquote>')
      expect(dom).toMatch(/<details class="raw"><summary>Raw events<\/summary><pre>data: /)
      expect(dom).toContain('<span class="mark">✗</span> <code>status == 200</code>')
      expect(dom).toMatch(/ms total · [\d.]+ ms to first byte/)
      expect(dom).not.toContain('sk-live-abcdef123456')
    },
    90_000,
  )

  it('shows an LLM reply as its text with its figures, streamed or not and in every API, its JSON a click away', async () => {
    const dir = tempDir('html')
    writeFileSync(
      join(dir, 'llm.http'),
      [
        [
          '/chat/completions',
          '{"model": "m", "messages": [{"role": "user", "content": "What is the capital of France?"}]}',
        ],
        ['/responses', '{"model": "m", "stream": true, "input": "What is the capital of France?"}'],
        [
          '/messages',
          '{"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "What is the capital of France?"}]}',
        ],
      ]
        .map(([path, body]) => `###\nPOST {{baseUrl}}${path}\nContent-Type: application/json\n\n${body}\n`)
        .join('\n'),
    )
    const result = await runCli(['test', 'llm.http', '--mock', '--report', 'html=r.html'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    const html = readFileSync(join(dir, 'r.html'), 'utf8')
    expect(html.match(/<blockquote class="reply">The capital of France is Paris\.<\/blockquote>/g)).toHaveLength(3)
    expect(html).toContain('<p class="muted llm">finish: stop · 6 tokens')
    expect(html).toContain('<p class="muted llm">finish: completed · 6 tokens · ttft')
    expect(html).toContain('<p class="muted llm">finish: end_turn · 6 tokens')
    expect(html).toContain('<details><summary>JSON</summary><pre class="json">')
  })

  it("lists each step's captures, and a --matrix run's table of combinations", async () => {
    const dir = tempDir('html')
    writeFileSync(
      join(dir, 'm.http'),
      '# @capture answer = reply\nPOST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "{{model}}", "messages": [{"role": "user", "content": "What is the capital of France?"}]}\n',
    )
    const result = await runCli(['test', 'm.http', '--mock', '--matrix', 'model=a,b', '--report', 'html=r.html'], {
      cwd: dir,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    const html = readFileSync(join(dir, 'r.html'), 'utf8')
    expect(html).toContain('<h4>Captures</h4><ul class="captures">')
    expect(html).toContain('<li><code>answer</code> = <code>&quot;The capital of France is Paris.&quot;</code></li>')
    expect(html).toMatch(
      /<table class="matrix">.*<tr><td>model=a<\/td><td>1\/1<\/td>.*<tr><td>model=b<\/td><td>1\/1<\/td>/s,
    )
  })

  it("shows each step's client.log lines in the HTML, JSON and JUnit reports, secrets masked", async () => {
    const dir = tempDir('html')
    writeFileSync(join(dir, '.env'), 'API_KEY=sk-hidden-123456\n')
    writeFileSync(
      join(dir, 'log.http'),
      [
        '< {%',
        '  client.log("sending with " + request.environment.get("API_KEY"))',
        '%}',
        'POST {{baseUrl}}/chat/completions',
        'Content-Type: application/json',
        '',
        '{"model": "m", "messages": [{"role": "user", "content": "Hi"}]}',
        '',
        '> {%',
        '  client.log("reply: " + response.body.choices[0].message.content)',
        '  console.log("<b>done</b>")',
        '%}',
        '',
      ].join('\n'),
    )
    const result = await runCli(
      ['test', 'log.http', '--mock', '--report', 'html=r.html', '--report', 'json=r.json', '--report', 'junit=r.xml'],
      { cwd: dir },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const html = readFileSync(join(dir, 'r.html'), 'utf8')
    expect(html).toMatch(
      /<h4>Log<\/h4><pre class="log">sending with \*+\nreply: [^\n<]+\n&lt;b&gt;done&lt;\/b&gt;<\/pre>/,
    )
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { steps: { logs: string[] }[] }
    expect(json.steps[0]!.logs).toHaveLength(3)
    expect(json.steps[0]!.logs[2]).toBe('<b>done</b>')
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8')
    expect(xml).toContain('&lt;b&gt;done&lt;/b&gt;</system-out>')
    for (const text of [html, JSON.stringify(json), xml]) expect(text).not.toContain('sk-hidden-123456')
  })
})
