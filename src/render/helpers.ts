// The template helpers. Few on purpose: each one is here because a real request file needs it.
//   {{json messages}}            any value as JSON (carry a captured list or object whole)
//   {{default temperature 0.7}}  a fallback when a variable is not set
//   {{file "./prompt.txt"}}      a file's text (relative to the request file)
//   {{base64File "./cat.png"}}   a file as base64
//   {{dataUrl "./cat.png"}}      a file as a data: URL, for vision requests with a local image
//   {{urlencode q}}              percent-encode a value for a URL
import { extname, resolve } from 'node:path'
import type { HelperOptions } from 'handlebars'
import { RenderError } from '../errors.js'
import { FILE_ROOT_HINT, InputFileError, readInputFile } from '../load/input-file.js'
import { registerHelper } from './template.js'

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
}

type HelperData = { rc: { runtime: { baseDir?: string; fileRoot?: string } } }

function readHelperFile(path: unknown, options: HelperOptions, helper: string): Buffer {
  if (typeof path !== 'string')
    throw new RenderError('RENDER_HELPER', `\`${helper}\` needs a file path`, undefined, `write {{${helper} "./file"}}`)
  const { baseDir, fileRoot } = (options.data as HelperData).rc.runtime
  try {
    return readInputFile(resolve(baseDir ?? process.cwd(), path), fileRoot)
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error
    const outside = error.message.startsWith('is outside the file root')
    throw new RenderError(
      'RENDER_HELPER',
      `\`${helper}\`: ${path} ${error.message}`,
      undefined,
      outside ? FILE_ROOT_HINT : 'the path is relative to the request file',
    )
  }
}

/** A whole value that is a stand-in for one known only at run time (cli/curl-command.ts). */
const STAND_IN = /^\uE100[^\uE100\uE101]*\uE101$/

export function registerHelpers(): void {
  registerHelper('json', (value: unknown, ...rest: unknown[]) => {
    if (value === undefined)
      throw new RenderError(
        'RENDER_HELPER',
        '`json` got an undefined value',
        undefined,
        'the expression passed to it gave nothing; wrap it as (default EXPR null) where a missing value is fine',
      )
    // A value known only at run time, in a request shown but not sent (`reqchain curl`, --dry-run),
    // is JSON text there: its stand-in goes in as it is, not as a JSON string of it.
    if (typeof value === 'string' && STAND_IN.test(value)) return value
    const indent = rest.length > 1 && typeof rest[0] === 'number' ? rest[0] : undefined
    return JSON.stringify(value, null, indent)
  })
  registerHelper('default', (value: unknown, ...rest: unknown[]) => {
    if (rest.length < 2)
      throw new RenderError(
        'RENDER_HELPER',
        '`default` needs a fallback value',
        undefined,
        'write {{default temperature 0.7}}',
      )
    return value === undefined || value === null || value === '' ? rest[0] : value
  })
  registerHelper('file', (path: unknown, options: HelperOptions) =>
    readHelperFile(path, options, 'file').toString('utf8'),
  )
  registerHelper('base64File', (path: unknown, options: HelperOptions) =>
    readHelperFile(path, options, 'base64File').toString('base64'),
  )
  registerHelper('dataUrl', (path: unknown, ...rest: unknown[]) => {
    const options = rest[rest.length - 1] as HelperOptions
    const mime =
      typeof rest[0] === 'string' ? rest[0] : (MIME[extname(String(path)).toLowerCase()] ?? 'application/octet-stream')
    return `data:${mime};base64,${readHelperFile(path, options, 'dataUrl').toString('base64')}`
  })
  registerHelper('urlencode', (value: unknown) =>
    encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value)),
  )
}
