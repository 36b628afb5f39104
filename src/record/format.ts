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
import { lstatSync } from 'node:fs'
import { readInputFile } from '../load/input-file.js'
import { checkIndex, exchangeChecker, isPlainName, readRecordingJson } from './validate.js'
import { join } from 'node:path'
import { LoadError } from '../errors.js'
import type { HeaderPairs, Timings } from '../model.js'
import { MASK } from '../secrets.js'

export const FORMAT = 'reqchain-recording'
export const FORMAT_VERSION = 1
/** Past this size a body is written as a file of its own beside the exchange. */
export const SIDE_FILE_BYTES = 256 * 1024

export type RecordedBody =
  { readonly text: string } | { readonly base64: string } | { readonly file: string; readonly size: number }

export type RecordedExchange = {
  readonly seq: number
  /** The request file as given to the run, and relative to the recording folder. */
  readonly file: string
  readonly line: number
  readonly name?: string
  /** The --dataset row, 1-based. */
  readonly row?: number
  readonly request: {
    readonly method: string
    readonly url: string
    readonly headers: HeaderPairs
    readonly body?: RecordedBody
  }
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
  /** The --dataset the run read (relative to the recording folder) and its --rows and --limit, for `reqchain diff`. */
  readonly dataset?: { readonly file: string; readonly rows?: string; readonly limit?: number }
  readonly exchanges: readonly {
    readonly seq: number
    readonly path: string
    readonly file: string
    readonly line: number
    readonly name?: string
    readonly row?: number
    readonly method: string
    readonly url: string
    readonly status?: number
  }[]
}

export type Recording = {
  readonly dir: string
  readonly index: RecordingIndex
  readonly exchanges: readonly RecordedExchange[]
}

/** A recording's index alone: what it ran, in which order (checked as untrusted input: validate.ts). */
export function readRecordingIndex(dir: string, shown: string): RecordingIndex {
  return readRecordingJson(dir, join(shown, 'index.json'), 'index.json', (node) => {
    const format = node.kind === 'object' ? node.entries.find((e) => e.key === 'format')?.value : undefined
    // An index that is not ours is a file of the run that is wrong: a load error at its place.
    if (format?.kind !== 'string' || format.value !== FORMAT)
      throw new LoadError(
        'LOAD_JSON',
        `${join(shown, 'index.json')} is not a reqchain recording (its "format" is not "${FORMAT}")`,
        format?.span ?? node.span,
        'name a folder written by --record DIR',
      )
    const version = node.kind === 'object' ? node.entries.find((e) => e.key === 'version')?.value : undefined
    if (version?.kind === 'number' && version.value > FORMAT_VERSION)
      throw new LoadError(
        'LOAD_JSON',
        `${shown} was recorded by a newer reqchain (format ${version.value})`,
        version.span,
        'upgrade reqchain to read it',
      )
    checkIndex(node)
  }) as RecordingIndex
}

/** Reads a recording whole: its index and every exchange, each checked. */
export function readRecording(dir: string, shown: string): Recording {
  const index = readRecordingIndex(dir, shown)
  const check = exchangeChecker(dir)
  return {
    dir,
    index,
    exchanges: index.exchanges.map(
      (entry) => readRecordingJson(dir, join(shown, entry.path), entry.path, check) as RecordedExchange,
    ),
  }
}

/** A recorded body's bytes, reading a side file when it is one: a plain regular file of the recording's own folder. */
export function bodyBytes(recording: { readonly dir: string }, body: RecordedBody | undefined): Buffer {
  if (!body) return Buffer.alloc(0)
  if ('text' in body) return Buffer.from(body.text, 'utf8')
  if ('base64' in body) return Buffer.from(body.base64, 'base64')
  const path = join(recording.dir, body.file)
  if (!isPlainName(body.file) || lstatSync(path).isSymbolicLink())
    throw new LoadError(
      'LOAD_JSON',
      `The recording's side file ${body.file} is not a file of its own folder`,
      undefined,
    )
  return readInputFile(path)
}

/** Recorded text against text now: equal, or equal where the recording has a masked secret (which stands for any value). */
export function matchesMasked(recorded: string, actual: string): boolean {
  if (recorded === actual) return true
  if (!recorded.includes(MASK)) return false
  const pattern = recorded
    .split(MASK)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?')
  return new RegExp(`^${pattern}$`).test(actual)
}
