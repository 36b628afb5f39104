// The executable: real process I/O in, exit code out. The first Ctrl-C stops the run gracefully
// (partial output and reports are kept); a second one exits at once.
import { setFlagsFromString } from 'node:v8'
import { VERSION } from '../version.js'

// undici parses HTTP with llhttp compiled to WebAssembly. V8 otherwise also compiles it with its
// optimising tier in the background and Node waits for that at exit: about 150 ms and 35 MB on
// every run. The baseline tier parses fast enough to keep up with a loopback server.
setFlagsFromString('--liftoff-only')

const controller = new AbortController()
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130)
  controller.abort()
})
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0) // `| head` closed the pipe: not an error
})
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  // Answered before anything else loads: `reqchain --version` costs no more than starting Node.
  process.stdout.write(`${VERSION}\n`)
} else {
  const { main } = await import('./main.js')
  process.exitCode = await main(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
  })
}
