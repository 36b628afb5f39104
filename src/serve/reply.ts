// Deterministic replies for the built-in server: the same request always gets the same text,
// tool call or JSON, so examples and tests can rely on them.
//   - a few canned answers (the capital of France, and a follow-up about it);
//   - otherwise a reply that quotes the last user message and a hash of the whole conversation,
//     which shows at a glance that a chained turn carried the history;
//   - tools: a call of the chosen tool with arguments generated from its JSON Schema;
//   - response_format: JSON valid against the schema (or any object for json_object).
import { createHash } from 'node:crypto'

export type ChatMessage = { role?: string; content?: unknown; tool_calls?: unknown; name?: string }
export type ToolSpec = { type?: string; function?: { name?: string; description?: string; parameters?: Schema } }
export type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  minItems?: number
  minLength?: number
  format?: string
  anyOf?: Schema[]
  oneOf?: Schema[]
  additionalProperties?: unknown
}

export type Reply =
  { kind: 'text'; text: string } | { kind: 'tool'; calls: { id: string; name: string; arguments: string }[] }

const CANNED: [RegExp, string][] = [
  [/capital of france/i, 'The capital of France is Paris.'],
  [
    /(population|how many people|inhabitants)/i,
    'Paris has about 2.1 million inhabitants, and about 12 million live in its metropolitan area.',
  ],
  [
    /(famous|landmark|visit|see there)/i,
    'Paris is known for the Eiffel Tower, the Louvre and the Notre-Dame cathedral.',
  ],
  [/^(hi|hello|hey)\b/i, 'Hello! I am the reqchain mock model. Ask me anything.'],
]

export function hashOf(value: unknown, length = 8): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length)
}

/** The text of a message's content, with image parts described. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : JSON.stringify(content)
  return content
    .map((part: Record<string, unknown>) => {
      if (part['type'] === 'text') return String(part['text'] ?? '')
      if (part['type'] === 'image_url')
        return `[image: ${describeImage((part['image_url'] as { url?: string } | undefined)?.url ?? '')}]`
      return ''
    })
    .join(' ')
    .trim()
}

function describeImage(url: string): string {
  const data = url.match(/^data:([^;,]+)?(;base64)?,(.*)$/s)
  if (!data) return url.slice(0, 60)
  const bytes = data[2] ? Buffer.from(data[3]!, 'base64').length : decodeURIComponent(data[3]!).length
  return `${data[1] ?? 'unknown type'}, ${bytes} bytes`
}

export function chatReply(body: Record<string, unknown>): Reply {
  const messages = (body['messages'] as ChatMessage[] | undefined) ?? []
  const last = messages[messages.length - 1]
  const tools = (body['tools'] as ToolSpec[] | undefined) ?? []
  const toolChoice = body['tool_choice']
  if (last?.role === 'tool') {
    const toolName = last.name ?? findToolName(messages) ?? 'the tool'
    return {
      kind: 'text',
      text: `${toolName} returned ${contentText(last.content)}. That is the answer to your question.`,
    }
  }
  if (tools.length > 0 && toolChoice !== 'none') {
    const wanted =
      typeof toolChoice === 'object' && toolChoice !== null
        ? (toolChoice as { function?: { name?: string } }).function?.name
        : undefined
    const tool = tools.find((t) => t.function?.name === wanted) ?? tools[0]!
    const name = tool.function?.name ?? 'tool'
    const args = JSON.stringify(instanceOf(tool.function?.parameters ?? { type: 'object' }, name))
    return { kind: 'tool', calls: [{ id: `call_${hashOf([messages, name], 24)}`, name, arguments: args }] }
  }
  const format = body['response_format'] as { type?: string; json_schema?: { schema?: Schema } } | undefined
  if (format?.type === 'json_schema')
    return {
      kind: 'text',
      text: JSON.stringify(instanceOf(format.json_schema?.schema ?? { type: 'object' }, 'answer')),
    }
  if (format?.type === 'json_object') return { kind: 'text', text: JSON.stringify({ answer: textReply(messages) }) }
  return { kind: 'text', text: textReply(messages) }
}

function findToolName(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const calls = messages[i]!.tool_calls as { function?: { name?: string } }[] | undefined
    if (Array.isArray(calls) && calls[0]?.function?.name) return calls[0].function.name
  }
  return undefined
}

function textReply(messages: ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')
  const question = contentText(lastUser?.content)
  for (const [pattern, answer] of CANNED) if (pattern.test(question)) return answer
  const quoted = question.length > 80 ? `${question.slice(0, 80)}…` : question
  const turns = messages.filter((m) => m.role === 'user').length
  return `You said: "${quoted}". This is the reqchain mock model, turn ${turns} of this conversation (history ${hashOf(messages)}).`
}

export function completionReply(prompt: string): string {
  return `${prompt.length > 0 ? '' : 'Once upon a time'} there was a request that ran in order, captured its answer and passed it on. (${hashOf(prompt)})`.trimStart()
}

/** A value valid against a (practical subset of) JSON Schema, chosen deterministically. */
export function instanceOf(schema: Schema, name = ''): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.enum && schema.enum.length > 0) return schema.enum[0]
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0]
  if (choice) return instanceOf(choice, name)
  const type = Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== 'null') ?? schema.type[0])
    : (schema.type ?? (schema.properties ? 'object' : 'string'))
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = instanceOf(child, key)
      return out
    }
    case 'array': {
      const count = Math.max(1, schema.minItems ?? 1)
      return Array.from({ length: count }, () => instanceOf(schema.items ?? { type: 'string' }, name))
    }
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? 1
      const value =
        schema.maximum !== undefined && schema.maximum < low
          ? schema.maximum
          : Math.max(low, Math.min(schema.maximum ?? 42, 42))
      return type === 'integer' ? Math.ceil(value) : value
    }
    case 'boolean':
      return true
    case 'null':
      return null
    default: {
      if (schema.format === 'date') return '2026-01-01'
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z'
      if (schema.format === 'email') return 'user@example.com'
      const text = /city|location|place|town/i.test(name)
        ? 'Paris'
        : /country/i.test(name)
          ? 'France'
          : /unit/i.test(name)
            ? 'celsius'
            : /name/i.test(name)
              ? 'Ada'
              : `example ${name}`.trim()
      return text.length >= (schema.minLength ?? 0) ? text : text.padEnd(schema.minLength!, '.')
    }
  }
}

/** Token-like pieces: words with their leading space, so joining them gives the text back. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? []
}

export function countTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 4 + tokenize(contentText(m.content)).length, 2)
}

/** Text cut into the small pieces a server streams tool-call arguments in. */
export function fragments(text: string): string[] {
  return text.match(/[\s\S]{1,8}/g) ?? []
}
