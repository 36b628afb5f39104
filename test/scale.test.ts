// Linear cost: a request costs the same whether 300 or 3,000 variables and requests came before it.
// Each request captures a new name and sends the one before; 10× the requests may take about 10×
// the time, and the test allows 18× (four copies of the variables per request make it ~40×).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'
import { type TestServer, json, startServer } from './helpers/server.js'
import { tempDir } from './helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({ 'GET /n': (req, res) => json(res, { n: req.url!.length }) })
})
afterAll(() => server.close())

function chainOf(count: number, dir: string): string {
  const lines = ['# @capture v0 = $.n', 'GET {{base}}/n?p=0', '']
  for (let i = 1; i < count; i++) lines.push('###', `# @capture v${i} = $.n`, `GET {{base}}/n?p={{v${i - 1}}}`, '')
  const file = `chain-${count}.http`
  writeFileSync(join(dir, file), lines.join('\n'))
  return file
}

async function timed(file: string, dir: string): Promise<number> {
  const started = process.hrtime.bigint()
  const result = await runCli(['run', file, '-q', '--var', `base=${server.url}`], { cwd: dir })
  expect(result.exitCode, result.stderr).toBe(0)
  return Number(process.hrtime.bigint() - started) / 1e6
}

describe('scale', () => {
  it('takes at most 18× the time for 10× the requests, each capturing a new name', async () => {
    const dir = tempDir('scale')
    const small = chainOf(300, dir)
    const large = chainOf(3000, dir)
    await timed(small, dir) // warm up: compile once
    const a = Math.min(await timed(small, dir), await timed(small, dir))
    const b = await timed(large, dir)
    process.stdout.write(`300 requests: ${a.toFixed(0)} ms, 3,000: ${b.toFixed(0)} ms (${(b / a).toFixed(1)}×)\n`)
    expect(b / a).toBeLessThan(18)
    expect(server.calls.length).toBe(300 * 3 + 3000)
  }, 30_000)
})
