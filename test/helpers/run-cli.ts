// Runs the whole CLI in-process, as a user would from a shell, and returns what it printed.
import { main } from '../../src/cli/main.js'

export type CliRun = { exitCode: number; stdout: string; stderr: string; stdoutBytes: Buffer }

export type CliOptions = {
  cwd: string
  env?: Record<string, string | undefined>
  tty?: boolean
  /** The terminal's width, with `tty`. */
  columns?: number
  signal?: AbortSignal
  stdin?: string
  /** A terminal to ask on (`# @prompt`): the answers by question, and the questions asked. */
  ask?: { answers: Record<string, string>; asked: { question: string; hidden: boolean }[] }
}

export async function runCli(args: string[], options: CliOptions): Promise<CliRun> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const stream = (into: Buffer[]) => ({
    isTTY: options.tty ?? false,
    ...(options.columns !== undefined ? { columns: options.columns } : {}),
    write: (chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
      return true
    },
  })
  const exitCode = await main(args, {
    stdout: stream(out),
    stderr: stream(err),
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stdin !== undefined ? { readStdin: () => options.stdin!, stdinIsTTY: false } : {}),
    ...(options.ask
      ? {
          stdinIsTTY: true,
          ask: (question: string, hidden: boolean) => {
            options.ask!.asked.push({ question, hidden })
            return Promise.resolve(options.ask!.answers[question] ?? '')
          },
        }
      : {}),
  })
  const stdoutBytes = Buffer.concat(out)
  return { exitCode, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes }
}
