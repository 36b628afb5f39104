// The CLI's process wiring: real process I/O in, exit code out. The first Ctrl-C (or SIGTERM) stops
// the run gracefully (partial output and reports are kept, exit 130 or 143); a second one exits at once.
import { readSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { MAX_STDIN_BYTES } from '../load/input-file.js'
import { main } from './main.js'

const controller = new AbortController()
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(code)
    controller.abort(signal)
  })
}
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0) // `| head` closed the pipe: not an error
})
// A closed stderr (`2>&-`, a reader gone) loses the diagnostics, not the run: the exit code stays the run's.
process.stderr.on('error', () => {})
void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
  readStdin,
  stdinIsTTY: process.stdin.isTTY === true,
  ask,
}).then(exitOnceFlushed)

/** One line from the terminal, the question on stderr; a hidden answer is not echoed (readline writes its echo to a sink). */
async function ask(question: string, hidden: boolean): Promise<string> {
  const [{ createInterface }, { Writable }] = await Promise.all([import('node:readline'), import('node:stream')])
  process.stderr.write(question)
  const echo = hidden ? new Writable({ write: (_chunk, _encoding, done) => done() }) : process.stderr
  const lines = createInterface({ input: process.stdin, output: echo, terminal: true })
  try {
    return await new Promise<string>((resolve) => lines.question('', resolve))
  } finally {
    lines.close()
    if (hidden) process.stderr.write('\n')
  }
}

/** Standard input, whole, up to MAX_STDIN_BYTES (`< /dev/zero` is a usage error, not the machine's memory). */
function readStdin(): string {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024)
    let read: number
    try {
      read = readSync(0, chunk, 0, chunk.length, null)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 10) // a non-blocking stdin with nothing yet
        continue
      }
      if (code === 'EOF') break
      throw new UsageError(`standard input cannot be read (${code ?? 'error'})`)
    }
    if (read === 0) break
    size += read
    if (size > MAX_STDIN_BYTES)
      throw new UsageError(`standard input is larger than ${MAX_STDIN_BYTES / 1024 / 1024} MiB`, 'name a file instead')
    chunks.push(chunk.subarray(0, read))
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * main awaits everything a command does (requests, files, reports, the server of `serve`), so
 * what the event loop still holds is closing sockets. Exiting as soon as stdout and stderr have
 * written everything spares the rest of Node's teardown, a few milliseconds on every run.
 */
function exitOnceFlushed(code: number): void {
  process.exitCode = code
  let streams = 2
  const flushed = () => {
    if (--streams === 0) process.exit()
  }
  // An empty write's callback runs once every earlier write to that stream is out.
  process.stdout.write('', flushed)
  process.stderr.write('', flushed)
}
