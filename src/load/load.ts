// The load stage: paths → request files. Chooses a parser by extension and expands directories;
// a file that cannot be read or parsed fails before anything is sent (exit 2).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, isAbsolute, join, relative, resolve } from 'node:path'
import { isMarkdown, markdownRequests } from './markdown.js'
import { LoadError } from '../errors.js'
import type { RequestFile } from '../model.js'
import { parseHttpFile } from './http-file.js'
import { parseJsonFile } from './json-file.js'
import type { JsonWarning } from './located-json.js'
import { fileRootOf, MAX_INPUT_FILE_BYTES } from './input-file.js'

const HTTP_EXTENSIONS = new Set(['.http', '.rest'])

export type LoadOptions = {
  readonly cwd: string
  readonly recursive?: boolean
  /** A file in a directory that is not a request file (a body, package.json): for -v to say so. */
  readonly onSkip?: (path: string, why: string) => void
  /** Directories contribute their Markdown documents (`*.md`) too (--markdown). */
  readonly markdown?: boolean
  /** --file-root, a real path; else each file's own (input-file.ts's fileRootOf). */
  readonly fileRoot?: string
}

export function load(paths: readonly string[], options: LoadOptions): RequestFile[] {
  return expandPaths(paths, options).map((path) => loadFile(path, options.cwd, options.fileRoot))
}

/** Files in the order they run: named files as given, directories' request files sorted by path. */
export function expandPaths(paths: readonly string[], options: LoadOptions): string[] {
  const files: string[] = []
  for (const path of paths) {
    const absolute = resolve(options.cwd, path)
    if (!existsSync(absolute)) {
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `No such file or directory: ${path}`,
        undefined,
        'check the path; request files end in .http, .rest or .json',
      )
    }
    if (statSync(absolute).isDirectory()) {
      const found = listRequestFiles(absolute, options.recursive ?? false, options.onSkip, options.markdown ?? false)
      if (found.length === 0)
        throw new LoadError(
          'LOAD_FILE_NOT_FOUND',
          `No request files in ${path}`,
          undefined,
          'a directory contributes its .http, .rest and .json request files',
        )
      files.push(...found)
    } else {
      files.push(absolute)
    }
  }
  return files
}

function listRequestFiles(dir: string, recursive: boolean, onSkip: LoadOptions['onSkip'], markdown: boolean): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (recursive && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
        out.push(...listRequestFiles(path, true, onSkip, markdown))
    } else if (HTTP_EXTENSIONS.has(extname(entry.name)) || (markdown && isMarkdown(entry.name))) {
      out.push(path)
    } else if (extname(entry.name) === '.json') {
      const why = jsonSkipReason(path)
      if (why === undefined) out.push(path)
      else onSkip?.(path, why)
    }
  }
  return out
}

/**
 * In a directory, a `.json` file is a request file only when it looks like one (a top-level `url` or
 * `requests`): request folders also hold body files and `http-client.env.json`.
 */
function jsonSkipReason(path: string): string | undefined {
  if (path.endsWith('.env.json')) return 'an environment file'
  if (path.endsWith('.schema.json')) return 'a JSON Schema'
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown
    return typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      ('requests' in value || 'url' in value)
      ? undefined
      : 'JSON without a top-level "url" or "requests"'
  } catch {
    return 'not valid JSON'
  }
}

export function loadFile(absolutePath: string, cwd: string, fileRoot?: string): RequestFile {
  const display = displayPath(absolutePath, cwd)
  let source: string
  try {
    const stats = statSync(absolutePath)
    if (stats.isCharacterDevice() || stats.isBlockDevice() || stats.isSocket()) {
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `Cannot read ${display}: it is a device or socket, not a request file`,
        undefined,
        'name a .http, .rest or .json file',
      )
    }
    if (stats.size > MAX_INPUT_FILE_BYTES)
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `Cannot read ${display}: it is larger than 1 GiB`,
        undefined,
        'split the collection into several files',
      )
    source = readFileSync(absolutePath, 'utf8')
  } catch (error) {
    if (error instanceof LoadError) throw error
    throw new LoadError(
      'LOAD_FILE_NOT_FOUND',
      `Cannot read ${display}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      undefined,
      undefined,
      { cause: error },
    )
  }
  return parseSource(
    source,
    display,
    absolutePath,
    extname(absolutePath) === '.json' ? 'json' : isMarkdown(absolutePath) ? 'markdown' : 'http',
    fileRoot ?? fileRootOf(absolutePath),
  )
}

/**
 * A request file read from standard input (`reqchain run -`): JSON when it starts with `{`, else
 * `.http`; its relative body files are found from the working directory.
 */
/** A request file on standard input reads files inside --file-root, else the working directory (and what fileRootOf finds above it). */
export function loadStdin(source: string, cwd: string, fileRoot?: string): RequestFile {
  const absolutePath = join(cwd, '<stdin>')
  return parseSource(
    source,
    '<stdin>',
    absolutePath,
    /^\uFEFF?\s*\{/.test(source) ? 'json' : 'http',
    fileRoot ?? fileRootOf(absolutePath),
  )
}

function parseSource(
  source: string,
  display: string,
  absolutePath: string,
  kind: 'http' | 'json' | 'markdown',
  root: string,
): RequestFile {
  const warnings: JsonWarning[] = []
  const markdown = kind === 'markdown' ? markdownRequests(source, display) : undefined
  const parsed =
    kind === 'json'
      ? parseJsonFile(source, display, (w) => warnings.push(w))
      : parseHttpFile(markdown ? markdown.http : source, display)
  // Body files (`< ./body.json`) are read when their request renders: a missing one fails that
  // request only, not `parse`, `curl` or the file's other requests.
  return {
    path: display,
    absolutePath,
    source,
    kind: kind === 'json' ? 'json' : 'http',
    ...(markdown ? { markdown } : {}),
    vars: parsed.vars,
    requests: parsed.requests,
    root,
    ...(warnings.length > 0 ? { warnings } : {}),
  }
}

/** Paths as the user sees them: relative to the working directory when inside it. */
export function displayPath(absolute: string, cwd: string): string {
  const rel = relative(cwd, absolute)
  if (rel === '') return '.'
  return rel.startsWith('..') || isAbsolute(rel) ? absolute : rel
}
