// Files a request reads — `< ./body.json`, `{{file "./prompt.txt"}}`, a schema — must be regular
// files of a sane size: `/dev/zero`, a FIFO or a directory would hang the run or take its memory.
// Callers turn a problem into their own located error (load or render).
import { readFileSync, statSync } from 'node:fs'

/** A body is held in memory to be sent: past this size, a file is refused with a located error. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024

/** Why the file cannot be read as an input, or undefined when it can. */
export function inputFileProblem(absolute: string): string | undefined {
  let stats
  try {
    stats = statSync(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? 'error'})`
  }
  if (stats.isDirectory()) return 'is a directory'
  if (!stats.isFile()) return 'is not a regular file (a device, FIFO or socket)'
  if (stats.size > MAX_INPUT_FILE_BYTES) return `is larger than 1 GiB (${stats.size} bytes)`
  return undefined
}

export class InputFileError extends Error {
  override name = 'InputFileError'
}

/** Reads a regular input file whole; an InputFileError's message says what is wrong with it. */
export function readInputFile(absolute: string): Buffer {
  const problem = inputFileProblem(absolute)
  if (problem) throw new InputFileError(problem)
  try {
    return readFileSync(absolute)
  } catch (error) {
    throw new InputFileError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}
