// npm run bench: reqchain beside curl and a bare Node script, on a loopback server, in one run.
// Commands alternate (A B A B …) so drift on the machine hits both alike; medians and per-pair
// ratios are printed and written to bench/results/latest.json. Every run is checked: exit code,
// the server's request count, and the output's size.
import { spawn, spawnSync, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const reqchain = join(here, '..', 'dist', 'reqchain.js')
const node = process.execPath
const work = mkdtempSync(join(tmpdir(), 'reqchain-bench-'))
const quick = process.argv.includes('--quick')
const rounds = (n) => (quick ? Math.max(2, Math.ceil(n / 3)) : n)

function hasCurl() {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Runs a command; returns wall time, peak RSS (from /usr/bin/time) and the time its first stdout byte came. */
function timed(command, args, { stdout = 'ignore', env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    let firstByteMs
    let bytes = 0
    let stderr = ''
    let firstByteAt
    child.stdout.on('data', (d) => {
      if (firstByteMs === undefined) {
        firstByteMs = Number(process.hrtime.bigint() - start) / 1e6
        firstByteAt = performance.timeOrigin + performance.now()
      }
      bytes += d.length
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      const rssKb = Number(stderr.trim().split('\n').pop())
      resolve({ ms, code, firstByteMs, firstByteAt, bytes, rssMb: rssKb / 1024, stderr })
    })
    if (stdout === 'ignore') child.stdout.resume()
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** The live heap a reqchain command leaves at exit, after a full collection (bench/live-heap.cjs). */
function liveHeapMb(args) {
  const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') } // --expose-gc has caches of its own
  const { stderr } = spawnSync(node, ['--expose-gc', '-r', join(here, 'live-heap.cjs'), reqchain, ...args], {
    env,
    encoding: 'utf8',
  })
  const match = stderr.match(/live heap ([\d.]+) MiB/)
  if (!match) throw new Error(`no live heap figure from reqchain ${args.join(' ')}:\n${stderr}`)
  return Number(match[1])
}

async function serverStats(port) {
  return JSON.parse(await (await fetch(`http://127.0.0.1:${port}/__stats`)).text())
}

async function stats(port) {
  return (await serverStats(port)).requests
}

/** Alternates the commands `n` times; checks each run; returns medians. */
async function compare(name, commands, n, check) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
  for (let i = 0; i < n; i++) {
    for (const [label, [command, args]] of Object.entries(commands)) {
      const before = check?.port ? await stats(check.port) : 0
      const result = await timed(command, args, { env: check?.env })
      const expectedCode = check?.codes?.[label] ?? 0
      if (result.code !== expectedCode)
        throw new Error(`${name}: ${label} exited ${result.code}, expected ${expectedCode}\n${result.stderr}`)
      if (check?.requests !== undefined && label !== 'node -e 0' && label !== 'reqchain --version') {
        const served = (await stats(check.port)) - before
        const expected = typeof check.requests === 'function' ? check.requests(label) : check.requests
        if (served !== expected) throw new Error(`${name}: ${label} made ${served} requests, expected ${expected}`)
      }
      await check?.after?.(label, result)
      samples[label].push(result)
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([label, rs]) => [
      label,
      {
        ms: median(rs.map((r) => r.ms)),
        rssMb: median(rs.map((r) => r.rssMb)),
        ...(rs[0].firstByteMs !== undefined ? { firstByteMs: median(rs.map((r) => r.firstByteMs)) } : {}),
        ...(rs[0].firstTokenAfterRequestMs !== undefined
          ? { firstTokenAfterRequestMs: median(rs.map((r) => r.firstTokenAfterRequestMs)) }
          : {}),
        runs: rs.length,
      },
    ]),
  )
}

function table(title, result, base, targets = {}) {
  console.log(`\n${title}`)
  for (const [label, r] of Object.entries(result)) {
    const ratio = base && label !== base ? `  ${(r.ms / result[base].ms).toFixed(2)}× ${base}` : ''
    const first =
      (r.firstByteMs !== undefined ? `  first byte ${r.firstByteMs.toFixed(1)} ms` : '') +
      (r.firstTokenAfterRequestMs !== undefined
        ? ` (${r.firstTokenAfterRequestMs.toFixed(1)} ms after the server got the request)`
        : '')
    console.log(
      `  ${label.padEnd(26)} ${r.ms.toFixed(1).padStart(9)} ms  ${r.rssMb.toFixed(0).padStart(5)} MiB peak${first}${ratio}`,
    )
  }
  for (const [text, ok] of Object.entries(targets)) console.log(`  target ${ok ? 'met    ' : 'MISSED '} ${text}`)
}

async function main() {
  if (!hasCurl()) throw new Error('curl is needed for the comparison (apt-get install curl)')
  const server = spawn(node, [join(here, 'target-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))))
  const base = `http://127.0.0.1:${port}`
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    nodeExtraCaCerts: Boolean(process.env.NODE_EXTRA_CA_CERTS),
    quick,
  }
  // The environment as it is, minus the certificate file Node reads at every start.
  const envWithoutCaFile = { ...process.env }
  delete envWithoutCaFile.NODE_EXTRA_CA_CERTS
  try {
    console.log(`reqchain benchmark — ${process.version}, ${base}${quick ? ' (quick)' : ''}`)
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const cost = []
      for (let i = 0; i < 7; i++) {
        const a = process.hrtime.bigint()
        execFileSync(node, ['-e', '0'])
        const b = process.hrtime.bigint()
        execFileSync(node, ['-e', '0'], { env: envWithoutCaFile })
        const c = process.hrtime.bigint()
        cost.push(Number(b - a) / 1e6 - Number(c - b) / 1e6)
      }
      results.nodeExtraCaCertsCostMs = median(cost)
      console.log(
        `note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}); Node reads it at every start, which costs about ${median(cost).toFixed(0)} ms per process here — for node -e 0 as much as for reqchain.`,
      )
    }

    // 1. Cold start: one GET from a one-request file, and --version.
    writeFileSync(join(work, 'one.http'), `GET ${base}/one\n`)
    const bare = join(work, 'bare-get.mjs')
    writeFileSync(bare, `import { get } from 'node:http'\nget('${base}/one', (res) => { res.pipe(process.stdout) })\n`)
    const coldCommands = {
      'node -e 0': [node, ['-e', '0']],
      'reqchain --version': [node, [reqchain, '--version']],
      'reqchain run one.http': [node, [reqchain, 'run', join(work, 'one.http')]],
      'curl (one GET)': ['curl', ['-s', `${base}/one`]],
      'bare node (one GET)': [node, [bare]],
    }
    const cold = await compare('cold', coldCommands, rounds(15), { port, requests: 1 })
    results.cold = cold
    const coldTarget = (r) => {
      const ratio = r['reqchain run one.http'].ms / r['node -e 0'].ms
      return { [`reqchain run ≤ 2.5× node -e 0 (${ratio.toFixed(2)}×)`]: ratio <= 2.5 }
    }
    table('1. cold start, one GET (whole process)', cold, 'node -e 0', coldTarget(cold))
    if (process.env.NODE_EXTRA_CA_CERTS) {
      // The same without the certificate file, as on a machine that does not set it.
      const bareStart = await compare('cold without CA file', coldCommands, rounds(15), {
        port,
        requests: 1,
        env: envWithoutCaFile,
      })
      results.coldWithoutCaFile = bareStart
      table('1b. the same, without NODE_EXTRA_CA_CERTS', bareStart, 'node -e 0', coldTarget(bareStart))
    }

    // 1c. What a JetBrains response handler adds to a cold start: the sandbox (QuickJS in
    // WebAssembly) loads only for a file with a script.
    writeFileSync(
      join(work, 'script.http'),
      `GET ${base}/one\n\n> {% client.test("ok", function () { client.assert(response.status === 200) }) %}\n`,
    )
    const scripted = await compare(
      'cold with a script',
      {
        'reqchain run one.http': [node, [reqchain, 'run', join(work, 'one.http')]],
        'reqchain run script.http': [node, [reqchain, 'run', join(work, 'script.http')]],
      },
      rounds(15),
      { port, requests: 1 },
    )
    results.coldWithScript = scripted
    table('1c. cold start with a response handler (the script sandbox)', scripted, 'reqchain run one.http')
    console.log(
      `  the script adds ${(scripted['reqchain run script.http'].ms - scripted['reqchain run one.http'].ms).toFixed(1)} ms (loading the sandbox and running it)`,
    )

    // 2. 1,000 chained requests: each captures $.n and sends it in the next.
    const chain = ['# @capture n = $.n', `GET ${base}/next?n=0`, '']
    for (let i = 1; i < 1000; i++) chain.push('###', '# @capture n = $.n', `GET ${base}/next?n={{n}}`, '')
    writeFileSync(join(work, 'chain.http'), chain.join('\n'))
    const urls = join(work, 'urls.txt')
    writeFileSync(
      urls,
      Array.from({ length: 1000 }, (_, i) => `url = "${base}/next?n=${i}"\noutput = "/dev/null"`).join('\n'),
    )
    const bareChain = join(work, 'bare-chain.mjs')
    writeFileSync(
      bareChain,
      `import { Agent, get } from 'node:http'\nconst agent = new Agent({ keepAlive: true })\nlet n = 0\nfor (let i = 0; i < 1000; i++) {\n  n = await new Promise((resolve) => get('${base}/next?n=' + n, { agent }, (res) => { let b = ''; res.on('data', (d) => { b += d }); res.on('end', () => resolve(JSON.parse(b).n)) }))\n}\nconsole.log(n)\nagent.destroy()\n`,
    )
    const chained = await compare(
      'chain',
      {
        'curl (1,000 plain GETs)': ['curl', ['-s', '-K', urls]],
        'reqchain (1,000 chained)': [node, [reqchain, 'run', join(work, 'chain.http'), '-e', '$.n', '-r']],
        'bare node (1,000 chained)': [node, [bareChain]],
      },
      rounds(5),
      { port, requests: 1000 },
    )
    results.chain = chained
    const overBare = chained['reqchain (1,000 chained)'].ms / chained['bare node (1,000 chained)'].ms
    table(
      '2. 1,000 sequential requests, each capturing a value the next one sends',
      chained,
      'curl (1,000 plain GETs)',
      {
        [`reqchain ≤ 5× curl (${(chained['reqchain (1,000 chained)'].ms / chained['curl (1,000 plain GETs)'].ms).toFixed(2)}×)`]:
          chained['reqchain (1,000 chained)'].ms <= 5 * chained['curl (1,000 plain GETs)'].ms,
        [`reqchain ≤ 1.25× the bare node:http loop (${overBare.toFixed(2)}×)`]: overBare <= 1.25,
      },
    )

    // 3. One streamed chat completion of 10,000 SSE chunks.
    writeFileSync(
      join(work, 'stream.http'),
      `POST ${base}/stream?n=10000\nContent-Type: application/json\n\n{"stream": true}\n`,
    )
    const stream = await compare(
      'stream',
      {
        'curl -N': ['curl', ['-s', '-N', '-X', 'POST', `${base}/stream?n=10000`]],
        'reqchain (assembled)': [node, [reqchain, 'run', join(work, 'stream.http')]],
        'reqchain --raw': [node, [reqchain, 'run', join(work, 'stream.http'), '--raw']],
      },
      rounds(7),
      {
        port,
        requests: 1,
        after: async (label, r) => {
          if (label.includes('assembled') && r.bytes < 10000) throw new Error('the assembled reply is missing')
          // Start-up aside, how long after the request reached the server did the first chunk show?
          if (!label.includes('assembled'))
            r.firstTokenAfterRequestMs = r.firstByteAt - (await serverStats(port)).streamArrivedAt
        },
      },
    )
    results.stream = stream
    const addedLatency = stream['reqchain --raw'].firstTokenAfterRequestMs - stream['curl -N'].firstTokenAfterRequestMs
    table('3. one streamed chat completion, 10,000 SSE chunks', stream, 'curl -N', {
      [`reqchain (assembled) ≤ 5× curl -N (${(stream['reqchain (assembled)'].ms / stream['curl -N'].ms).toFixed(2)}×)`]:
        stream['reqchain (assembled)'].ms <= 5 * stream['curl -N'].ms,
      [`first token shown as soon as curl shows it, once the request is out (+${addedLatency.toFixed(1)} ms)`]:
        addedLatency < 10,
    })

    // 3b. The same 10,000-token reply as a Responses API stream and as an Anthropic Messages stream.
    const formats = {}
    for (const format of ['responses', 'messages']) {
      writeFileSync(
        join(work, `stream-${format}.http`),
        `POST ${base}/stream?n=10000&format=${format}\nContent-Type: application/json\n\n{"stream": true}\n`,
      )
      formats[format] = await compare(
        `stream-${format}`,
        {
          'curl -N': ['curl', ['-s', '-N', '-X', 'POST', `${base}/stream?n=10000&format=${format}`]],
          'reqchain (assembled)': [node, [reqchain, 'run', join(work, `stream-${format}.http`)]],
        },
        rounds(7),
        {
          port,
          requests: 1,
          after: (label, r) => {
            if (label.includes('assembled') && r.bytes < 100)
              throw new Error(`${format}: the assembled reply is missing`)
          },
        },
      )
      const overChat = formats[format]['reqchain (assembled)'].ms / stream['reqchain (assembled)'].ms
      table(
        `3b. the same reply as a ${format === 'responses' ? 'Responses API' : 'Anthropic Messages'} stream`,
        formats[format],
        'curl -N',
        {
          [`assembled within 1.2× of the chat-completions stream (${overChat.toFixed(2)}×)`]: overChat <= 1.2,
        },
      )
    }
    results.streamFormats = formats

    // 4. A 200 MB body written to a file with -o.
    const mb = quick ? 50 : 200
    writeFileSync(join(work, 'big.http'), `GET ${base}/big?mb=${mb}\n`)
    const big = await compare(
      'big',
      {
        'curl -o': ['curl', ['-s', '-o', join(work, 'curl.bin'), `${base}/big?mb=${mb}`]],
        'reqchain -o': [node, [reqchain, 'run', join(work, 'big.http'), '-o', join(work, 'reqchain.bin')]],
      },
      rounds(5),
      {
        port,
        requests: 1,
        after: (label) => {
          const file = join(work, label.startsWith('curl') ? 'curl.bin' : 'reqchain.bin')
          if (statSync(file).size !== mb * 1024 * 1024) throw new Error(`${label}: wrote ${statSync(file).size} bytes`)
        },
      },
    )
    results.big = big
    table(`4. a ${mb} MB response written to a file`, big, 'curl -o', {
      [`reqchain peak memory < 120 MiB (${big['reqchain -o'].rssMb.toFixed(0)} MiB)`]: big['reqchain -o'].rssMb < 120,
      [`reqchain ≤ 3× curl (${(big['reqchain -o'].ms / big['curl -o'].ms).toFixed(2)}×)`]:
        big['reqchain -o'].ms <= 3 * big['curl -o'].ms,
    })

    // 5. Loading a 10,000-request file (parse prints every template as JSON: an upper bound).
    const many = []
    for (let i = 0; i < 10000; i++)
      many.push(
        `### request ${i}`,
        `# @capture v${i} = $.n`,
        `POST ${base}/next?n=${i}`,
        'Content-Type: application/json',
        '',
        `{"i": ${i}, "prev": "{{v${Math.max(0, i - 1)}}}"}`,
        '',
      )
    writeFileSync(join(work, 'many.http'), many.join('\n'))
    const load = await compare(
      'load',
      {
        'node -e 0': [node, ['-e', '0']],
        'reqchain parse (10,000)': [node, [reqchain, 'parse', join(work, 'many.http')]],
      },
      rounds(5),
    )
    results.load = load
    table(
      '5. loading a 10,000-request .http file (reqchain parse, whole process, JSON output included)',
      load,
      'node -e 0',
      {
        [`well under a second (${load['reqchain parse (10,000)'].ms.toFixed(0)} ms)`]:
          load['reqchain parse (10,000)'].ms < 1000,
      },
    )

    // 6. Hostile bodies: a big body piped to stdout streams through; a gzip bomb stops early.
    const pipedMb = quick ? 200 : 1024
    writeFileSync(join(work, 'piped.http'), `GET ${base}/big?mb=${pipedMb}\n`)
    writeFileSync(join(work, 'bomb.http'), `GET ${base}/bomb\n`)
    const hostile = await compare(
      'hostile',
      {
        'curl (piped)': ['curl', ['-s', `${base}/big?mb=${pipedMb}`]],
        'reqchain (piped)': [node, [reqchain, 'run', join(work, 'piped.http')]],
        'reqchain (4 MB gzip bomb)': [node, [reqchain, 'run', join(work, 'bomb.http')]],
      },
      rounds(3),
      {
        port,
        requests: 1,
        codes: { 'reqchain (4 MB gzip bomb)': 3 },
        after: (label, r) => {
          if (label.includes('piped') && r.bytes !== pipedMb * 1024 * 1024)
            throw new Error(`${label}: ${r.bytes} bytes on stdout`)
        },
      },
    )
    results.hostile = hostile
    table(`6. a ${pipedMb} MB body piped to stdout, and a 4 MB gzip bomb (4 GB inflated)`, hostile, 'curl (piped)', {
      [`reqchain piped peak memory ≤ 120 MiB (${hostile['reqchain (piped)'].rssMb.toFixed(0)} MiB)`]:
        hostile['reqchain (piped)'].rssMb <= 120,
      [`gzip bomb stopped within 150 MiB (${hostile['reqchain (4 MB gzip bomb)'].rssMb.toFixed(0)} MiB)`]:
        hostile['reqchain (4 MB gzip bomb)'].rssMb <= 150,
    })

    // 7. Scale: N requests, each capturing a new name and sending the one before (10,000 took 98 s
    // when every request copied every variable). Time and peak memory must grow linearly or less.
    const scale = {}
    for (const n of [100, 1000, 10000]) {
      const lines = ['# @capture v0 = $.n', `GET ${base}/next?n=0`, '']
      for (let i = 1; i < n; i++) lines.push('###', `# @capture v${i} = $.n`, `GET ${base}/next?n={{v${i - 1}}}`, '')
      writeFileSync(join(work, `unique-${n}.http`), lines.join('\n'))
      Object.assign(
        scale,
        await compare(
          `scale ${n}`,
          {
            [`reqchain (${n.toLocaleString('en')} unique names)`]: [
              node,
              [reqchain, 'run', join(work, `unique-${n}.http`), '-q'],
            ],
          },
          rounds(n === 10000 ? 3 : 5),
          { port, requests: n },
        ),
      )
    }
    results.scale = scale
    const [, s1k, s10k] = Object.values(scale)
    const live = [1000, 10000].map((n) => liveHeapMb(['run', join(work, `unique-${n}.http`), '-q']))
    results.scaleLiveHeapMb = live
    table('7. requests that each capture a new variable name (whole process)', scale, 'reqchain (100 unique names)', {
      [`10,000 take ≤ 12× the time of 1,000 (${(s10k.ms / s1k.ms).toFixed(1)}×)`]: s10k.ms <= 12 * s1k.ms,
      [`peak memory at 10,000 ≤ 1.2× that at 1,000 (${s1k.rssMb.toFixed(0)} → ${s10k.rssMb.toFixed(0)} MiB, ${(s10k.rssMb / s1k.rssMb).toFixed(2)}×)`]:
        s10k.rssMb <= 1.2 * s1k.rssMb,
    })
    console.log(
      `  live heap at exit: ${live[0].toFixed(1)} MiB at 1,000, ${live[1].toFixed(1)} MiB at 10,000 (the peak also holds the parsed 10,000-request file and garbage not yet collected)`,
    )

    // 8. A dataset run against the built-in server (its own process): 1,000 rows × one streamed
    // chat request at --parallel 1, 8 and 32, results to a file; then 10,000 rows, whose peak
    // memory must stay that of 1,000 — results go to the file, not to RAM.
    const mock = spawn(node, [reqchain, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const mockUrl = await new Promise((resolve) =>
      mock.stdout.once('data', (d) => resolve(String(d).split('\n')[0].trim())),
    )
    try {
      writeFileSync(
        join(work, 'ask.http'),
        '# @assert status == 200\nPOST {{baseUrl}}/chat/completions\nContent-Type: application/json\n\n{"model": "m", "stream": true, "messages": [{"role": "user", "content": "{{question}}"}]}\n',
      )
      for (const n of [1000, 10000])
        writeFileSync(
          join(work, `rows-${n}.jsonl`),
          Array.from({ length: n }, (_, i) => JSON.stringify({ question: `Question ${i}?` })).join('\n'),
        )
      const batch = {}
      const datasetRun = (n, parallel) => [
        node,
        [
          reqchain,
          'test',
          join(work, 'ask.http'),
          '--dataset',
          join(work, `rows-${n}.jsonl`),
          '--parallel',
          String(parallel),
          '--results',
          join(work, 'results.jsonl'),
          '-q',
          '--var',
          `baseUrl=${mockUrl}/v1`,
        ],
      ]
      const everyRow = (n) => () => {
        const lines = readFileSync(join(work, 'results.jsonl'), 'utf8').trim().split('\n')
        if (lines.length !== n || lines.some((l) => !l.includes('"status":"passed"')))
          throw new Error(`dataset ${n}: ${lines.length} result lines, not all passed`)
      }
      for (const parallel of [1, 8, 32]) {
        Object.assign(
          batch,
          await compare(
            `dataset p${parallel}`,
            { [`1,000 rows, --parallel ${parallel}`]: datasetRun(1000, parallel) },
            rounds(3),
            { after: everyRow(1000) },
          ),
        )
      }
      Object.assign(
        batch,
        await compare('dataset 10k', { '10,000 rows, --parallel 8': datasetRun(10000, 8) }, rounds(3), {
          after: everyRow(10000),
        }),
      )
      for (const [label, r] of Object.entries(batch))
        r.rowsPerSecond = Number(label.replace(/,/g, '').match(/^\d+/)[0]) / (r.ms / 1000)
      results.dataset = batch
      console.log('\n8. a dataset run against the built-in server (whole process, results to a file)')
      for (const [label, r] of Object.entries(batch))
        console.log(
          `  ${label.padEnd(26)} ${r.ms.toFixed(1).padStart(9)} ms  ${r.rssMb.toFixed(0).padStart(5)} MiB peak  ${r.rowsPerSecond.toFixed(0)} rows/s`,
        )
      const p8 = batch['1,000 rows, --parallel 8']
      const big = batch['10,000 rows, --parallel 8']
      // What the run holds does not grow with the rows; the peak RSS also counts garbage V8 collects later.
      const live = [1000, 10000].map((n) => liveHeapMb(datasetRun(n, 8)[1].slice(1)))
      results.datasetLiveHeapMb = live
      const ok = live[1] <= 1.2 * live[0]
      console.log(
        `  target ${ok ? 'met    ' : 'MISSED '} live heap at 10,000 rows ≤ 1.2× that at 1,000 (${live[0].toFixed(1)} → ${live[1].toFixed(1)} MiB, ${(live[1] / live[0]).toFixed(2)}×); peak RSS ${p8.rssMb.toFixed(0)} → ${big.rssMb.toFixed(0)} MiB (${(big.rssMb / p8.rssMb).toFixed(2)}×)`,
      )
    } finally {
      mock.kill('SIGTERM')
    }
  } finally {
    server.kill('SIGTERM')
    rmSync(work, { recursive: true, force: true })
  }
  mkdirSync(join(here, 'results'), { recursive: true })
  writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nresults: bench/results/latest.json`)
}

main().catch((error) => {
  console.error(`bench failed: ${error.message}`)
  process.exitCode = 1
})
