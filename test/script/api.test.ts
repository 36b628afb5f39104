// The JetBrains HTTP Client API as real files use it, checked against Node's own answers: crypto
// digests, headers, content type, the request in a handler, streamed bodies, client.exit.
import { createHash, createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({
    'POST /echo': (req, res, body) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Multi': ['a', 'b'] })
      res.end(JSON.stringify({ got: JSON.parse(body.toString()), ua: req.headers['x-tag'] }))
    },
    'GET /text': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('plain words')
    },
    'GET /stream': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      for (const word of ['Hello', ' there'])
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: word } }] })}\n\n`)
      res.end('data: [DONE]\n\n')
    },
  })
})
afterAll(() => server.close())

/** Runs one handler; its client.log lines come back, one per line. */
async function logsOf(request: string, script: string): Promise<string[]> {
  const dir = tempDir('api')
  writeFileSync(join(dir, 'a.http'), `${request}\n\n> {%\n${script}\n%}\n`)
  const result = await runCli(['test', 'a.http'], { cwd: dir })
  expect(result.exitCode, result.stderr).toBe(0)
  return result.stderr
    .split('\n')
    .filter((l) => l.startsWith('[log] '))
    .map((l) => l.slice(6))
}

describe('the script API', () => {
  it('digests as Node does: hashes, HMACs, hex and base64 input, base64 and base64url output', async () => {
    const logs = await logsOf(
      `GET ${server.url}/text`,
      [
        'client.log(crypto.sha256().updateWithText("héllo").digest().toHex())',
        'client.log(crypto.md5().updateWithText("a").updateWithText("b").digest().toBase64())',
        'client.log(crypto.sha1().updateWithHex("00ff").digest().toHex())',
        'client.log(crypto.hmac.sha256().withTextSecret("key").updateWithText("msg").digest().toBase64(true))',
        'client.log(crypto.hmac.sha512().withBase64Secret("a2V5").updateWithBase64("bXNn").digest().toHex())',
        'client.log(btoa("hi there"), atob("aGkgdGhlcmU="))',
      ].join('\n'),
    )
    expect(logs).toEqual([
      createHash('sha256').update('héllo').digest('hex'),
      createHash('md5').update('ab').digest('base64'),
      createHash('sha1').update(Buffer.from('00ff', 'hex')).digest('hex'),
      createHmac('sha256', 'key').update('msg').digest('base64url'),
      createHmac('sha512', 'key').update('msg').digest('hex'),
      'aGkgdGhlcmU= hi there',
    ])
  })

  it('reads headers, the content type and the request that was sent', async () => {
    const logs = await logsOf(
      `POST ${server.url}/echo\nContent-Type: application/json\nX-Tag: {{$random.alphabetic(3)}}-x\n\n{"n": 1}`,
      [
        'client.log(response.headers.valueOf("x-multi"), JSON.stringify(response.headers.valuesOf("X-MULTI")), response.headers.valueOf("nope"))',
        'client.log(response.contentType.mimeType, response.contentType.charset)',
        'client.log(request.method, request.url().endsWith("/echo"), request.url.getRaw().startsWith("http"), request.body())',
        'client.log(request.headers.findByName("x-tag").getRawValue(), /^[A-Za-z]{3}-x$/.test(request.headers.findByName("x-tag").value))',
        'client.log(response.body.got.n, typeof $random.uuid, $random.integer(5, 6))',
        'client.log(jsonPath(response.body, "$.got.n"), JSON.stringify(jsonPath({ a: [{ b: 1 }, { b: 2 }] }, "$.a[*].b")), jsonPath(response.body, "$.none"))',
      ].join('\n'),
    )
    expect(logs).toEqual([
      'a ["a","b"] null',
      'application/json utf-8',
      'POST true true {"n": 1}',
      '{{$random.alphabetic(3)}}-x true',
      '1 string 5',
      '1 [1,2] null',
    ])
  })

  it('gives a text body as text, a stream as the assembled message with its events and lines, and stops at client.exit()', async () => {
    expect(await logsOf(`GET ${server.url}/text`, 'client.log(typeof response.body, response.body)')).toEqual([
      'string plain words',
    ])
    const logs = await logsOf(
      `GET ${server.url}/stream`,
      [
        'client.log(response.body.choices[0].message.content)',
        'const seen = []',
        'response.body.onEachMessage(function (m, stop) { seen.push(typeof m === "object" ? m.choices[0].delta.content : m); if (seen.length === 2) stop() })',
        'client.log(JSON.stringify(seen))',
        'let lines = 0; response.body.onEachLine(function () { lines++ })',
        'client.log(lines)',
        'client.exit()',
        'client.log("not reached")',
      ].join('\n'),
    )
    expect(logs).toEqual(['Hello there', '["Hello"," there"]', '3'])
  })
})
