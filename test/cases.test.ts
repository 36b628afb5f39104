// End-to-end cases, one folder each (Hurl style): the request files, the loopback routes the case
// needs (routes.ts), the command (case.json) and one golden (expected.txt) with the exit code,
// stdout and stderr. Adding a scenario means adding a folder; this file does not change.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { normalize } from './helpers/normalize.js'
import { runCli } from './helpers/run-cli.js'
import { type Routes, type TestServer, startServer } from './helpers/server.js'

type CaseSpec = { args: string[]; tty?: boolean; env?: Record<string, string>; expectCalls?: number }

const root = join(import.meta.dirname, 'cases')
let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('cases', () => {
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name)
    it(name, async () => {
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec
      let args = spec.args
      if (existsSync(join(dir, 'routes.ts'))) {
        const { routes } = (await import(join(dir, 'routes.ts'))) as { routes: Routes }
        server = await startServer(routes)
        args = [...args, '--var', `baseUrl=${server.url}`]
      }
      const result = await runCli(args, { cwd: dir, tty: spec.tty ?? false, env: spec.env ?? {} })
      const text = `exit ${result.exitCode}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`
      await expect(normalize(text)).toMatchFileSnapshot(join(dir, 'expected.txt'))
      if (spec.expectCalls !== undefined) expect(server?.calls.length ?? 0).toBe(spec.expectCalls)
    })
  }
})
