// Where a body goes when nothing in the run needs it in memory: a file (-o), or stdout when it
// is piped. Written as it arrives, with the writer's back-pressure, so memory stays flat whatever
// the size.
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { SendError } from '../errors.js'
import type { OutStream } from '../io.js'
import type { SourceSpan } from '../model.js'
import { type OutputFile, openOutput } from '../output-file.js'

export type BodySink = {
  /** Where the body went, as shown to the user: a path, or `stdout`. */
  readonly target: string
  /** Resolves once the writer can take more. */
  write(chunk: Uint8Array): Promise<void> | undefined
  end(): Promise<void>
  abort(): void
}

/**
 * A body to a file, whole or not at all (output-file.ts: a device or a FIFO is written in place).
 * The file is opened at the first chunk, so a request that fails before its body leaves the target
 * as it was.
 */
export function fileSink(path: string): BodySink {
  let output: OutputFile | undefined
  let file: WriteStream | undefined
  let failure: Error | undefined
  let failed: Promise<never> | undefined
  const open = (): WriteStream => {
    if (file) return file
    output = openOutput(path)
    const stream = createWriteStream('', { fd: output.fd, autoClose: false })
    stream.on('error', (error) => {
      failure = error
    })
    failed = once(stream, 'error').then(([error]) => {
      throw error as Error
    })
    failed.catch(() => {})
    return (file = stream)
  }
  return {
    target: path,
    write: (chunk) => {
      if (failure) throw failure
      const stream = open()
      return stream.write(chunk) ? undefined : Promise.race([once(stream, 'drain').then(() => {}), failed!])
    },
    end: async () => {
      if (failure) throw failure
      const stream = open() // an empty body is a file too
      stream.end()
      await Promise.race([once(stream, 'finish'), failed!])
      output!.commit()
    },
    abort: () => {
      // Destroying the stream closes its descriptor (even with autoClose off): the file is
      // discarded without closing it a second time.
      if (!file) output?.discard()
      else {
        output?.discard({ fdClosed: true }) // the temporary file is removed now; its descriptor goes with the stream
        file.destroy()
      }
    },
  }
}

/** stdout as a sink; waits for `drain` when the stream has one (a real pipe does, a test double need not). */
export function outputSink(out: OutStream & { once?: (event: 'drain', listener: () => void) => unknown }): BodySink {
  return {
    target: 'stdout',
    write: (chunk) => {
      if (out.write(chunk) !== false || !out.once) return undefined
      return new Promise<void>((resolve) => {
        out.once!('drain', resolve)
      })
    },
    end: async () => {},
    abort: () => {},
  }
}

/** A chunk to the sink (or its end, for `undefined`); whatever the file or pipe says is an output error. */
export async function writeTo(
  sink: BodySink,
  chunk: Uint8Array | undefined,
  describe: string,
  span: SourceSpan | undefined,
): Promise<void> {
  try {
    if (chunk === undefined) await sink.end()
    else await sink.write(chunk)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new SendError(
      'SEND_OUTPUT',
      `Cannot write the body to ${sink.target} (${code}): ${describe}`,
      span,
      'check the -o path and the free space',
      { cause: error },
    )
  }
}
