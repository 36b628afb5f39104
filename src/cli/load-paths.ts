// The files and requests a command names: paths, folders, `-` (standard input), `FILE#name` and
// --name, loaded and selected (with the requests they depend on), warnings shown as they load.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { LoadError, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { displayPath, load, loadStdin } from '../load/load.js'
import type { RequestFile } from '../model.js'
import { formatCodeFrame } from '../source.js'
import { selectRequests } from '../select.js'
import type { Plan } from '../chain.js'

export type Selected = { file: RequestFile; names: string[] }

/** Loads paths, with `FILE#name` selecting requests of one file. */
/** --file-root DIR: an existing folder, as a real path. */
export function checkedFileRoot(absolute: string, shown: string): string {
  try {
    if (statSync(absolute).isDirectory()) return realpathSync(absolute)
  } catch {
    /* said below */
  }
  throw new UsageError(`--file-root ${shown} is not a folder`, 'name the folder request files may read files in')
}

type LoadAllOptions = {
  readonly recursive?: boolean
  readonly names?: readonly string[]
  readonly verbose?: boolean
  readonly fileRoot?: string | undefined
  readonly markdown?: boolean
}

export function loadAll(
  paths: readonly string[],
  io: Io,
  sources: Map<string, string>,
  { recursive = false, names = [], verbose = false, fileRoot, markdown = false }: LoadAllOptions,
): Selected[] {
  const root = fileRoot === undefined ? undefined : checkedFileRoot(resolve(io.cwd, fileRoot), fileRoot)
  const onSkip = verbose
    ? (path: string, why: string) => {
        io.stderr.write(`skipped ${displayPath(path, io.cwd)}: ${why}, not a request file\n`)
      }
    : undefined
  const selected: Selected[] = []
  for (const arg of paths) {
    if (arg === '-') {
      if (!io.readStdin)
        throw new UsageError('`-` reads a request file from standard input, which this command does not have')
      if (selected.some((s) => s.file.path === '<stdin>'))
        throw new UsageError('`-` (standard input) may be given once')
      const file = loadStdin(io.readStdin(), io.cwd, root)
      sources.set(file.path, file.source)
      selected.push({ file, names: [...names] })
      continue
    }
    const hash = arg.lastIndexOf('#')
    const hasName = hash > 0 && !existsSync(resolve(io.cwd, arg)) && existsSync(resolve(io.cwd, arg.slice(0, hash)))
    const path = hasName ? arg.slice(0, hash) : arg
    for (const file of load([path], {
      cwd: io.cwd,
      recursive,
      markdown,
      ...(onSkip ? { onSkip } : {}),
      ...(root ? { fileRoot: root } : {}),
    })) {
      sources.set(file.path, file.source)
      for (const warning of file.warnings ?? [])
        io.stderr.write(`${formatCodeFrame(warning, (f) => sources.get(f), 'warning')}\n`)
      selected.push({ file, names: hasName ? [arg.slice(hash + 1)] : [...names] })
    }
  }
  return selected
}

/** `FILE#name` selects in its file; --name selects in every file that holds the name. */
export function planOf(selected: readonly Selected[], names: readonly string[]): Plan[] {
  if (names.length === 0 || selected.length === 1)
    return selected.map((s) => ({ file: s.file, requests: selectRequests(s.file, s.names) }))
  const plans: Plan[] = []
  for (const s of selected) {
    const own = s.names.filter((n) => s.file.requests.some((r) => r.name === n))
    if (own.length > 0) plans.push({ file: s.file, requests: selectRequests(s.file, own) })
  }
  const found = new Set(plans.flatMap((p) => p.requests.map((r) => r.name)))
  const missing = names.find((n) => !found.has(n))
  if (missing !== undefined)
    throw new LoadError(
      'LOAD_NAME_NOT_FOUND',
      `No request named \`${missing}\` in the given files`,
      undefined,
      'name requests with # @name',
    )
  return plans
}
