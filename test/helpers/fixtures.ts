// Recorded llama-server responses (test/fixtures/llama-server/README.md), served byte for byte.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'

const dir = join(import.meta.dirname, '..', 'fixtures', 'llama-server')

export function fixtureBody(name: string): Buffer {
  return readFileSync(join(dir, `${name}.body`))
}

export function fixtureHeaders(name: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = readFileSync(join(dir, `${name}.headers`), 'utf8')
    .split(/\r?\n/)
    .filter(Boolean)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const at = line.indexOf(':')
    const name = line.slice(0, at)
    if (!/^(transfer-encoding|content-length|keep-alive|connection)$/i.test(name))
      headers[name] = line.slice(at + 1).trim()
  }
  return { status: Number(statusLine!.split(' ')[1]), headers }
}

/** Replays a fixture, cutting the body into pieces of `chunkSize` bytes (1 = every awkward boundary). */
export async function replay(res: ServerResponse, name: string, chunkSize = Infinity): Promise<void> {
  const { status, headers } = fixtureHeaders(name)
  const body = fixtureBody(name)
  res.writeHead(status, headers)
  if (chunkSize === Infinity) {
    res.end(body)
    return
  }
  for (let i = 0; i < body.length; i += chunkSize) {
    res.write(body.subarray(i, i + chunkSize))
    if (i % (chunkSize * 64) === 0) await new Promise((r) => setImmediate(r))
  }
  res.end()
}
