// The sandbox holds: each escape attempt and each limit ends in a located runtime error (exit 3)
// naming the script's own line and column, and none of them touches the file system.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /x': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"ok":true}')
    },
  })
})
afterAll(() => server.close())

async function handler(code: string, extra: string[] = []) {
  const dir = tempDir('sandbox')
  const sentinel = join(dir, 'sentinel.txt')
  writeFileSync(sentinel, 'untouched')
  // The handler's first line of code is line 4 of the file, from column 1.
  writeFileSync(join(dir, 'h.http'), `# sentinel: ${sentinel}\nGET ${server.url}/x\n\n> {%\n${code}\n%}\n`)
  const result = await runCli(['run', 'h.http', ...extra], { cwd: dir })
  expect(readFileSync(sentinel, 'utf8')).toBe('untouched')
  expect(existsSync(join(dir, 'pwned'))).toBe(false)
  return result
}

describe('the script sandbox', () => {
  const escapes: [string, string, RegExp][] = [
    ['require', `const fs = require('fs'); fs.writeFileSync('pwned', 'x')`, /'require' is not defined/],
    ['process.exit', `process.exit(0)`, /'process' is not defined/],
    [
      'the Function constructor',
      `globalThis.constructor.constructor('return process')().mainModule.require('fs').writeFileSync('pwned', 'x')`,
      /'process' is not defined/,
    ],
    [
      'a dynamic import',
      `import('node:child_process').then((cp) => cp.execSync('touch pwned'))`,
      /could not load module 'node:child_process'/,
    ],
    ['timers', `setTimeout(() => {}, 10)`, /'setTimeout' is not defined/],
    ['fetch', `fetch('http://127.0.0.1:1/')`, /'fetch' is not defined/],
  ]
  for (const [what, code, message] of escapes) {
    it(`stops ${what} with a located error`, async () => {
      const result = await handler(code)
      expect(result.exitCode, result.stderr).toBe(3)
      expect(result.stderr).toMatch(message)
      // Located in the script: at the code itself, or (an import's rejection carries no stack) at its `import(`.
      expect(result.stderr).toMatch(/--> h\.http:5:\d+/)
      expect(result.stderr).not.toMatch(/^\s+at /m) // a located error, not a stack trace
    })
  }

  it('ends an endless loop at the time limit, located', async () => {
    const started = Date.now()
    const result = await handler('let n = 0\nwhile (true) { n++ }', ['--script-timeout', '0.3'])
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain('Script ran past its time limit (0.3 s)')
    // QuickJS places an interrupt in a tight loop at the start of the code: the script's own first line.
    expect(result.stderr).toMatch(/--> h\.http:[56]:\d+/)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('ends a 1 GB allocation at the memory limit, and the next script runs in a fresh engine', async () => {
    const result = await handler(
      'const big = new ArrayBuffer(1024 * 1024 * 1024)\nclient.global.set("n", big.byteLength)',
    )
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain('Script ran out of memory (limit 256 MiB)')
    expect(result.stderr).toContain('--> h.http:5:')
    const after = await handler('client.test("works", function () { client.assert(response.body.ok) })')
    expect(after.exitCode, after.stderr).toBe(0)
  })

  it('shows at most 1 MiB of what one script logs', async () => {
    const result = await handler('for (let i = 0; i < 100000; i++) client.log("x".repeat(100))')
    expect(result.exitCode, result.stderr.slice(0, 300)).toBe(0)
    expect(result.stderr.length).toBeLessThan(1.2 * 1024 * 1024)
    expect(result.stderr).toContain('this script logged more than 1 MiB; the rest is not shown')
  })

  it('ends endless recursion as a located error', async () => {
    const result = await handler('function down(n) { return down(n + 1) + 1 }\ndown(0)')
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain('Script recursed too deeply')
    expect(result.stderr).toMatch(/--> h\.http:5:\d+/)
  })

  it('reports a syntax error at its line and column, with the code frame', async () => {
    const result = await handler('client.global.set("a", 1)\nlet = = 2\nclient.log("never")')
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain('Script syntax error')
    expect(result.stderr).toMatch(/--> h\.http:6:\d+/)
    expect(result.stderr).toContain('6 | let = = 2')
    expect(result.stderr).not.toContain('never')
  })

  it("says that kulala's Lua scripts are not run, at the `-- lua` line", async () => {
    const result = await handler('-- lua\nprint("hi")')
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain("Lua scripts (kulala's `-- lua`) are not run")
    expect(result.stderr).toContain('--> h.http:5:1')
  })

  it('says that modules cannot be imported, at the import', async () => {
    const result = await handler('import { readFileSync } from "fs"\nclient.log(readFileSync)')
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain("could not load module 'fs'")
    expect(result.stderr).toContain('scripts run in a sandbox and cannot import modules')
    expect(result.stderr).toContain('--> h.http:5:1')
  })

  it('reports a thrown error at the line that threw, in inline code after `> {%` too', async () => {
    const dir = tempDir('sandbox')
    writeFileSync(
      join(dir, 'one.http'),
      `GET ${server.url}/x\n\n> {% client.global.set("a", response.body.missing.deeper) %}\n`,
    )
    const result = await runCli(['run', 'one.http'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain("Script error: TypeError: cannot read property 'deeper' of undefined")
    expect(result.stderr).toMatch(/--> one\.http:3:\d+/)
  })

  it('a missing handler file fails only its request, located at the path', async () => {
    const dir = tempDir('sandbox')
    writeFileSync(join(dir, 'f.http'), `GET ${server.url}/x\n\n> ./nowhere.js\n\n###\nGET ${server.url}/x\n`)
    const result = await runCli(['test', 'f.http'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Script file `./nowhere.js` not found')
    expect(result.stderr).toContain('--> f.http:3:3')
    expect(result.stderr).toContain('1 passed, 1 failed')
  })

  it('refuses a script "file" that is a device, in a run, an export and a dependency scan alike', async () => {
    const dir = tempDir('sandbox')
    writeFileSync(
      join(dir, 'dev.http'),
      `< /dev/zero\n# @name one\nGET ${server.url}/x\n\n###\n# @name two\nGET ${server.url}/x?{{nothing}}\n`,
    )
    const result = await runCli(['run', 'dev.http#one', '--file-root', '/'], { cwd: dir }) // /dev is outside the file's own root
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Script file `/dev/zero` is not a regular file')
    expect((await runCli(['curl', 'dev.http#one', '--file-root', '/'], { cwd: dir })).exitCode).toBe(0)
    expect((await runCli(['run', 'dev.http#two', '--file-root', '/'], { cwd: dir })).exitCode).toBe(3)
  })

  it('masks secrets in client.log, and logs go to stderr', async () => {
    const dir = tempDir('sandbox')
    writeFileSync(join(dir, '.env'), 'API_KEY=sk-live-123456\n')
    writeFileSync(
      join(dir, 'log.http'),
      `GET ${server.url}/x\nAuthorization: Bearer {{API_KEY}}\n\n> {% client.log("key is", request.environment.get("API_KEY"), encodeURIComponent("&" + request.environment.get("API_KEY"))) %}\n`,
    )
    const result = await runCli(['run', 'log.http'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain('[log] key is ********')
    expect(result.stderr).not.toContain('sk-live-123456')
    expect(result.stdout).not.toContain('[log]')
  })
})
