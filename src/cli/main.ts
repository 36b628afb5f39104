// The composition root: the only place that wires the stages to I/O.
//   parseOptions → load → select → run (render → send → check) → print → reports → exit code
import { resolve } from 'node:path'
import { ReqchainError, LoadError, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { readInputFile } from '../load/input-file.js'
import { formatCodeFrame, formatShort, type Sources } from '../source.js'
import { batchedStderr } from './batched-stderr.js'
import { ExitCode } from './exit-code.js'
import { type Options, parseOptions } from './options.js'
import { loadAll } from './load-paths.js'
import { runCommand } from './run-command.js'

export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  const sources = new Map<string, string>()
  // Files that failed to load, and body files, are read on demand for their code frames.
  const lookup: Sources = (file) => sources.get(file) ?? readIfExists(resolve(io.cwd, file))
  let short = false
  try {
    if (argv[0] === '__complete') {
      // Asked by the completion scripts for the word under the cursor: never an error on a half-typed line.
      const { completeCommand } = await import('./completion.js')
      return completeCommand(argv.slice(1), io)
    }
    const options = await parseOptions(argv, { width: io.stdout.isTTY ? (io.stdout.columns ?? 80) : 80 })
    short = 'errorFormat' in options && options.errorFormat === 'short'
    switch (options.command) {
      case 'help':
      case 'version':
        io.stdout.write(`${options.text}\n`)
        return ExitCode.ok
      case 'parse': {
        const files = loadAll(options.paths, io, sources, {})
        const { toParseView } = await import('../report/parse-view.js')
        io.stdout.write(
          `${JSON.stringify(toParseView(files.map((f) => f.file)), null, io.stdout.isTTY ? 2 : undefined)}\n`,
        )
        return ExitCode.ok
      }
      case 'import': {
        const { importCommand } = await import('./import-command.js')
        return await importCommand(options, io, sources)
      }
      case 'completion': {
        const { completionScript } = await import('./completion.js')
        io.stdout.write(completionScript(options.shell))
        return ExitCode.ok
      }
      case 'merge': {
        const { mergeCommand } = await import('./merge-command.js')
        return await mergeCommand(options, io)
      }
      case 'curl': {
        const { curlCommand } = await import('./curl-command.js')
        return await curlCommand(
          options,
          io,
          loadAll(options.paths, io, sources, { fileRoot: options.fileRoot }),
          lookup,
        )
      }
      case 'serve': {
        const { serveCommand } = await import('./serve-command.js')
        return await serveCommand(options, io)
      }
      default: {
        if (options.dryRun) {
          const { curlCommand } = await import('./curl-command.js')
          return await curlCommand(
            options,
            io,
            loadAll(options.paths, io, sources, {
              recursive: options.command === 'test',
              names: options.names,
              fileRoot: options.fileRoot,
            }),
            lookup,
            'http',
          )
        }
        const batched = batchedStderr(io)
        try {
          return await runCommand(options, batched, sources, lookup)
        } finally {
          batched.flush()
        }
      }
    }
  } catch (error) {
    return reportFailure(error, io, lookup, short)
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readInputFile(path).toString('utf8')
  } catch {
    return undefined
  }
}

function reportFailure(error: unknown, io: Io, sources: Sources, short: boolean): ExitCode {
  if (error instanceof ReqchainError) {
    io.stderr.write(`${short ? formatShort(error) : formatCodeFrame(error, sources)}\n`)
    return error instanceof UsageError ? ExitCode.usage : error instanceof LoadError ? ExitCode.load : ExitCode.runtime
  }
  io.stderr.write(
    `reqchain crashed: this is a bug in reqchain, please report it with the output below.\n${(error as Error | undefined)?.stack ?? String(error)}\n`,
  )
  return ExitCode.bug
}

export type { Options }
