// JetBrains' `>> path` and `>>! path` after a request: its response body saved to a file — `>>`
// picks a new name when the file is there (`out-1.json`, `out-2.json`, …), `>>!` replaces it. The
// path is the request file's to name, so it follows the rules of every output: inside the file
// root, never the request file itself nor a file the run reads (a body file, a script), never a
// device; written whole or not at all.
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, extname, join, resolve, sep } from 'node:path'
import { ReqchainError } from '../errors.js'
import type { Exchange, Extra, RequestFile, RequestTemplate } from '../model.js'
import { writeOutput } from '../output-file.js'

/** The `>>`/`>>!` lines of a request: where each saves the body, and whether it replaces. */
export function savesOf(
  template: RequestTemplate,
): { readonly path: string; readonly replace: boolean; readonly extra: Extra }[] {
  return template.extras
    .filter((extra) => extra.kind === 'response-redirect')
    .map((extra) => {
      const match = extra.value.match(/^>>(!?)\s+(\S.*)$/)!
      return { path: match[2]!.trim(), replace: match[1] === '!', extra }
    })
}

/** Saves the body where the request says; the path it was written to, or a located error. */
export function saveResponse(
  file: RequestFile,
  template: RequestTemplate,
  exchange: Exchange,
  save: ReturnType<typeof savesOf>[number],
  render: (text: string) => string,
): string {
  const fail = (why: string, hint?: string) =>
    new ReqchainError('SEND_OUTPUT', `Cannot save the response to ${save.path}: ${why}`, save.extra.span, hint)
  let target = resolve(dirname(file.absolutePath), render(save.path))
  const parent = realParent(dirname(target))
  const root = file.root
  if (parent !== root && !parent.startsWith(root.endsWith(sep) ? root : root + sep))
    throw fail(
      `it is outside the file root ${root}`,
      'a request file writes only inside its file root; --file-root DIR sets another',
    )
  target = join(parent, basename(target))
  const inputs = new Set([
    realOr(file.absolutePath),
    ...file.requests.flatMap((request) => [
      ...(request.body?.kind === 'parts'
        ? request.body.parts.flatMap((part) =>
            part.kind === 'file' ? [realOr(resolve(dirname(file.absolutePath), part.path))] : [],
          )
        : []),
      ...request.extras.flatMap((extra) =>
        extra.script?.kind === 'file' ? [realOr(resolve(dirname(file.absolutePath), extra.script.path))] : [],
      ),
    ]),
  ])
  if (!save.replace) target = freeName(target)
  if (inputs.has(realOr(target))) throw fail('it is a file this run reads', 'save the response to a new file')
  if (existsSync(target) && !statSync(target).isFile()) throw fail('it is not a regular file')
  if (exchange.bodyWrittenTo) throw fail(`the body went to ${exchange.bodyWrittenTo}`)
  try {
    mkdirSync(parent, { recursive: true })
    writeOutput(target, exchange.body)
  } catch (error) {
    throw fail((error as NodeJS.ErrnoException).code ?? (error as Error).message)
  }
  return target
}

/** `out.json`, or the first of `out-1.json`, `out-2.json`, … that is not there yet. */
function freeName(path: string): string {
  if (!existsSync(path)) return path
  const ext = extname(path)
  const stem = path.slice(0, path.length - ext.length)
  for (let n = 1; ; n++) {
    const candidate = `${stem}-${n}${ext}`
    if (!existsSync(candidate)) return candidate
  }
}

/** A folder's real path, from its nearest ancestor that exists (symbolic links followed there). */
function realParent(dir: string): string {
  const missing: string[] = []
  let at = dir
  while (!existsSync(at) && dirname(at) !== at) {
    missing.unshift(basename(at))
    at = dirname(at)
  }
  return join(realOr(at), ...missing)
}

function realOr(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
