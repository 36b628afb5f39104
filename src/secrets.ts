// What is secret in a run, and masking it. Values come from .env (unless plainly configuration),
// http-client.private.env.json, and variables named with --secret; headers such as Authorization,
// Cookie and X-Api-Key are masked by name wherever they are shown.
import type { Secret } from './load/env.js'

export const MASK = '********'
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-goog-api-key|anthropic-api-key|openai-api-key)$/i

export class Secrets {
  private readonly byValue = new Map<string, Secret>()
  private pattern: RegExp | undefined

  constructor(private readonly names: ReadonlySet<string> = new Set(), private readonly reveal = false) {}

  add(secret: Secret): void {
    // Very short values would mask innocent text everywhere ("1", "on").
    if (secret.value.length < 4 || this.byValue.has(secret.value)) return
    this.byValue.set(secret.value, secret)
    this.pattern = undefined
  }

  /** Marks values assigned to a --secret name (from --var or a capture). */
  noteVariable(name: string, value: unknown): void {
    if (this.names.has(name) && typeof value === 'string') this.add({ name, value, source: 'flag' })
  }

  /** Replaces every secret value in the text; `replacement` may name the variable (curl export). */
  mask(text: string, replacement: (secret: Secret) => string = () => MASK): string {
    if (this.reveal || this.byValue.size === 0) return text
    this.pattern ??= new RegExp([...this.byValue.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g')
    return text.replace(this.pattern, (value) => replacement(this.byValue.get(value)!))
  }

  maskHeader(name: string, value: string): string {
    if (this.reveal) return value
    if (SECRET_HEADER.test(name)) {
      const scheme = value.match(/^(Bearer|Basic|Token|Digest)\s+/i)
      return scheme ? `${scheme[0]}${MASK}` : MASK
    }
    return this.mask(value)
  }

  get revealing(): boolean {
    return this.reveal
  }
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
