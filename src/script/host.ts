// What a script can reach of reqchain: the host functions the sandbox calls (variables, globals,
// logging, jsonPath, digests, uuids), each taking and giving strings, and the request and response
// as the script sees them (plain copies). Everything a script does to the chain goes through
// ScriptHost.
import { createHash, createHmac, randomUUID } from 'node:crypto'
import type { Exchange, HttpRequest, RequestTemplate } from '../model.js'
import { parseStreamEvents } from '../send/sse.js'
import { responseText } from '../check/extract.js'
import { queryJsonPath } from '../check/jsonpath.js'
import { PRELUDE_PARTS } from './prelude.js'

/** What one script may log: a loop of client.log would otherwise fill the terminal (and memory, when stderr is piped). */
const MAX_LOG_CHARS = 1024 * 1024

/** What scripts may read and change of the chain they run in. */
export type ScriptHost = {
  readonly variable: (name: string) => unknown
  readonly environment: (name: string) => unknown
  readonly setGlobal: (name: string, value: unknown) => void
  readonly clearGlobal: (name: string) => void
  readonly clearAllGlobals: () => void
  readonly globalsEmpty: () => boolean
  readonly setRequestVariable: (name: string, value: unknown) => void
  /** A template rendered with the chain's variables; the raw text when it cannot be. */
  readonly substitute: (raw: string) => string
  readonly log: (text: string) => void
}

export function requestInput(template: RequestTemplate, sent: HttpRequest | undefined) {
  const rawBody =
    template.body?.kind === 'parts'
      ? template.body.parts.map((p) => (p.kind === 'text' ? p.text.raw : `< ${p.path}`)).join('')
      : null
  const sentBody = sent?.body ? new TextDecoder().decode(sent.body) : undefined
  const written = template.headers.map((h) => [h.name, h.value.raw] as [string, string])
  const headers: (readonly [string, string, string?])[] = sent
    ? sent.headers.map(
        ([name, value]) =>
          [name, written.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? value, value] as const,
      )
    : written
  return {
    method: template.method,
    url: template.url.raw,
    body: rawBody,
    headers,
    ...(sent ? { sentUrl: sent.url, sentBody: sentBody ?? null } : {}),
  }
}

export function responseInput(exchange: Exchange) {
  const type = exchange.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? ''
  const [mime = '', ...params] = type.split(';').map((p) => p.trim())
  const charset =
    params
      .find((p) => /^charset=/i.test(p))
      ?.slice(8)
      .replace(/^"|"$/g, '') ?? null
  return {
    status: exchange.status,
    headers: exchange.headers,
    mimeType: mime.toLowerCase(),
    charset,
    stream: exchange.stream !== undefined,
    assembled: exchange.assembled !== undefined,
  }
}

/** Host functions that answer nothing: the sandbox sends them in batches, with the next call that answers. */
export const QUEUED_HOST_CALLS = ['log', 'setGlobal', 'clearGlobal', 'clearAllGlobals', 'setRequestVariable']

export function hostFunctions(host: ScriptHost, exchange: Exchange | undefined) {
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value))
  let logged = 0
  return {
    log: (text: string) => {
      if (logged > MAX_LOG_CHARS) return undefined
      logged += text.length
      host.log(
        logged > MAX_LOG_CHARS
          ? `${text.slice(0, 200)}… (this script logged more than 1 MiB; the rest is not shown)`
          : text,
      )
      return undefined
    },
    setGlobal: (name: string, value: string) => {
      host.setGlobal(name, JSON.parse(value))
      return undefined
    },
    clearGlobal: (name: string) => {
      host.clearGlobal(name)
      return undefined
    },
    clearAllGlobals: () => {
      host.clearAllGlobals()
      return undefined
    },
    globalsEmpty: () => String(host.globalsEmpty()),
    getVariable: (name: string) => json(host.variable(name)),
    getEnvironment: (name: string) => json(host.environment(name)),
    setRequestVariable: (name: string, value: string) => {
      host.setRequestVariable(name, JSON.parse(value))
      return undefined
    },
    substitute: (raw: string) => host.substitute(raw),
    responseBody: () => (exchange ? responseText(exchange) : ''),
    streamText: () => (exchange ? new TextDecoder().decode(exchange.body) : ''),
    streamMessages: () =>
      JSON.stringify(
        exchange?.stream
          ? parseStreamEvents(exchange.body, exchange.stream.format)
              .filter((e) => !e.isErrorLine)
              .map((e) => e.data)
          : [],
      ),
    digest: (algorithm: string, secret: string, parts: string) =>
      digest(algorithm, JSON.parse(secret) as Part | null, JSON.parse(parts) as Part[]),
    hexToBase64: (hex: string, variant: string) =>
      Buffer.from(hex, 'hex').toString(variant === 'url' ? 'base64url' : 'base64'),
    uuid: () => randomUUID(),
    part: (name: string) => PRELUDE_PARTS[name] ?? '(function () { return undefined })',
    jsonPath: (value: string, path: string) => {
      const result = queryJsonPath(path, JSON.parse(value))
      if (!result.ok) throw new Error(`Invalid JSONPath ${path}: ${result.message}`)
      return JSON.stringify(
        result.matches.length === 0 ? null : result.matches.length === 1 ? result.matches[0] : result.matches,
      )
    },
    btoa: (text: string) => Buffer.from(text, 'latin1').toString('base64'),
    atob: (text: string) => Buffer.from(text, 'base64').toString('latin1'),
  }
}

type Part = [kind: 'text' | 'hex' | 'base64', value: string]

function bytesOf([kind, value]: Part): Buffer {
  if (kind === 'text') return Buffer.from(value, 'utf8')
  // Buffer.from drops what it cannot read: a wrong digest would pass for a right one.
  if (kind === 'hex' && !/^(?:[0-9a-f]{2})*$/i.test(value))
    throw new Error(`not hexadecimal: ${JSON.stringify(value.slice(0, 40))}`)
  if (kind === 'base64' && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value))
    throw new Error(`not base64: ${JSON.stringify(value.slice(0, 40))}`)
  return Buffer.from(value, kind)
}

function digest(algorithm: string, secret: Part | null, parts: Part[]): string {
  const hash = secret ? createHmac(algorithm, bytesOf(secret)) : createHash(algorithm)
  for (const part of parts) hash.update(bytesOf(part))
  return hash.digest('hex')
}
