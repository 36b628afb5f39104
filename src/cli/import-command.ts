// `reqchain import curl "curl …"` / `reqchain import har FILE`: the requests as .http on stdout
// (redirect it to a new file); notes, and the credentials to put in .env, on stderr.
import { resolve } from 'node:path'
import { LoadError, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { InputFileError, MAX_HAR_FILE_BYTES, readInputFile } from '../load/input-file.js'
import { ExitCode } from './exit-code.js'

type ImportOptions = {
  readonly format: 'curl' | 'har'
  readonly source: string
  readonly showSecrets: boolean
  readonly all: boolean
  readonly filter?: string
}

export async function importCommand(options: ImportOptions, io: Io, sources: Map<string, string>): Promise<ExitCode> {
  let secrets: readonly { name: string; value: string }[]
  if (options.format === 'har') {
    let text: string
    try {
      text = readInputFile(resolve(io.cwd, options.source), undefined, MAX_HAR_FILE_BYTES).toString('utf8')
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `${options.source} ${error.message}`,
        undefined,
        error.message.startsWith('is larger than')
          ? 'save fewer requests from the browser, or the HAR without response content'
          : 'name the .har file the browser saved',
      )
    }
    sources.set(options.source, text)
    const { importHar } = await import('../import/har.js')
    const imported = importHar(text, options.source, options.all, options.filter, io.cwd)
    io.stdout.write(imported.http)
    for (const note of imported.notes) io.stderr.write(`note: ${note}\n`)
    io.stderr.write(
      `${imported.count} request${imported.count === 1 ? '' : 's'} imported${imported.skipped > 0 ? `; ${imported.skipped} that load page assets skipped (--all keeps them)` : ''}${imported.filtered > 0 ? `; ${imported.filtered} whose URL does not contain ${JSON.stringify(options.filter)} left out` : ''}\n`,
    )
    secrets = imported.secrets
  } else {
    let source = options.source
    if (source.trim() === '') {
      if (!io.readStdin || io.stdinIsTTY !== false)
        throw new UsageError(
          'import curl needs the curl command (quoted, or piped in on standard input)',
          'reqchain import curl "curl https://…", or pbpaste | reqchain import curl',
        )
      source = io.readStdin()
    } else if (source.trim() === '-') {
      if (!io.readStdin)
        throw new UsageError('`-` reads the curl command from standard input, which this command does not have')
      source = io.readStdin()
    }
    const { importCurl } = await import('../import/curl.js')
    const imported = importCurl(source.trim(), io.cwd)
    io.stdout.write(imported.http)
    for (const note of imported.notes) io.stderr.write(`note: ${note}\n`)
    secrets = imported.secrets
  }
  if (secrets.length > 0) {
    io.stderr.write(
      `Credentials were found; the requests read them from variables. Put in .env:\n${secrets.map(({ name, value }) => `  ${name}=${options.showSecrets ? dotenvValue(value) : '…'}`).join('\n')}\n${options.showSecrets ? '' : '(--show-secrets prints the values)\n'}`,
    )
  }
  return ExitCode.ok
}

/** A value as a .env line holds it: quoted (single, else backticks) when a space, `#` or quote would change how it reads. */
function dotenvValue(value: string): string {
  if (/^[^\s#'"`\\]*$/.test(value)) return value
  return value.includes("'") ? `\`${value}\`` : `'${value}'`
}
