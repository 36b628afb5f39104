// The recording format (`--record DIR`), made to be read by people and diffed in git:
//
//   DIR/index.json            what was run (files, names) and one line per exchange, in order
//   DIR/0001-login.json       one exchange: the request as sent, the response, timings, captures
//   DIR/0002-ask.response     a body too big to sit in its JSON file, as the bytes themselves
//
// A body is `{ "text": … }` when it is UTF-8, `{ "base64": … }` otherwise, `{ "file": …, "size": … }`
// past 256 KiB. A stream keeps its pacing: `chunks` are the sizes of the body's pieces as they
// arrived and when, in milliseconds from the request's start. Secrets are masked in everything
// (unless --show-secrets), so a recording can be attached to a bug report.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import type { HeaderPairs, Timings } from '../model.js'
import { MASK } from '../secrets.js'

export const FORMAT = 'reqchain-recording'
export const FORMAT_VERSION = 1
/** Past this size a body is written as a file of its own beside the exchange. */
export const SIDE_FILE_BYTES = 256 * 1024

export type RecordedBody = { readonly text: string } | { readonly base64: string } | { readonly file: string; readonly size: number }

export type RecordedExchange = {
  readonly seq: number
  /** The request file as given to the run, and relative to the recording folder. */
  readonly file: string
  readonly line: number
  readonly name?: string
  /** The --dataset row, 1-based. */
  readonly row?: number
  readonly request: { readonly method: string; readonly url: string; readonly headers: HeaderPairs; readonly body?: RecordedBody }
  readonly response?: {
    readonly status: number
    readonly statusText: string
    readonly httpVersion: string
    readonly headers: HeaderPairs
    readonly body: RecordedBody
    readonly chunks?: readonly { readonly at: number; readonly size: number }[]
  }
  readonly timings?: Timings
  readonly captures: Readonly<Record<string, unknown>>
  readonly error?: { readonly code: string; readonly message: string }
}

export type RecordingIndex = {
  readonly format: typeof FORMAT
  readonly version: number
  readonly reqchain: string
  readonly recordedAt: string
  readonly command: 'run' | 'test'
  /** The request files, relative to the recording folder (so `reqchain diff DIR` finds them from anywhere). */
  readonly files: readonly string[]
  readonly names: readonly string[]
  readonly exchanges: readonly { readonly seq: number; readonly path: string; readonly file: string; readonly line: number; readonly name?: string; readonly row?: number; readonly method: string; readonly url: string; readonly status?: number }[]
}

export type Recording = { readonly dir: string; readonly index: RecordingIndex; readonly exchanges: readonly RecordedExchange[] }

/** Reads a recording's JSON file; anything missing or malformed is a usage error naming it. */
function readJson(dir: string, shown: string, name: string): unknown {
  let text: string
  try {
    text = readFileSync(join(dir, name), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`${shown}: ${name} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? 'error'})`}`, code === 'ENOENT' && name === 'index.json' ? 'name a folder written by --record DIR' : undefined)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${shown}/${name} is not valid JSON: ${(error as Error).message}`)
  }
}

/** A recording's index alone: what it ran, in which order. */
export function readRecordingIndex(dir: string, shown: string): RecordingIndex {
  const index = readJson(dir, shown, 'index.json') as RecordingIndex
  if (index?.format !== FORMAT || !Array.isArray(index.exchanges)) throw new UsageError(`${shown}/index.json is not a reqchain recording`, 'name a folder written by --record DIR')
  if (index.version > FORMAT_VERSION) throw new UsageError(`${shown} was recorded by a newer reqchain (format ${index.version})`, 'upgrade reqchain to read it')
  return index
}

/** Reads a recording whole: its index and every exchange. */
export function readRecording(dir: string, shown: string): Recording {
  const index = readRecordingIndex(dir, shown)
  return { dir, index, exchanges: index.exchanges.map((entry) => readJson(dir, shown, entry.path) as RecordedExchange) }
}

/** A recorded body's bytes, reading a side file when it is one. */
export function bodyBytes(recording: { readonly dir: string }, body: RecordedBody | undefined): Buffer {
  if (!body) return Buffer.alloc(0)
  if ('text' in body) return Buffer.from(body.text, 'utf8')
  if ('base64' in body) return Buffer.from(body.base64, 'base64')
  return readFileSync(join(recording.dir, body.file))
}

/** Recorded text against text now: equal, or equal where the recording has a masked secret (which stands for any value). */
export function matchesMasked(recorded: string, actual: string): boolean {
  if (recorded === actual) return true
  if (!recorded.includes(MASK)) return false
  const pattern = recorded.split(MASK).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?')
  return new RegExp(`^${pattern}$`).test(actual)
}
