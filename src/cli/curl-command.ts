// `reqchain curl FILE[#name]`: each request rendered (nothing is sent) and printed as curl.
import { dirname } from 'node:path'
import type { Io } from '../io.js'
import type { RequestFile } from '../model.js'
import { loadBaseVars } from '../load/env.js'
import { Scope, prepareRender, render } from '../render/render.js'
import { selectRequests } from '../select.js'
import { Secrets } from '../secrets.js'
import { toCurl } from '../report/curl.js'
import { LoadError, RenderError, ReqchainError, UsageError } from '../errors.js'
import { formatCodeFrame, type Sources } from '../source.js'
import { ExitCode } from './exit-code.js'
import type { Options } from './options.js'

export async function curlCommand(options: Options & { command: 'curl' }, io: Io, selected: { file: RequestFile; names: string[] }[], sources: Sources): Promise<ExitCode> {
  const secrets = new Secrets(new Set(options.secrets), options.showSecrets)
  try {
    return await exportAll(options, io, selected, sources, secrets)
  } catch (error) {
    // Errors name URLs and values: they are masked like everything `run` prints.
    if (!(error instanceof ReqchainError)) throw error
    io.stderr.write(`${secrets.mask(formatCodeFrame(error, sources))}\n`)
    return error instanceof UsageError ? ExitCode.usage : error instanceof LoadError ? ExitCode.load : ExitCode.runtime
  }
}

async function exportAll(options: Options & { command: 'curl' }, io: Io, selected: { file: RequestFile; names: string[] }[], sources: Sources, secrets: Secrets): Promise<ExitCode> {
  const commands: string[] = []
  await prepareRender(selected.map((s) => s.file))
  for (const { file, names } of selected) {
    const base = await loadBaseVars(dirname(file.absolutePath), { cwd: io.cwd, ...(options.env !== undefined ? { env: options.env } : {}), envFiles: options.envFiles, secretNames: options.secrets })
    for (const secret of base.secrets) secrets.add(secret)
    for (const [name, value] of [...Object.entries(base.values), ...Object.entries(options.vars)]) secrets.noteVariable(name, value)
    const scope = new Scope({ file, base: base.values, cli: options.vars, dotenv: base.dotenv, processEnv: io.env, allowInvalidJson: options.allowInvalidJson })
    for (const template of selectRequests(file, names.length > 0 ? names : options.names)) {
      try {
        const request = render(template, scope)
        const isStream = /"stream"\s*:\s*true/.test(new TextDecoder().decode(request.body ?? new Uint8Array()))
        commands.push(`${template.name ? `# ${template.name}\n` : ''}${toCurl(request, { secrets, stream: isStream, followRedirects: template.options.followRedirects ?? true, insecure: options.insecure })}`)
      } catch (error) {
        if (error instanceof RenderError && (error.code === 'RENDER_REFERENCE' || error.code === 'RENDER_UNDEFINED_VAR') && template !== file.requests[0]) {
          const hint = `${error.hint ?? ''} This request may use values captured at run time: \`reqchain run --curl\` prints each command as it is sent.`.trim()
          io.stderr.write(`${secrets.mask(formatCodeFrame(new RenderError(error.code, error.message, error.span, hint), sources))}\n`)
          return ExitCode.runtime
        }
        throw error
      }
    }
  }
  io.stdout.write(`${commands.join('\n\n')}\n`)
  return ExitCode.ok
}
