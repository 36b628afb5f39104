// Where a body goes when nothing in the run needs it in memory: a file (-o), or stdout when it
// is piped. Written as it arrives, with the writer's back-pressure, so memory stays flat whatever
// the size.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { OutStream } from '../io.js'

export type BodySink = {
  /** Where the body went, as shown to the user: a path, or `stdout`. */
  readonly target: string
  /** Resolves once the writer can take more. */
  write(chunk: Uint8Array): Promise<void> | undefined
  end(): Promise<void>
  abort(): void
}

export function fileSink(path: string): BodySink {
  const file = createWriteStream(path)
  let failure: Error | undefined
  file.on('error', (error) => { failure = error })
  const failed = once(file, 'error').then(([error]) => { throw error as Error })
  failed.catch(() => {})
  return {
    target: path,
    write: (chunk) => {
      if (failure) throw failure
      return file.write(chunk) ? undefined : Promise.race([once(file, 'drain').then(() => {}), failed])
    },
    end: async () => {
      if (failure) throw failure
      file.end()
      await Promise.race([once(file, 'finish'), failed])
    },
    abort: () => { file.destroy() },
  }
}

/** stdout as a sink; waits for `drain` when the stream has one (a real pipe does, a test double need not). */
export function outputSink(out: OutStream & { once?: (event: 'drain', listener: () => void) => unknown }): BodySink {
  return {
    target: 'stdout',
    write: (chunk) => {
      if (out.write(chunk) !== false || !out.once) return undefined
      return new Promise<void>((resolve) => { out.once!('drain', resolve) })
    },
    end: async () => {},
    abort: () => {},
  }
}
