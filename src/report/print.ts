// What a run leaves on stdout (and in -o FILE): the last response body, every body with --all, or
// an --extract result. On a terminal JSON is pretty and coloured; piped, a body is written byte for
// byte, and a streamed reply as its assembled JSON so `| jq` reads streamed and plain replies alike.
import { resolve } from 'node:path'
import type { Io } from '../io.js'
import { writeOutput } from '../output-file.js'
import { type Exchange, type Query, headerValue } from '../model.js'
import { prepareQueries } from '../check/check.js'
import type { RunResult } from '../outcome.js'
import { extractOne, responseJson, responseText } from '../check/extract.js'
import { readQuery } from '../load/directives.js'
import { ReqchainError, UsageError, tooDeep } from '../errors.js'
import type { ConsoleReporter } from './console.js'
import { formatJson, formatSize } from './style.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** What printing needs of the run's options (the CLI's run options have them). */
export type PrintOptions = {
  readonly command: 'run' | 'test'
  /** Every body, not only the last. */
  readonly all: boolean
  /** -o FILE */
  readonly output?: string
  /** --extract QUERY */
  readonly extract?: string
  /** -r: a string result without quotes */
  readonly rawOutput: boolean
  readonly quiet: boolean
  /** --extract printed a value per --dataset row as each ended (printRowValue), not one at the end. */
  readonly perRow?: boolean
}

/** The --extract query, read as a request file's query is. */
function extractQuery(extract: string): Query {
  const cursor = { text: extract, offset: 0 }
  const query = readQuery(cursor, { file: '--extract', line: 1, column: 1 })
  if (cursor.text.slice(cursor.offset).trim())
    throw new UsageError(`Unexpected text after the --extract query: ${cursor.text.slice(cursor.offset).trim()}`)
  return query
}

/** The --extract query's value in an exchange. */
function extracted(extract: string, exchange: Exchange): unknown {
  return extractOne(extractQuery(extract), exchange, {}, undefined)
}

/** An --extract query that cannot be read is a usage error before anything is sent; what it needs is loaded. */
export async function prepareExtract(extract: string): Promise<void> {
  try {
    await prepareQueries([{ query: extractQuery(extract), span: { file: '--extract', line: 1, column: 1 } }])
  } catch (error) {
    if (!(error instanceof ReqchainError) || error instanceof UsageError) throw error
    throw new UsageError(`--extract: ${error.message}`, error.hint)
  }
}

function extractFailed(thrown: unknown, io: Io, reporter: ConsoleReporter, where: string): 'error' {
  const error = tooDeep(thrown, undefined)
  if (!(error instanceof ReqchainError)) throw error
  io.stderr.write(
    `${reporter.errorFrame(new ReqchainError(error.code, `--extract${where}: ${error.message}`, undefined, error.hint))}\n`,
  )
  return 'error'
}

/**
 * With --dataset, the --extract value of one row's last response, as a JSON line (a string as
 * it is with -r), written when the row ends: one line per row, `jq`-ready. A row whose query
 * fails gets `null`, and the error is said.
 */
export function printRowValue(
  extract: string,
  exchange: Exchange | undefined,
  row: number,
  raw: boolean,
  io: Io,
  reporter: ConsoleReporter,
): 'ok' | 'error' {
  try {
    if (!exchange) throw new ReqchainError('EXTRACT_NO_MATCH', 'the row got no response')
    const value = extracted(extract, exchange)
    io.stdout.write(`${raw && typeof value === 'string' ? value : JSON.stringify(value)}\n`)
    return 'ok'
  } catch (thrown) {
    io.stdout.write('null\n')
    return extractFailed(thrown, io, reporter, ` (row ${row})`)
  }
}

export function printResult(
  result: RunResult,
  options: PrintOptions,
  io: Io,
  reporter: ConsoleReporter,
): 'ok' | 'error' {
  if (options.command !== 'run') return 'ok'
  const last = result.last
  // Every body (--all) or the last one: --all keeps every step for this.
  const ran = options.all ? result.steps.filter((s) => s.exchange) : last ? [last] : []
  if (options.output && last?.exchange && !last.exchange.bodyWrittenTo) {
    try {
      writeOutput(resolve(io.cwd, options.output), pipedBody(last.exchange))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
      io.stderr.write(
        `${reporter.errorFrame(new ReqchainError('SEND_OUTPUT', `Cannot write the body to ${options.output} (${code})`, undefined, 'check the -o path and the free space'))}\n`,
      )
      return 'error'
    }
  }
  if (options.extract !== undefined) {
    if (!last?.exchange || options.perRow) return 'ok' // with a dataset, each row's value was printed as it ended
    try {
      const value = extracted(options.extract, last.exchange)
      const text =
        options.rawOutput && typeof value === 'string'
          ? value
          : io.stdout.isTTY
            ? formatJson(value, reporter.out)
            : JSON.stringify(value, null, 2)
      io.stdout.write(`${text}\n`)
      return 'ok'
    } catch (thrown) {
      return extractFailed(thrown, io, reporter, '')
    }
  }
  if (options.quiet) return 'ok'
  // With -o the last body went to the file, not to stdout (as curl -o does).
  const shown = ran.filter(
    (s) =>
      reporter.printsBody(s.template) && !reporter.streamedToStdout.has(s.template) && !(options.output && s === last),
  )
  for (const step of shown) {
    const exchange = step.exchange!
    if (exchange.bodyWrittenTo) continue
    if (io.stdout.isTTY) {
      const text = terminalBody(exchange, reporter)
      if (text === undefined)
        io.stderr.write(
          reporter.err.yellow(
            `(binary body, ${formatSize(exchange.bodySize)}: not shown on a terminal; use -o FILE or pipe it)\n`,
          ),
        )
      else if (text !== '') io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    } else {
      io.stdout.write(pipedBody(exchange))
    }
  }
  return 'ok'
}

/** What a pipe or -o gets: the bytes as received; for a stream, the assembled response as JSON. */
function pipedBody(exchange: Exchange): Uint8Array | string {
  return exchange.assembled !== undefined ? `${exchange.assembled}\n` : exchange.body
}

function terminalBody(exchange: Exchange, reporter: ConsoleReporter): string | undefined {
  const json = responseJson(exchange)
  if (
    json.ok &&
    (exchange.assembled !== undefined ||
      /json/i.test(headerValue(exchange.headers, 'content-type') ?? '') ||
      /^\s*[[{]/.test(responseText(exchange)))
  ) {
    try {
      return formatJson(json.value, reporter.out)
    } catch (error) {
      if (!(tooDeep(error, undefined) instanceof ReqchainError)) throw error
      return responseText(exchange) // too deep to lay out: shown as it came
    }
  }
  try {
    return utf8.decode(exchange.body)
  } catch {
    return undefined
  }
}
