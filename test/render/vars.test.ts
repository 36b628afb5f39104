import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /v': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ v: new URL(req.url!, 'http://x').searchParams.get('v') }))
    },
    'POST /echo': (_req, res, body) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(body)
    },
  })
})
afterAll(() => server.close())

describe('variable precedence, source by source', () => {
  it('--var > captured > file variable > --env (private > public > $shared) > --env-file > .env beside the file > .env in cwd', async () => {
    const cwd = tempDir('vars')
    const dir = join(cwd, 'api')
    mkdirSync(dir)
    const files = {
      cwdEnv: join(cwd, '.env'),
      besideEnv: join(dir, '.env'),
      extraEnv: join(cwd, 'extra.env'),
      publicEnv: join(dir, 'http-client.env.json'),
      privateEnv: join(dir, 'http-client.private.env.json'),
    }
    writeFileSync(files.cwdEnv, 'v=cwd-dotenv\n')
    writeFileSync(files.besideEnv, 'v=beside-dotenv\n')
    writeFileSync(files.extraEnv, 'v=env-file\n')
    writeFileSync(files.publicEnv, JSON.stringify({ $shared: { v: 'shared' }, dev: { v: 'public-env' } }))
    writeFileSync(files.privateEnv, JSON.stringify({ dev: { v: 'private-env' } }))
    const withFileVar = '@v = file-var\n'
    const capture = '# @capture v = $.v\nGET {{baseUrl}}/v?v=captured\n\n###\n'
    const write = (prefix: string) => writeFileSync(join(dir, 'r.http'), `${prefix}GET {{baseUrl}}/v?v={{v}}\n`)
    const value = async (args: string[] = []) => {
      const result = await runCli(['run', 'api/r.http', '-e', '$.v', '-r', '--var', `baseUrl=${server.url}`, ...args], {
        cwd,
      })
      expect(result.stderr).not.toContain('error')
      return result.stdout.trim()
    }
    write(withFileVar + capture)
    expect(await value(['--var', 'v=cli', '--env', 'dev', '--env-file', 'extra.env'])).toBe('cli')
    expect(await value(['--env', 'dev', '--env-file', 'extra.env'])).toBe('captured')
    write(withFileVar)
    expect(await value(['--env', 'dev', '--env-file', 'extra.env'])).toBe('file-var')
    write('')
    expect(await value(['--env', 'dev', '--env-file', 'extra.env'])).toBe('private-env')
    rmSync(files.privateEnv)
    expect(await value(['--env', 'dev', '--env-file', 'extra.env'])).toBe('public-env')
    expect(await value(['--env-file', 'extra.env'])).toBe('shared')
    rmSync(files.publicEnv)
    expect(await value(['--env-file', 'extra.env'])).toBe('env-file')
    expect(await value()).toBe('beside-dotenv')
    rmSync(files.besideEnv)
    expect(await value()).toBe('cwd-dotenv')
    rmSync(files.cwdEnv)
    const missing = await runCli(['run', 'api/r.http', '--var', `baseUrl=${server.url}`], { cwd })
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toContain('Undefined variable `v`')
  })

  it('lists the environments that exist for an unknown --env (exit 1)', async () => {
    const dir = tempDir('env')
    writeFileSync(join(dir, 'http-client.env.json'), JSON.stringify({ local: {}, staging: {} }))
    writeFileSync(join(dir, 'r.http'), 'GET http://127.0.0.1:9/\n')
    const result = await runCli(['run', 'r.http', '--env', 'stagin'], { cwd: dir })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Unknown environment `stagin`')
    expect(result.stderr).toContain('did you mean `staging`? environments: local, staging')
  })

  it('reaches the process environment only through $processEnv and $env', async () => {
    const dir = tempDir('penv')
    writeFileSync(join(dir, 'a.http'), 'GET {{baseUrl}}/v?v={{$processEnv REQCHAIN_TEST}}-{{$env.REQCHAIN_TEST}}\n')
    writeFileSync(join(dir, 'b.http'), 'GET {{baseUrl}}/v?v={{REQCHAIN_TEST}}\n')
    const env = { REQCHAIN_TEST: 'from-process' }
    expect(
      (await runCli(['run', 'a.http', '-e', '$.v', '-r', '--var', `baseUrl=${server.url}`], { cwd: dir, env })).stdout,
    ).toBe('from-process-from-process\n')
    expect((await runCli(['run', 'b.http', '--var', `baseUrl=${server.url}`], { cwd: dir, env })).exitCode).toBe(3)
  })
})

describe('JSON-safe insertion, end to end', () => {
  it('carries any string through capture → template → body, and the server receives it exactly', async () => {
    const dir = tempDir('jsonsafe')
    writeFileSync(
      join(dir, 'r.http'),
      `# @capture answer = $.content
POST {{baseUrl}}/echo
Content-Type: application/json

{"content": {{json original}}}

###
POST {{baseUrl}}/echo
Content-Type: application/json

{"messages": [{"role": "assistant", "content": "{{answer}}"}], "again": {{json answer}}}
`,
    )
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !/[\uD800-\uDFFF]/.test(s)),
        async (original) => {
          server.calls.length = 0
          const result = await runCli(
            ['run', 'r.http', '--var', `baseUrl=${server.url}`, '--var', `original=${original}`],
            { cwd: dir },
          )
          expect(result.exitCode).toBe(0)
          const received = JSON.parse(server.calls[1]!.body.toString('utf8'))
          expect(received.messages[0].content).toBe(original)
          expect(received.again).toBe(original)
        },
      ),
      { numRuns: 60 },
    )
  })
})
