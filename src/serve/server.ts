// reqchain's built-in stand-in for an OpenAI- and Ollama-compatible server, on loopback.
//   GET  /v1/models             POST /v1/chat/completions   POST /v1/completions
//   POST /v1/responses (OpenAI Responses)   POST /v1/messages (Anthropic Messages)   POST /v1/embeddings   (llm-apis.ts)
//   GET  /api/tags              POST /api/chat              POST /api/generate      (NDJSON streams)
//   /rest/items[/:id]           a small CRUD collection     ANY  /echo   (the request, as JSON)
// Faults on demand, per request with an `X-Mock-Fault` header or for every request with --fault:
//   delay-first-byte=MS  token-delay=MS  drop-after=N  error-after=N  status=CODE  close-after-stream
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type ChatMessage, chatReply, completionReply, countTokens, fragments, hashOf, tokenize } from './reply.js'
import { handleRest } from './rest.js'
import { type Faults, sendError, sendJson, sleep, streamLines } from './wire.js'
import { type ResponsesMemory, answerEmbeddings, answerMessages, answerResponses } from './llm-apis.js'

export type MockServerOptions = {
  readonly port: number
  readonly host: string
  readonly apiKey?: string
  /** Faults applied to every request, in the X-Mock-Fault syntax. */
  readonly fault?: string
  /** When set, only these models exist; others get 404 as OpenAI answers. Default: any model. */
  readonly models?: readonly string[]
}

export type MockServer = { readonly url: string; readonly close: () => Promise<void>; readonly requests: () => number }

export const DEFAULT_MODEL = 'reqchain-mock'

const NO_FAULTS: Faults = { delayFirstByte: 0, tokenDelay: 0 }

/** Only the faults the text names, so a request's header adds to the server's --fault. */
export function parseFaults(text: string | undefined): Partial<Faults> {
  const faults: Partial<Faults> = {}
  for (const item of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, raw = '1'] = item.split('=')
    const value = Number(raw)
    if (!Number.isFinite(value) || value < 0) throw new Error(`bad fault value in \`${item}\``)
    switch (key) {
      case 'delay-first-byte':
        faults.delayFirstByte = value
        break
      case 'token-delay':
        faults.tokenDelay = value
        break
      case 'drop-after':
        faults.dropAfter = value
        break
      case 'error-after':
        faults.errorAfter = value
        break
      case 'status':
        faults.status = value
        break
      case 'close-after-stream':
        faults.closeAfterStream = value !== 0
        break
      default:
        throw new Error(
          `unknown fault \`${key}\` (delay-first-byte, token-delay, drop-after, error-after, status, close-after-stream)`,
        )
    }
  }
  return faults
}

export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const serverFaults: Faults = { ...NO_FAULTS, ...parseFaults(options.fault) }
  const sockets = new Set<Socket>()
  const state = {
    items: new Map<number, Record<string, unknown>>(),
    nextId: 1,
    responses: new Map() as ResponsesMemory,
  }
  let count = 0
  const server = createServer((req, res) => {
    count++
    handle(req, res, options, serverFaults, state).catch((error: Error) => {
      if (!res.headersSent) sendError(res, 500, error.message, 'server_error')
      else res.destroy()
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A request body past this is refused (413): the server holds what it is sent to answer it. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024

/** The request's body, or undefined once it passes MAX_UPLOAD_BYTES (declared or sent), reading no more of it. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > MAX_UPLOAD_BYTES) return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_UPLOAD_BYTES) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** Errors in OpenAI's shape: `{ "error": { message, type, param, code } }`. */

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: MockServerOptions,
  serverFaults: Faults,
  state: { items: Map<number, Record<string, unknown>>; nextId: number; responses: ResponsesMemory },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://mock')
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`
  const raw = await readBody(req)
  if (!raw) {
    res.setHeader('Connection', 'close') // the rest of the body is not read
    sendError(res, 413, `The request body is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`)
    res.on('finish', () => req.destroy())
    return
  }
  let faults = serverFaults
  const header = req.headers['x-mock-fault']
  if (typeof header === 'string') {
    try {
      faults = { ...serverFaults, ...parseFaults(header) }
    } catch (error) {
      return sendError(res, 400, `X-Mock-Fault: ${(error as Error).message}`)
    }
  }
  await sleep(faults.delayFirstByte)
  if (url.pathname === '/echo') {
    return sendJson(res, 200, {
      method: req.method,
      path: url.pathname + url.search,
      headers: req.headers,
      body: raw.toString('utf8'),
      bodyBase64: raw.toString('base64'),
    })
  }
  if (url.pathname.startsWith('/rest/')) return handleRest(req.method ?? 'GET', url.pathname.slice(5), raw, res, state)
  // Anthropic's clients send the key as x-api-key.
  const key = req.headers['x-api-key'] === options.apiKey ? `Bearer ${options.apiKey}` : req.headers.authorization
  if (options.apiKey !== undefined && key !== `Bearer ${options.apiKey}`) {
    return sendError(
      res,
      401,
      req.headers.authorization
        ? 'Incorrect API key provided.'
        : "You didn't provide an API key. Send it as Authorization: Bearer KEY.",
      'invalid_request_error',
      'invalid_api_key',
    )
  }
  if (faults.status !== undefined)
    return sendError(res, faults.status, `Fault injected: status ${faults.status}`, 'server_error')
  switch (route) {
    case 'GET /v1/models':
      return sendJson(res, 200, {
        object: 'list',
        data: (options.models ?? [DEFAULT_MODEL]).map((id) => ({
          id,
          object: 'model',
          created: 1700000000,
          owned_by: 'reqchain',
        })),
      })
    case 'GET /api/tags':
      return sendJson(res, 200, {
        models: (options.models ?? [DEFAULT_MODEL]).map((name) => ({
          name,
          model: name,
          modified_at: '2026-01-01T00:00:00Z',
          size: 292800,
          digest: hashOf(name, 64),
          details: { format: 'gguf', family: 'mock' },
        })),
      })
    case 'POST /v1/responses':
    case 'POST /v1/messages':
    case 'POST /v1/embeddings':
    case 'POST /v1/chat/completions':
    case 'POST /v1/completions':
    case 'POST /api/chat':
    case 'POST /api/generate':
      break
    default:
      return sendError(res, 404, `Unknown route: ${req.method} ${url.pathname}`, 'invalid_request_error', 'not_found')
  }
  let body: Record<string, unknown>
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('the body must be a JSON object')
    body = parsed as Record<string, unknown>
  } catch (error) {
    return sendError(res, 400, `Invalid JSON body: ${(error as Error).message}`)
  }
  const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL
  if (options.models && !options.models.includes(model)) {
    return sendError(res, 404, `The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found')
  }
  if (route === 'POST /v1/responses') return answerResponses(body, res, { model, faults, memory: state.responses })
  if (route === 'POST /v1/embeddings') return answerEmbeddings(body, res, model)
  if (route === 'POST /v1/messages') return answerMessages(body, res, { model, faults })
  const isChat = route.endsWith('/chat/completions') || route.endsWith('/api/chat')
  if (isChat && !Array.isArray(body['messages'])) return sendError(res, 400, "'messages' is a required property")
  if (!isChat && typeof body['prompt'] !== 'string') return sendError(res, 400, "'prompt' is a required property")
  const ollama = route.startsWith('POST /api/')
  const stream = ollama ? body['stream'] !== false : body['stream'] === true
  const messages = (body['messages'] as ChatMessage[] | undefined) ?? []
  const maxTokens = Number(
    body['max_tokens'] ??
      body['max_completion_tokens'] ??
      (body['options'] as Record<string, unknown> | undefined)?.['num_predict'] ??
      Infinity,
  )
  const reply = isChat ? chatReply(body) : { kind: 'text' as const, text: completionReply(String(body['prompt'])) }
  let tokens = reply.kind === 'text' ? tokenize(reply.text) : []
  let finish = reply.kind === 'tool' ? 'tool_calls' : 'stop'
  if (tokens.length > maxTokens) {
    tokens = tokens.slice(0, Math.max(0, maxTokens))
    finish = 'length'
  }
  const stop =
    typeof body['stop'] === 'string' ? [body['stop']] : Array.isArray(body['stop']) ? (body['stop'] as string[]) : []
  if (stop.length > 0) {
    const text = tokens.join('')
    const at = Math.min(...stop.map((s) => text.indexOf(s)).filter((i) => i >= 0))
    if (Number.isFinite(at)) {
      tokens = tokenize(text.slice(0, at))
      finish = 'stop'
    }
  }
  const promptTokens = isChat ? countTokens(messages) : tokenize(String(body['prompt'])).length
  const completionTokens =
    reply.kind === 'tool' ? tokenize(reply.calls.map((c) => c.arguments).join(' ')).length : tokens.length
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  }
  const id = `${isChat ? 'chatcmpl' : 'cmpl'}-${hashOf([route, body], 24)}`
  const created = Math.floor(Date.now() / 1000)
  const text = tokens.join('')
  const toolCalls =
    reply.kind === 'tool'
      ? reply.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }))
      : undefined

  if (ollama) {
    const createdAt = new Date().toISOString()
    const field = isChat ? 'message' : 'response'
    const piece = (t: string) => (isChat ? { role: 'assistant', content: t } : t)
    const final = {
      model,
      created_at: createdAt,
      ...(isChat
        ? {
            message: {
              role: 'assistant',
              content: stream ? '' : text,
              ...(toolCalls && !stream
                ? {
                    tool_calls: toolCalls.map((c) => ({
                      function: { name: c.function.name, arguments: JSON.parse(c.function.arguments) },
                    })),
                  }
                : {}),
            },
          }
        : { response: stream ? '' : text }),
      done: true,
      done_reason: finish === 'length' ? 'length' : 'stop',
      total_duration: 1_000_000 * (tokens.length + 1),
      load_duration: 100_000,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: 200_000,
      eval_count: completionTokens,
      eval_duration: 1_000_000 * tokens.length,
    }
    if (!stream) return sendJson(res, 200, final)
    const lines = tokens.map((t) => JSON.stringify({ model, created_at: createdAt, [field]: piece(t), done: false }))
    if (toolCalls && isChat)
      lines.push(
        JSON.stringify({
          model,
          created_at: createdAt,
          message: {
            role: 'assistant',
            content: '',
            tool_calls: toolCalls.map((c) => ({
              function: { name: c.function.name, arguments: JSON.parse(c.function.arguments) },
            })),
          },
          done: false,
        }),
      )
    lines.push(JSON.stringify(final))
    return streamLines(
      res,
      'application/x-ndjson',
      lines.map((l) => `${l}\n`),
      faults,
      (n) => `${JSON.stringify({ error: `Fault injected after ${n} chunks` })}\n`,
    )
  }

  if (!stream) {
    const choice = isChat
      ? {
          index: 0,
          message: {
            role: 'assistant',
            content: toolCalls ? null : text,
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finish,
        }
      : { index: 0, text, logprobs: null, finish_reason: finish }
    return sendJson(res, 200, {
      id,
      object: isChat ? 'chat.completion' : 'text_completion',
      created,
      model,
      choices: [choice],
      usage,
    })
  }
  const object = isChat ? 'chat.completion.chunk' : 'text_completion'
  const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id, object, created, model, choices: [choice], ...extra })
  const events: string[] = []
  if (isChat)
    events.push(chunk({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }))
  for (const t of tokens)
    events.push(
      chunk(
        isChat
          ? { index: 0, delta: { content: t }, logprobs: null, finish_reason: null }
          : { index: 0, text: t, logprobs: null, finish_reason: null },
      ),
    )
  for (const [index, call] of (toolCalls ?? []).entries()) {
    // Arguments arrive in fragments, as real servers stream them.
    events.push(
      chunk({
        index: 0,
        delta: {
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        },
        logprobs: null,
        finish_reason: null,
      }),
    )
    for (const fragment of fragments(call.function.arguments)) {
      events.push(
        chunk({
          index: 0,
          delta: { tool_calls: [{ index, function: { arguments: fragment } }] },
          logprobs: null,
          finish_reason: null,
        }),
      )
    }
  }
  events.push(
    chunk(
      isChat
        ? { index: 0, delta: {}, logprobs: null, finish_reason: finish }
        : { index: 0, text: '', logprobs: null, finish_reason: finish },
    ),
  )
  if ((body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage) {
    events.push(JSON.stringify({ id, object, created, model, choices: [], usage }))
  }
  events.push('[DONE]')
  return streamLines(
    res,
    'text/event-stream',
    events.map((e) => `data: ${e}\n\n`),
    faults,
    (n) =>
      `error: ${JSON.stringify({ code: 500, message: `Fault injected after ${n} chunks`, type: 'server_error' })}\n\n`,
  )
}
