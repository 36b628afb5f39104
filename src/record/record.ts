// What a run does with recordings, in one place: --record (a Recorder fed every step), --replay
// (a replay server on loopback that the transport sends everything to) and --compare (each step
// checked against the recording). Loaded only for runs that use one of them.
import { relative, resolve } from 'node:path'
import type { AssertResult } from '../model.js'
import type { StepResult } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import { type ReportError, ReqchainError } from '../errors.js'
import { Comparer } from './compare.js'
import { readRecording, readRecordingIndex } from './format.js'
import { Recorder } from './recorder.js'
import { type ReplayServer, startReplayServer } from './replay.js'

export type RecordingsOptions = {
  readonly cwd: string
  readonly command: 'run' | 'test'
  readonly files: readonly string[]
  readonly names: readonly string[]
  /** The --dataset (an absolute path), its --rows and --limit: a recording remembers them for `diff`. */
  readonly dataset?: { readonly file: string; readonly rows?: string; readonly limit?: number }
  readonly secrets: Secrets
  readonly record?: string
  readonly replay?: string
  readonly replaySpeed: number
  readonly compare?: { readonly dir: string; readonly ignore: readonly string[]; readonly headers: readonly string[] }
}

export type Recordings = {
  readonly replayTo?: { readonly host: string; readonly port: number }
  /** Each step against the recording: --compare's differences as failed assertions, a replay miss as an error. */
  readonly review?: (step: StepResult) => StepResult
  /** Whether the send stage should time stream pieces for the recording. */
  readonly timePieces: boolean
  readonly add: (step: StepResult) => void
  /** The replay server's misses: requests of the run that the recording did not hold. */
  readonly misses: () => readonly string[]
  /** Stops the replay server (the run's requests have ended). */
  readonly close: () => Promise<void>
  /** Puts the recording in place; an error to report when it could not be written. */
  readonly finish: () => ReportError | undefined
  /** Drops what was recorded: the run ended in a bug. */
  readonly abort: () => void
}

export async function openRecordings(options: RecordingsOptions): Promise<Recordings> {
  let server: ReplayServer | undefined
  if (options.replay !== undefined) {
    server = await startReplayServer(readRecording(resolve(options.cwd, options.replay), options.replay), {
      port: 0,
      host: '127.0.0.1',
      speed: options.replaySpeed,
    })
  }
  let compare: ((step: StepResult) => readonly AssertResult[]) | undefined
  if (options.compare) {
    const dir = resolve(options.cwd, options.compare.dir)
    const comparer = new Comparer(readRecording(dir, options.compare.dir), options.compare)
    compare = (step) => comparer.compare(step, relative(dir, step.file.absolutePath))
  }
  const review = (step: StepResult): StepResult => {
    const miss =
      server &&
      !step.error &&
      step.exchange?.headers.some(([n, v]) => n.toLowerCase() === 'x-reqchain-replay' && v === 'no-match')
    if (miss) {
      const message = new TextDecoder()
        .decode(step.exchange!.body)
        .trim()
        .replace(/^reqchain replay: /, '')
      return {
        ...step,
        error: new ReqchainError(
          'REPLAY_MISS',
          `Not in the recording ${options.replay}: ${message}`,
          step.template.span,
          'the run sends a request the recording does not hold: record again, or run the requests it holds',
        ),
      }
    }
    return compare ? { ...step, asserts: [...step.asserts, ...compare(step)] } : step
  }
  const recorder =
    options.record !== undefined
      ? new Recorder(resolve(options.cwd, options.record), options.record, options.secrets, {
          command: options.command,
          files: options.files,
          names: options.names,
          ...(options.dataset ? { dataset: options.dataset } : {}),
        })
      : undefined
  return {
    ...(server ? { replayTo: { host: '127.0.0.1', port: Number(new URL(server.url).port) } } : {}),
    ...(server || compare ? { review } : {}),
    timePieces: recorder !== undefined,
    add: (step) => recorder?.add(step),
    misses: () => server?.misses() ?? [],
    close: async () => {
      await server?.close()
    },
    finish: () => recorder?.finish(),
    abort: () => recorder?.abort(),
  }
}

/** `serve --replay DIR`: the recording's server on the given address, until it is closed. */
export async function serveRecording(
  cwd: string,
  dir: string,
  options: {
    readonly port: number
    readonly host: string
    readonly speed: number
    readonly onMiss: (message: string) => void
  },
): Promise<ReplayServer & { readonly exchanges: number }> {
  const recording = readRecording(resolve(cwd, dir), dir)
  const server = await startReplayServer(recording, options)
  return { ...server, exchanges: recording.exchanges.length }
}

/** The request files a recording names, as paths from the working directory, and its request names. */
export function recordedCollection(
  cwd: string,
  dir: string,
): {
  readonly paths: string[]
  readonly names: readonly string[]
  readonly command: 'run' | 'test'
  readonly dataset?: { readonly file: string; readonly rows?: string; readonly limit?: number }
} {
  const absolute = resolve(cwd, dir)
  const index = readRecordingIndex(absolute, dir)
  return {
    paths: index.files.map((f) => relative(cwd, resolve(absolute, f)) || '.'),
    names: index.names,
    command: index.command,
    ...(index.dataset
      ? { dataset: { ...index.dataset, file: relative(cwd, resolve(absolute, index.dataset.file)) || '.' } }
      : {}),
  }
}
