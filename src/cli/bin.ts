// The CLI's process wiring: real process I/O in, exit code out. The first Ctrl-C stops the run
// gracefully (partial output and reports are kept); a second one exits at once.
import { main } from './main.js'

const controller = new AbortController()
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130)
  controller.abort()
})
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0) // `| head` closed the pipe: not an error
})
void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code
})
