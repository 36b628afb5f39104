// stderr, when it is not a terminal, written in batches: a run of 1,000 requests writes 1,000
// summary lines, and one write call each cost more than the rest of printing them. Lines go out
// within 25 ms, before anything is written to stdout (so `2>&1` keeps its order), and when the
// command ends. A terminal gets every line at once, as before.
import type { Io, OutStream } from '../io.js'

const FLUSH_MS = 25
const FLUSH_BYTES = 64 * 1024

export type BatchedIo = Io & { readonly flush: () => void }

export function batchedStderr(io: Io): BatchedIo {
  if (io.stderr.isTTY) return { ...io, flush: () => {} }
  const target = io.stderr
  let pending: (string | Uint8Array)[] = []
  let bytes = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (timer) {
      clearTimeout(timer)
      timer = undefined
    }
    if (pending.length === 0) return
    const chunks = pending
    pending = []
    bytes = 0
    target.write(
      chunks.every((c) => typeof c === 'string')
        ? chunks.join('')
        : Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
    )
  }
  const stderr: OutStream = {
    isTTY: false,
    write: (chunk) => {
      pending.push(chunk)
      bytes += chunk.length
      if (bytes >= FLUSH_BYTES) flush()
      else timer ??= setTimeout(flush, FLUSH_MS)
      return true
    },
  }
  const out = io.stdout as OutStream & { once?: (event: 'drain', listener: () => void) => unknown }
  const stdout: OutStream & { once?: (event: 'drain', listener: () => void) => unknown } = {
    ...(out.isTTY !== undefined ? { isTTY: out.isTTY } : {}),
    write: (chunk) => {
      flush()
      return out.write(chunk)
    },
    ...(out.once ? { once: out.once.bind(out) } : {}),
  }
  return { ...io, stderr, stdout, flush }
}
