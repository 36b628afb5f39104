// `reqchain serve`: the built-in server in the foreground until Ctrl-C.
import type { Io } from '../io.js'
import { ReqchainError, UsageError } from '../errors.js'
import { parseFaults, startMockServer } from '../serve/server.js'
import { ExitCode } from './exit-code.js'
import type { Options } from './options.js'

export async function serveCommand(options: Options & { command: 'serve' }, io: Io): Promise<ExitCode> {
  if (options.replay !== undefined) return serveReplay(options, options.replay, io)
  try {
    parseFaults(options.fault)
  } catch (error) {
    throw new UsageError(`--fault: ${(error as Error).message}`)
  }
  let server
  try {
    server = await startMockServer({
      port: options.port,
      host: options.host,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.fault ? { fault: options.fault } : {}),
      ...(options.models ? { models: options.models } : {}),
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'EADDRINUSE'
        ? `Port ${options.port} is in use`
        : `Cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
      'pick another with --port (0 for any free port)',
    )
  }
  io.stdout.write(`${server.url}\n`)
  io.stderr.write(
    `reqchain mock server on ${server.url} — OpenAI API at ${server.url}/v1, Ollama API at ${server.url}/api. Ctrl-C stops it.\n`,
  )
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve()
    io.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  await server.close()
  return ExitCode.ok
}

/** `serve --replay DIR`: the recording's responses, to any client, until Ctrl-C. */
async function serveReplay(options: Options & { command: 'serve' }, dir: string, io: Io): Promise<ExitCode> {
  const { serveRecording } = await import('../record/record.js')
  let server
  try {
    server = await serveRecording(io.cwd, dir, {
      port: options.port,
      host: options.host,
      speed: options.replaySpeed,
      onMiss: (message) => io.stderr.write(`${message}\n`),
    })
  } catch (error) {
    if (error instanceof ReqchainError) throw error // the recording's own faults, located
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'EADDRINUSE'
        ? `Port ${options.port} is in use`
        : `Cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
      'pick another with --port (0 for any free port)',
    )
  }
  io.stdout.write(`${server.url}\n`)
  io.stderr.write(
    `reqchain replay server on ${server.url}: ${server.exchanges} recorded exchanges from ${dir}${options.replaySpeed === 0 ? ', without waiting' : options.replaySpeed !== 1 ? `, ${options.replaySpeed}× as fast` : ''}. Ctrl-C stops it.\n`,
  )
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve()
    io.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  await server.close()
  return ExitCode.ok
}
