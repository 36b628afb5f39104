// The Markdown report holds server text — bodies, actual values, stream errors — and none of it may
// become live Markdown or HTML, nor close a fence early. Rendered here by a real CommonMark
// renderer (markdown-it, with raw HTML and link detection on, as many sites render Markdown).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import MarkdownIt from 'markdown-it'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const INJECTED = '<img src=x onerror=alert(1)> [click](javascript:alert(2)) **bold** www.evil.test'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /fences': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(`before\n\`\`\`\n${INJECTED}\n\`\`\`\`\`\`\`\n# heading\n<script>alert(3)</script>`)
    },
    'GET /value': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ name: `\`\`${INJECTED}\n# not a heading` }))
    },
    'GET /stream': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.end(
        `data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"error":{"message":"${INJECTED.replace(/"/g, '\\"')}"}}\n\n`,
      )
    },
  })
})
afterAll(() => server.close())

describe('the Markdown report', () => {
  it('keeps server text inert: fences longer than any backtick run, actual values and errors as code', async () => {
    const dir = tempDir('markdown')
    writeFileSync(
      join(dir, 'r.http'),
      `GET ${server.url}/fences\n\n###\n# @assert $.name == "x"\nGET ${server.url}/value\n\n###\nGET ${server.url}/stream\n`,
    )
    const result = await runCli(['test', 'r.http', '--report', 'markdown=r.md'], { cwd: dir })
    expect(result.exitCode).not.toBe(70)
    const markdown = readFileSync(join(dir, 'r.md'), 'utf8')
    const html = new MarkdownIt({ html: true, linkify: true }).render(markdown)
    expect(html).not.toMatch(/<img|<script|<a |<strong>bold|<h1>heading|<h1>not a heading/)
    // The text is all there, as text.
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('&lt;script&gt;alert(3)&lt;/script&gt;')
    // Headings are the report's own: the title, a file, and one per request.
    const headings = [...html.matchAll(/<h(\d)>/g)].map((m) => m[1])
    expect(headings).toEqual(['1', '2', '3', '3', '3'])
  })
})
