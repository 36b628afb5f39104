// `reqchain curl FILE[#name]`: each request rendered (nothing is sent) and printed as curl.
import { dirname } from 'node:path'
import type { Io } from '../io.js'
import type { RequestFile } from '../model.js'
import { loadBaseVars } from '../load/env.js'
import { Scope, prepareRender, render } from '../render/render.js'
import { scriptVariables, selectRequests } from '../select.js'
import { Secrets } from '../secrets.js'
import { type ShellName, shellStandIn, shellSyntax, toCurl } from '../report/curl.js'
import { describeQuery } from '../check/extract.js'
import { LoadError, ReqchainError, UsageError } from '../errors.js'
import { formatCodeFrame, type Sources } from '../source.js'
import { ExitCode } from './exit-code.js'
import type { VarOptions } from './options.js'
import { asHttp } from '../report/markdown.js'

/** What rendering without sending needs: `reqchain curl`'s options, or `run --dry-run`'s. */
export type ExportOptions = VarOptions & {
  readonly names: readonly string[]
  readonly showSecrets: boolean
  readonly allowInvalidJson: boolean
  readonly insecure: boolean
  readonly shell?: ShellName
}

export async function curlCommand(
  options: ExportOptions,
  io: Io,
  selected: { file: RequestFile; names: string[] }[],
  sources: Sources,
  format: 'curl' | 'http' = 'curl',
): Promise<ExitCode> {
  const secrets = new Secrets(new Set(options.secrets), options.showSecrets)
  try {
    return await exportAll(options, io, selected, sources, secrets, format)
  } catch (error) {
    // Errors name URLs and values: they are masked like everything `run` prints.
    if (!(error instanceof ReqchainError)) throw error
    io.stderr.write(`${secrets.mask(formatCodeFrame(error, sources))}\n`)
    return error instanceof UsageError ? ExitCode.usage : error instanceof LoadError ? ExitCode.load : ExitCode.runtime
  }
}

/**
 * Every request, in order, as curl. A value known only at run time — a capture, a response
 * reference — is written as a shell variable (`"$token"`), and a comment above the commands says
 * where each comes from, so the export of a chain is a script that runs once those are set.
 */
async function exportAll(
  options: ExportOptions,
  io: Io,
  selected: { file: RequestFile; names: string[] }[],
  sources: Sources,
  secrets: Secrets,
  format: 'curl' | 'http',
): Promise<ExitCode> {
  // A stand-in is a private-use marker either way (a JSON body with one in it is not checked yet);
  // the .http form shows it as <captured: name>.
  const placeholder = (name: string, from: string) =>
    format === 'curl' ? shellStandIn(name) : `\uE100${from}: ${name}\uE101`
  const commands: string[] = []
  const runtimeValues = new Map<string, string>()
  const { comment, reference } = shellSyntax(options.shell)
  await prepareRender(selected.map((s) => s.file))
  for (const { file, names } of selected) {
    const base = await loadBaseVars(dirname(file.absolutePath), {
      cwd: io.cwd,
      ...(options.env !== undefined ? { env: options.env } : {}),
      envFiles: options.envFiles,
      secretNames: options.secrets,
    })
    for (const secret of base.secrets) secrets.add(secret)
    for (const [name, value] of [...Object.entries(base.values), ...Object.entries(options.vars)])
      secrets.noteVariable(name, value)
    const standIn = (source: string) => {
      const name = source
        .replace(/\.response\.body\.?\$?\.?/, '_')
        .replace(/\.response\.headers\./, '_header_')
        .replace(/[^A-Za-z0-9_]+/g, '_')
        .replace(/^_+|_+$/g, '')
      runtimeValues.set(name, `the response of request \`${source.split('.')[0]}\` (${source})`)
      return format === 'curl' ? shellStandIn(name) : `\uE100response: ${source}\uE101`
    }
    const scope = new Scope({
      file,
      base: base.values,
      cli: options.vars,
      dotenv: base.dotenv,
      processEnv: io.env,
      allowInvalidJson: options.allowInvalidJson,
      standIn,
    })
    for (const template of selectRequests(file, names.length > 0 ? names : options.names)) {
      // Scripts do not run when nothing is sent: what they set is a value known only at run time.
      const scriptOf = `the script of ${template.name ? `\`${template.name}\`` : 'the request'} at ${file.path}:${template.span.line}`
      for (const name of template.extras.length > 0 ? scriptVariables(template, file, 'request') : []) {
        if (name in options.vars) continue
        runtimeValues.set(name, `set by ${scriptOf} (request.variables.set)`)
        scope.requestVariable(name, placeholder(name, 'set by script'))
      }
      const request = render(template, scope)
      scope.endRequest()
      const isStream = /"stream"\s*:\s*true/.test(new TextDecoder().decode(request.body ?? new Uint8Array()))
      commands.push(
        format === 'http'
          ? `### ${template.name ?? `${template.method} ${template.url.raw}`} (${file.path}:${template.span.line})\n${asHttp(request, secrets, true).replace(/\uE100([^\uE101]*)\uE101|%EE%84%80(.*?)%EE%84%81/g, (_, written: string | undefined, encoded: string | undefined) => `<${written ?? decodeURIComponent(encoded!)}>`)}`
          : `${template.name ? `${comment} ${template.name}\n` : ''}${toCurl(request, { secrets, stream: isStream, followRedirects: template.options.followRedirects ?? true, insecure: options.insecure, ...(options.shell ? { shell: options.shell } : {}) })}`,
      )
      for (const capture of template.captures) {
        if (capture.name in options.vars) continue
        runtimeValues.set(
          capture.name,
          `captured by ${template.name ? `\`${template.name}\`` : 'the request'} at ${file.path}:${template.span.line} from ${describeQuery(capture.query)}`,
        )
        scope.capture(capture.name, placeholder(capture.name, 'captured'))
      }
      for (const name of template.extras.length > 0 ? scriptVariables(template, file, 'set') : []) {
        if (name in options.vars) continue
        runtimeValues.set(name, `set by ${scriptOf}`)
        scope.capture(name, placeholder(name, 'set by script'))
      }
      scope.advance()
    }
  }
  const preamble =
    runtimeValues.size === 0
      ? ''
      : format === 'http'
        ? `# Nothing was sent. Values known only at run time are shown as <captured: …>, <response: …> and <set by script: …>:\n${[...runtimeValues].map(([name, from]) => `#   ${name}: ${from}`).join('\n')}\n\n`
        : `${comment} Values known only at run time; set them before the commands that use them:\n${[...runtimeValues].map(([name, from]) => `${comment}   ${reference(name)}: ${from}`).join('\n')}\n\n`
  const head = options.shell === 'cmd' ? '@echo off\r\n' : ''
  const script = `${head}${preamble}${commands.join('\n\n')}\n`
  io.stdout.write(options.shell === 'cmd' ? script.replace(/\r?\n/g, '\r\n') : script)
  return ExitCode.ok
}
