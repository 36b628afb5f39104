// Files a request reads — `< ./body.json`, `{{file "./prompt.txt"}}`, a schema — must be regular
// files of a sane size: `/dev/zero`, a FIFO or a directory would hang the run or take its memory.
// Callers turn a problem into their own located error (load or render).
//
// A request file may come from anyone (a cloned repository), and what it reads it can send
// anywhere: so it reads only inside its file root, as Hurl's --file-root. The root is --file-root
// DIR, else the nearest folder above the request file that holds `.git` (collections keep
// scripts and bodies in sibling folders), else the request file's own folder. A path is checked
// after symbolic links are followed, so a link cannot lead out.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'

/** A body is held in memory to be sent: past this size, a file is refused with a located error. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024
/** Settings files (.env, environments, certificates, keys, a cookie jar, a schema, a recording's JSON) are small. */
export const MAX_SETTINGS_FILE_BYTES = 64 * 1024 * 1024
/** A HAR file is parsed whole, at about five times its size in memory: past this it is refused. */
export const MAX_HAR_FILE_BYTES = 256 * 1024 * 1024
/** Standard input read as a request file or a curl command. */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024

const roots = new Map<string, string>()

/** The file root of a request file (a real path): the nearest folder above it holding `.git`, else its own. */
export function fileRootOf(requestFile: string): string {
  const own = dirname(requestFile)
  let root = roots.get(own)
  if (root === undefined) {
    root = own
    for (let at = own; ; at = dirname(at)) {
      if (existsSync(join(at, '.git'))) {
        root = at
        break
      }
      if (dirname(at) === at) break
    }
    root = realOr(root)
    roots.set(own, root)
  }
  return root
}

function realOr(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** Why the file cannot be read as an input, or undefined when it can. `root`: the folder it must be inside. */
export function inputFileProblem(absolute: string, root?: string, maxBytes = MAX_INPUT_FILE_BYTES): string | undefined {
  if (root !== undefined) {
    const real = realOr(absolute)
    if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep))
      return `is outside the file root ${root}`
  }
  let stats
  try {
    stats = statSync(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? 'error'})`
  }
  if (stats.isDirectory()) return 'is a directory'
  if (!stats.isFile()) return 'is not a regular file (a device, FIFO or socket)'
  if (stats.size > maxBytes)
    return `is larger than ${maxBytes >= 1024 ** 3 ? `${maxBytes / 1024 ** 3} GiB` : `${maxBytes / 1024 ** 2} MiB`} (${stats.size} bytes)`
  return undefined
}

export class InputFileError extends Error {
  override name = 'InputFileError'
}

/** What to say under an error about a file outside the root. */
export const FILE_ROOT_HINT =
  'a request file reads only files inside its file root: the nearest folder above it holding .git, else its own folder; --file-root DIR sets another'

/** Reads a regular input file whole; an InputFileError's message says what is wrong with it. */
export function readInputFile(absolute: string, root?: string, maxBytes = MAX_INPUT_FILE_BYTES): Buffer {
  const problem = inputFileProblem(absolute, root, maxBytes)
  if (problem) throw new InputFileError(problem)
  try {
    return readFileSync(absolute)
  } catch (error) {
    throw new InputFileError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/**
 * A settings file named on the command line or beside a request file, as text: a regular file of at
 * most 64 MiB (never /dev/zero or a FIFO, which would take the run's memory or block it).
 */
export function readSettingsFile(absolute: string): string {
  return readInputFile(absolute, undefined, MAX_SETTINGS_FILE_BYTES).toString('utf8')
}
