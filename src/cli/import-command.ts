// `reqchain import curl "curl …"`: the request as .http on stdout (redirect it to a new file);
// notes and the credentials to put in .env on stderr.
import { UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { importCurl } from '../import/curl.js'
import { ExitCode } from './exit-code.js'

export function importCommand(options: { readonly source: string; readonly showSecrets: boolean }, io: Io): ExitCode {
  let source = options.source
  if (source.trim() === '-') {
    if (!io.readStdin) throw new UsageError('`-` reads the curl command from standard input, which this command does not have')
    source = io.readStdin()
  }
  const imported = importCurl(source.trim())
  io.stdout.write(imported.http)
  for (const note of imported.notes) io.stderr.write(`note: ${note}\n`)
  if (imported.secrets.length > 0) {
    io.stderr.write(`The command held credentials; the request reads them from variables. Put in .env:\n${imported.secrets.map(({ name, value }) => `  ${name}=${options.showSecrets ? value : '…'}`).join('\n')}\n${options.showSecrets ? '' : '(--show-secrets prints the values)\n'}`)
  }
  return ExitCode.ok
}
