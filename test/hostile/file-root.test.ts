// What a request file may read: only files inside its file root — the nearest folder above it
// that holds .git, else its own folder, or --file-root DIR — after symbolic links are followed.
// A file from a cloned repository must not read ~/.ssh and send it anywhere.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'POST /x': (_req, res, body) => {
      res.end(body)
    },
  })
})
afterAll(() => server.close())

/** scratch/outside/secret.txt and scratch/repo/{.git/, api/, bodies/b.json, scripts/post.js}. */
function layout(withGit = true): { scratch: string; repo: string; api: string } {
  const scratch = tempDir('file-root')
  mkdirSync(join(scratch, 'outside'))
  writeFileSync(join(scratch, 'outside', 'secret.txt'), 'ssh-private-key')
  writeFileSync(join(scratch, 'outside', 'steal.js'), 'client.global.set("x", 1)')
  const repo = join(scratch, 'repo')
  for (const dir of ['api', 'bodies', 'scripts']) mkdirSync(join(repo, dir), { recursive: true })
  if (withGit) mkdirSync(join(repo, '.git'))
  writeFileSync(join(repo, 'bodies', 'b.json'), '{"from": "bodies"}')
  writeFileSync(join(repo, 'scripts', 'post.js'), 'client.global.set("seen", response.status)')
  return { scratch, repo, api: join(repo, 'api') }
}

const post = (body: string) => `POST ${server.url}/x\nContent-Type: text/plain\n\n${body}\n`

describe('the file root', () => {
  it('lets a file read beside it and anywhere under the folder holding .git (a sibling scripts/ folder)', async () => {
    const { api } = layout()
    writeFileSync(
      join(api, 'ok.http'),
      `${post('< ../bodies/b.json')}\n> ../scripts/post.js\n\n###\n${post('{{file "../bodies/b.json"}}')}`,
    )
    const result = await runCli(['run', 'ok.http', '--all'], { cwd: api })
    expect(result.stderr).not.toContain('error')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('{"from": "bodies"}')
  })

  it('refuses, at its line, every way of reading outside it: body files, file helpers, handler files, symbolic links; nothing is sent', async () => {
    const { scratch, api } = layout()
    const secret = join(scratch, 'outside', 'secret.txt')
    symlinkSync(secret, join(api, 'link.txt'))
    const cases: [string, RegExp][] = [
      [post('< ../../outside/secret.txt'), /Body file \.\.\/\.\.\/outside\/secret\.txt is outside the file root/],
      [post(`< ${secret}`), /is outside the file root/],
      [post('< ./link.txt'), /Body file \.\/link\.txt is outside the file root/],
      [post(`{{file "${secret}"}}`), /`file`: .* is outside the file root/],
      [post('{{base64File "../../outside/secret.txt"}}'), /`base64File`: .* is outside the file root/],
      [post('{{dataUrl "./link.txt"}}'), /`dataUrl`: .* is outside the file root/],
      [
        `${post('hello')}\n> ../../outside/steal.js\n`,
        /Script file `\.\.\/\.\.\/outside\/steal\.js` is outside the file root/,
      ],
      [
        `< ../../outside/steal.js\n${post('hello')}`,
        /Script file `\.\.\/\.\.\/outside\/steal\.js` is outside the file root/,
      ],
    ]
    for (const [source, message] of cases) {
      writeFileSync(join(api, 'bad.http'), source)
      const before = server.calls.length
      const result = await runCli(['run', 'bad.http'], { cwd: api })
      expect(result.stderr, source).toMatch(message)
      expect(result.stderr).toContain('--file-root')
      expect(result.stderr).toMatch(/bad\.http:\d+:\d+/)
      expect(result.stderr).not.toContain('ssh-private-key')
      expect(result.exitCode, source).toBe(3)
      expect(server.calls.length - before, source).toBe(0)
    }
  })

  it("without .git above it, the root is the request file's own folder; --file-root widens it", async () => {
    const { repo, api } = layout(false)
    writeFileSync(join(api, 'up.http'), post('< ../bodies/b.json'))
    const refused = await runCli(['run', 'up.http'], { cwd: api })
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toContain('is outside the file root')
    const widened = await runCli(['run', 'up.http', '--file-root', '..'], { cwd: api })
    expect(widened.exitCode, widened.stderr).toBe(0)
    expect(widened.stdout).toContain('{"from": "bodies"}')
    expect(repo).toBeTruthy()
    const missing = await runCli(['run', 'up.http', '--file-root', 'nowhere'], { cwd: api })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('--file-root nowhere is not a folder')
  })
})
