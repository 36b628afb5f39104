// Where variables come from, before any request runs. Precedence, strongest first:
//
//   --var k=v  >  captured values  >  @file variables / JSON "vars"  >  the --env environment
//   (private over public file, named environment over $shared)  >  --env-file files (later wins)
//   >  .env beside the request file  >  .env in the working directory
//
// The process environment is never a plain variable; templates reach it through {{$processEnv X}}
// and {{$env.X}}. Captured values and --var are layered on in run.ts; file variables in render.
import { existsSync } from 'node:fs'
import { InputFileError, readSettingsFile } from './input-file.js'
import { dirname, join, resolve } from 'node:path'
import { LoadError, UsageError, nearest } from '../errors.js'
import { parseLocatedJson, toPlain } from './located-json.js'
import { displayPath } from './load.js'

import type { Secret } from '../secrets.js'

/** Variables shared by every request of one file, and what among them is secret. */
export type BaseVars = {
  readonly values: Readonly<Record<string, unknown>>
  /** Every .env value, for {{$dotenv NAME}}. */
  readonly dotenv: Readonly<Record<string, string>>
  readonly secrets: readonly Secret[]
  /** Where each value came from, for messages: ".env", "requests/http-client.env.json, environment local". */
  readonly origins: Readonly<Record<string, string>>
  /** The environment's JetBrains `SSLConfiguration`, its files read. */
  readonly tls?: EnvironmentTls
}

/** A client certificate and host verification set by an environment. */
export type EnvironmentTls = { readonly cert?: string; readonly key?: string; readonly insecure?: boolean }

/**
 * JetBrains' `SSLConfiguration`: `clientCertificate` and `clientCertificateKey` (paths relative
 * to the environment file, or `{ "path": … }`), `verifyHostCertificate: false` to accept any.
 */
function sslConfiguration(value: unknown, envDir: string, cwd: string): EnvironmentTls {
  const display = displayPath(join(envDir, 'http-client.env.json'), cwd)
  if (typeof value !== 'object' || value === null)
    throw new LoadError('LOAD_JSON', `\`SSLConfiguration\` in ${display} must be an object`, {
      file: display,
      line: 1,
      column: 1,
    })
  const config = value as Record<string, unknown>
  const file = (key: string): string | undefined => {
    const entry = config[key]
    const path = typeof entry === 'string' ? entry : (entry as { path?: unknown } | undefined)?.path
    if (path === undefined) return undefined
    if (typeof path !== 'string')
      throw new LoadError('LOAD_JSON', `\`SSLConfiguration.${key}\` must be a path`, {
        file: display,
        line: 1,
        column: 1,
      })
    try {
      return readSettingsFile(resolve(envDir, path))
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error
      throw new LoadError(
        'LOAD_FILE_NOT_FOUND',
        `\`SSLConfiguration.${key}\`: ${path} ${error.message}`,
        undefined,
        `paths are relative to ${displayPath(envDir, cwd)}`,
      )
    }
  }
  const cert = file('clientCertificate')
  const key = file('clientCertificateKey')
  return {
    ...(cert ? { cert, key: key ?? cert } : {}),
    ...(config['verifyHostCertificate'] === false ? { insecure: true } : {}),
  }
}

export type VarSources = {
  readonly cwd: string
  readonly env?: string
  readonly envFiles: readonly string[]
  readonly secretNames: readonly string[]
  /** The weakest layer: values --mock supplies so examples run without a .env. */
  readonly defaults?: Readonly<Record<string, string>>
}

/**
 * A `.env` value is secret unless its name says it is plain configuration: masking `baseUrl` or
 * `model` would make every log and report unreadable, while API keys, tokens and passwords stay hidden.
 */
const PLAIN_CONFIG_NAME =
  /(url|uri|host|port|model|base|path|version|region|lang|locale|timeout|org(anization)?_?id|project|user(name)?|email|env(ironment)?|name)$/i

export async function loadBaseVars(requestFileDir: string, sources: VarSources): Promise<BaseVars> {
  const values: Record<string, unknown> = { ...sources.defaults }
  const origins: Record<string, string> = Object.fromEntries(
    Object.keys(sources.defaults ?? {}).map((name) => [name, 'the --mock default']),
  )
  const dotenv: Record<string, string> = {}
  const secrets: Secret[] = []
  let tls: EnvironmentTls | undefined
  const cwdEnv = resolve(sources.cwd, '.env')
  const besideEnv = join(requestFileDir, '.env')
  const dotenvFiles = [cwdEnv, ...(besideEnv !== cwdEnv ? [besideEnv] : [])].filter((path) => existsSync(path))
  for (const file of sources.envFiles) {
    const path = resolve(sources.cwd, file)
    if (!existsSync(path)) throw new UsageError(`--env-file not found: ${path}`)
    dotenvFiles.push(path)
  }
  if (dotenvFiles.length > 0) {
    const { parse } = await import('dotenv') // only when there is a .env: it loads node:crypto and node:os
    for (const path of dotenvFiles) {
      const shown = displayPath(path, sources.cwd)
      let text: string
      try {
        text = readSettingsFile(path)
      } catch (error) {
        if (!(error instanceof InputFileError)) throw error
        throw new UsageError(`${shown} ${error.message}`, 'a dotenv file is a small text file of NAME=value lines')
      }
      for (const [name, value] of Object.entries(parse(text))) {
        values[name] = value
        origins[name] = shown
        dotenv[name] = value
        if (!PLAIN_CONFIG_NAME.test(name)) secrets.push({ name, value, source: 'dotenv' })
      }
    }
  }

  const envDir = findEnvironmentDir(requestFileDir)
  if (sources.env !== undefined) checkEnvironments(requestFileDir, [sources.env], sources.cwd)
  if (envDir) {
    const publicFile = readEnvironmentFile(join(envDir, 'http-client.env.json'), sources.cwd)
    const privateFile = readEnvironmentFile(join(envDir, 'http-client.private.env.json'), sources.cwd)
    const shown = (file: string, env: string) =>
      `${displayPath(join(envDir, file), sources.cwd)}, ${env === '$shared' ? '$shared' : `environment ${env}`}`
    const layers: [Record<string, unknown> | undefined, boolean, string][] = [
      [publicFile['$shared'], false, shown('http-client.env.json', '$shared')],
      [privateFile['$shared'], true, shown('http-client.private.env.json', '$shared')],
      ...(sources.env !== undefined
        ? ([
            [publicFile[sources.env], false, shown('http-client.env.json', sources.env)],
            [privateFile[sources.env], true, shown('http-client.private.env.json', sources.env)],
          ] as [Record<string, unknown> | undefined, boolean, string][])
        : []),
    ]
    for (const [layer, isPrivate, origin] of layers) {
      for (const [name, value] of Object.entries(layer ?? {})) {
        if (name === 'SSLConfiguration') {
          tls = sslConfiguration(value, envDir, sources.cwd)
          continue
        }
        values[name] = value
        origins[name] = origin
        if (isPrivate && typeof value === 'string') secrets.push({ name, value, source: 'private-env' })
      }
    }
  }
  for (const name of sources.secretNames) {
    const value = values[name]
    if (typeof value === 'string') secrets.push({ name, value, source: 'flag' })
  }
  return { values, dotenv, secrets, origins, ...(tls ? { tls } : {}) }
}

/** That each environment named with --env is defined for request files in this folder: a usage error if not. */
export function checkEnvironments(requestFileDir: string, environments: readonly string[], cwd: string): void {
  const envDir = findEnvironmentDir(requestFileDir)
  if (!envDir)
    throw new UsageError(
      `--env ${environments[0]}: no http-client.env.json beside ${displayPath(requestFileDir, cwd)} or above it`,
      'create http-client.env.json with { "' + environments[0] + '": { "baseUrl": "…" } }',
    )
  const names = environmentsIn(
    readEnvironmentFile(join(envDir, 'http-client.env.json'), cwd),
    readEnvironmentFile(join(envDir, 'http-client.private.env.json'), cwd),
  )
  for (const env of environments) {
    if (names.has(env)) continue
    const suggestion = nearest(env, names)
    throw new UsageError(
      `Unknown environment \`${env}\` in ${displayPath(envDir, cwd)}/http-client.env.json`,
      `${suggestion ? `did you mean \`${suggestion}\`? ` : ''}environments: ${[...names].join(', ') || '(none)'}`,
    )
  }
}

/** The environments (`$shared` aside) that the env files beside `start`, or in a folder above it, define. */
export function environmentNames(start: string, cwd: string): string[] {
  const dir = findEnvironmentDir(start)
  if (!dir) return []
  return [
    ...environmentsIn(
      readEnvironmentFile(join(dir, 'http-client.env.json'), cwd),
      readEnvironmentFile(join(dir, 'http-client.private.env.json'), cwd),
    ),
  ]
}

function environmentsIn(...files: Record<string, unknown>[]): Set<string> {
  return new Set(files.flatMap((f) => Object.keys(f)).filter((n) => n !== '$shared'))
}

function findEnvironmentDir(start: string): string | undefined {
  let dir = start
  for (;;) {
    if (existsSync(join(dir, 'http-client.env.json')) || existsSync(join(dir, 'http-client.private.env.json')))
      return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

function readEnvironmentFile(path: string, cwd: string): Record<string, Record<string, unknown>> {
  if (!existsSync(path)) return {}
  const display = displayPath(path, cwd)
  let text: string
  try {
    text = readSettingsFile(path)
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error
    throw new LoadError(
      'LOAD_JSON',
      `${display} ${error.message}`,
      undefined,
      'an environment file is a small JSON file',
    )
  }
  const value = toPlain(parseLocatedJson(text, display))
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LoadError('LOAD_JSON', `${display} must hold an object of environments`, {
      file: display,
      line: 1,
      column: 1,
    })
  }
  return value as Record<string, Record<string, unknown>>
}
