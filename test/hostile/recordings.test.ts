// A recording is untrusted input (it may come with a bug report): each way of tampering with one is
// a located error with exit 2 — never a stack trace, never a file served from outside the folder.
import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const KEY = 'sk-live-ABCDEF123456'
const LATER = 'tok-LATER-998877'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'GET /small': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Trace': 'abc' })
      res.end('small body')
    },
    'GET /big': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('x'.repeat(300 * 1024))
    },
    'GET /bin': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      res.end(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(`key=${KEY};`), Buffer.from([0x80, 0x81])]))
    },
    'GET /early': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ note: `soon: ${LATER}` }))
    },
    'GET /early-big': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(`${'y'.repeat(300 * 1024)} ${LATER}`)
    },
    'GET /early-bin': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      res.end(Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(LATER)]))
    },
    'GET /login': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ token: LATER }))
    },
  })
})
afterAll(() => server.close())

/** A fresh recording of two requests (the second with a side file); returns the folder and its exchange files. */
async function recording(): Promise<{ dir: string; rec: string; small: string; big: string; side: string }> {
  const dir = tempDir('recordings')
  writeFileSync(join(dir, 'r.http'), `GET ${server.url}/small\n\n###\nGET ${server.url}/big\n`)
  const result = await runCli(['run', 'r.http', '--record', 'rec'], { cwd: dir })
  expect(result.exitCode, result.stderr).toBe(0)
  const rec = join(dir, 'rec')
  const files = readdirSync(rec).sort()
  const side = files.find((f) => !f.endsWith('.json'))!
  expect(side).toBeDefined()
  return {
    dir,
    rec,
    small: join(
      rec,
      files.find((f) => f.startsWith('0001'))!,
    ),
    big: join(
      rec,
      files.find((f) => f.startsWith('0002') && f.endsWith('.json'))!,
    ),
    side,
  }
}

function tamper(file: string, change: (json: Record<string, any>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>
  change(json)
  writeFileSync(file, JSON.stringify(json, null, 2))
}

async function replayFails(dir: string, message: RegExp, where: RegExp): Promise<void> {
  for (const args of [
    ['run', 'r.http', '--replay', 'rec'],
    ['diff', 'rec'],
    ['serve', '--replay', 'rec', '--port', '0'],
  ]) {
    const result = await runCli(args, { cwd: dir })
    expect(result.stderr, args.join(' ')).toMatch(message)
    expect(result.stderr).toMatch(where)
    expect(result.stderr).not.toMatch(/crashed|\n\s+at /)
    expect(result.exitCode, args.join(' ')).toBe(2)
  }
}

describe('what a recording holds', () => {
  it('masks secrets in binary bodies, and a secret learned later in the run in the exchanges recorded before it', async () => {
    const dir = tempDir('recordings')
    writeFileSync(join(dir, '.env'), `API_KEY=${KEY}\n`)
    writeFileSync(
      join(dir, 'r.http'),
      [
        `GET ${server.url}/bin`,
        `GET ${server.url}/early`,
        `GET ${server.url}/early-big`,
        `GET ${server.url}/early-bin`,
        `# @capture sessionToken = $.token\nGET ${server.url}/login`,
      ].join('\n\n###\n'),
    )
    const result = await runCli(['run', 'r.http', '--record', 'rec'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    const rec = join(dir, 'rec')
    for (const name of readdirSync(rec)) {
      const bytes = readFileSync(join(rec, name))
      for (const secret of [KEY, LATER])
        expect(bytes.includes(Buffer.from(secret)), `${name} holds ${secret}`).toBe(false)
      for (const [, base64] of bytes.toString('utf8').matchAll(/"base64": "([^"]*)"/g)) {
        const decoded = Buffer.from(base64!, 'base64')
        for (const secret of [KEY, LATER])
          expect(decoded.includes(Buffer.from(secret)), `${name}'s base64 body holds ${secret}`).toBe(false)
      }
    }
    // Still a recording that reads back whole: sizes were updated where masking changed them.
    const diffed = await runCli(['diff', 'rec'], { cwd: dir })
    expect(diffed.stderr).not.toMatch(/crashed|must|holds \d+ bytes/)
  })
})

describe('a recording from someone else', () => {
  it('refuses a status outside 100-599, at its line', async () => {
    const { dir, small } = await recording()
    tamper(small, (j) => {
      j['response'].status = 999
    })
    await replayFails(dir, /`status` must be a whole number from 100 to 599/, /rec\/0001[^:]*\.json:\d+:\d+/)
  })

  it('refuses a header value or status text holding CR/LF (a split response)', async () => {
    const { dir, small } = await recording()
    tamper(small, (j) => {
      j['response'].headers.push(['X-Evil', 'a\r\nSet-Cookie: stolen=1'])
    })
    await replayFails(dir, /holds a line break or NUL/, /0001[^:]*\.json:\d+:\d+/)
    tamper(small, (j) => {
      j['response'].headers.pop()
      j['response'].statusText = 'OK\r\nX-Evil: 1'
    })
    await replayFails(dir, /`statusText` holds a line break/, /0001[^:]*\.json:\d+:\d+/)
  })

  it('refuses a side file outside the folder, through a symbolic link, or of another size', async () => {
    const { dir, rec, big, side } = await recording()
    writeFileSync(join(dir, 'outside.txt'), 'a file of the user')
    tamper(big, (j) => {
      j['response'].body.file = '../outside.txt'
    })
    await replayFails(dir, /must name a file in the recording's folder, not a path/, /0002[^:]*\.json:\d+:\d+/)
    tamper(big, (j) => {
      j['response'].body.file = 'link.response'
    })
    symlinkSync(join(dir, 'outside.txt'), join(rec, 'link.response'))
    await replayFails(dir, /is a symbolic link/, /0002[^:]*\.json:\d+:\d+/)
    tamper(big, (j) => {
      j['response'].body.file = side
      j['response'].body.size = 5
    })
    await replayFails(dir, /holds 307200 bytes where the recording says 5/, /0002[^:]*\.json:\d+:\d+/)
  })

  it('refuses an index entry that names a path, and JSON that does not parse, at its place', async () => {
    const { dir, rec, small } = await recording()
    tamper(join(rec, 'index.json'), (j) => {
      j['exchanges'][0].path = '../../elsewhere.json'
    })
    await replayFails(dir, /must name a \.json file in the recording's folder/, /rec\/index\.json:\d+:\d+/)
    tamper(join(rec, 'index.json'), (j) => {
      j['exchanges'][0].path = small.split('/').pop()
    })
    writeFileSync(small, '{"seq": 1,, }')
    await replayFails(dir, /JSON|Unexpected/, /0001[^:]*\.json:1:\d+/)
  })
})
