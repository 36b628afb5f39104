// The CLI's process wiring: real process I/O in, exit code out. The first Ctrl-C (or SIGTERM) stops
// the run gracefully (partial output and reports are kept, exit 130 or 143); a second one exits at once.
import { readFileSync } from 'node:fs'
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
  readStdin: () => readFileSync(0, 'utf8'),
  stdinIsTTY: process.stdin.isTTY === true,
}).then(exitOnceFlushed)

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
