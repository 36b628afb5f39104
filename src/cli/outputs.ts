// Checks on where a run will write, made before anything is sent: no output may replace one of the
// run's inputs (a request file, a body file, a script file, a file a `{{file}}`, `{{base64File}}` or
// `{{dataUrl}}` reads, `.env`, an env file, a dataset, a schema, a recording), no two outputs may
// name one file (the cookie jar is read and written: nothing else may write it), and `-o` must
// name a file that can be written. `--report junit=.env` is a usage error, not a lost `.env`.
import { accessSync, constants, existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.js'
import type { RequestFile } from '../model.js'
import { FORMAT as RECORDING_FORMAT } from '../record/format.js'
import type { RunOptions } from './options.js'

/** `{{file "x"}}`, `{{base64File 'x'}}`, `{{dataUrl "x"}}` with the path written out. */
const HELPER_FILE = /\{\{~?\s*(file|base64File|dataUrl)\s+(["'])([^"'{}\r\n]+)\2/g

export function checkOutputs(options: RunOptions, files: readonly RequestFile[], cwd: string): void {
  const inputs = new Map<string, string>()
  const input = (path: string, what: string) => {
    if (existsSync(path)) inputs.set(canonical(path), what)
  }
  input(join(cwd, '.env'), '.env')
  if (options.dataset !== undefined) input(resolve(cwd, options.dataset), `the --dataset ${options.dataset}`)
  if (options.replay !== undefined)
    input(resolve(cwd, options.replay, 'index.json'), `the --replay recording ${options.replay}`)
  if (options.compare !== undefined)
    input(resolve(cwd, options.compare.dir, 'index.json'), `the recording ${options.compare.dir} compared with`)
  for (const file of options.envFiles) input(resolve(cwd, file), `the --env-file ${file}`)
  for (const file of files) {
    const dir = dirname(file.absolutePath)
    input(file.absolutePath, `the request file ${file.path}`)
    input(join(dir, '.env'), `the .env beside ${file.path}`)
    for (let at = dir; ; at = dirname(at)) {
      input(join(at, 'http-client.env.json'), 'an environment file')
      input(join(at, 'http-client.private.env.json'), 'a private environment file')
      if (dirname(at) === at) break
    }
    for (const request of file.requests) {
      if (request.body?.kind === 'parts') {
        for (const part of request.body.parts)
          if (part.kind === 'file' && !part.path.includes('{{'))
            input(resolve(dir, part.path), `the body file ${part.path}`)
      }
      for (const extra of request.extras)
        if (extra.script?.kind === 'file')
          input(resolve(dir, extra.script.path), `the script file ${extra.script.path}`)
      for (const assertion of request.asserts) {
        if (assertion.predicate === 'matchesSchema' && assertion.expected)
          input(resolve(dir, assertion.expected.replace(/^"|"$/g, '')), `the schema ${assertion.expected}`)
      }
    }
  }
  for (const file of files) {
    // Files the helpers read, where the path is written out (`{{file "prompt.txt"}}`).
    for (const [, helper, , path] of file.source.matchAll(HELPER_FILE))
      input(resolve(dirname(file.absolutePath), path!), `the file ${path} that {{${helper}}} reads`)
  }
  const outputs = [
    ...(options.output !== undefined ? [{ flag: `-o ${options.output}`, path: options.output }] : []),
    ...options.reports
      .filter((r) => r.path !== '-')
      .map((r) => ({ flag: `--report ${r.format}=${r.path}`, path: r.path })),
    ...(options.cookieJar !== undefined
      ? [{ flag: `--cookie-jar ${options.cookieJar}`, path: options.cookieJar }]
      : []),
    ...(options.results !== undefined ? [{ flag: `--results ${options.results}`, path: options.results }] : []),
  ]
  const seen = new Map<string, string>()
  for (const output of outputs) {
    const path = resolve(cwd, output.path)
    const key = canonical(path)
    const clash = inputs.get(key)
    if (clash)
      throw new UsageError(
        `${output.flag} would overwrite ${clash}`,
        'write reports and bodies to a path that is not an input of the run',
      )
    const twice = seen.get(key)
    if (twice) throw new UsageError(`${output.flag} and ${twice} name the same file`, 'give each output its own path')
    seen.set(key, output.flag)
    if (existsSync(path) && statSync(path).isDirectory())
      throw new UsageError(`${output.flag}: ${output.path} is a directory`, 'name a file, e.g. out/report.xml')
  }
  if (options.output !== undefined) checkWritable(resolve(cwd, options.output), options.output)
  if (options.record !== undefined) checkRecordFolder(resolve(cwd, options.record), options.record, inputs, seen)
}

/**
 * --record DIR replaces DIR whole when the run ends: DIR may be new or an older recording, never a
 * folder holding anything else — and never one that holds an input of the run or another output.
 */
function checkRecordFolder(
  path: string,
  shown: string,
  inputs: ReadonlyMap<string, string>,
  outputs: ReadonlyMap<string, string>,
): void {
  const folder = canonical(path)
  const inside = (other: string) => other === folder || other.startsWith(`${folder}/`)
  for (const [input, what] of inputs)
    if (inside(input))
      throw new UsageError(`--record ${shown} would replace ${what}`, 'record into a folder of its own')
  for (const [output, flag] of outputs)
    if (inside(output))
      throw new UsageError(
        `--record ${shown} would replace the folder ${flag} writes into`,
        'record into a folder of its own',
      )
  if (!existsSync(path)) {
    if (!existsSync(dirname(path)))
      throw new UsageError(
        `--record ${shown}: the folder ${dirname(path)} does not exist`,
        'create it first, or choose another path',
      )
    return
  }
  if (!statSync(path).isDirectory())
    throw new UsageError(`--record ${shown} is a file`, 'name a folder for the recording')
  const entries = readdirSync(path)
  if (entries.length > 0 && !isRecording(join(path, 'index.json')))
    throw new UsageError(
      `--record ${shown} holds files that are not a recording`,
      'a recording replaces its folder whole: name a new folder, or an older recording',
    )
}

function isRecording(index: string): boolean {
  try {
    return (JSON.parse(readFileSync(index, 'utf8')) as { format?: unknown }).format === RECORDING_FORMAT
  } catch {
    return false
  }
}

/** `-o` is written as the body arrives, so its folder must exist and the file must be writable. */
function checkWritable(path: string, shown: string): void {
  const folder = dirname(path)
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`-o ${shown}: the folder ${folder} does not exist`, 'create it first, or choose another path')
  try {
    accessSync(existsSync(path) ? path : folder, constants.W_OK)
  } catch {
    throw new UsageError(`-o ${shown}: cannot write there (permission denied)`, 'choose a writable path')
  }
}

/** The real path, also for a file that does not exist yet (its folder's real path and its name). */
export function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path))
    } catch {
      return path
    }
  }
}
