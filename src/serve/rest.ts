// A small in-memory CRUD collection for non-LLM examples: /rest/items and /rest/items/:id.
import type { ServerResponse } from 'node:http'

type State = { items: Map<number, Record<string, unknown>>; nextId: number }

function json(res: ServerResponse, status: number, value?: unknown): void {
  if (value === undefined) {
    res.writeHead(status)
    res.end()
    return
  }
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

export function handleRest(method: string, path: string, raw: Buffer, res: ServerResponse, state: State): void {
  const match = path.match(/^\/items(?:\/(\d+))?\/?$/)
  if (!match)
    return json(res, 404, {
      error: { message: `Unknown route: ${method} /rest${path}`, type: 'invalid_request_error', code: 'not_found' },
    })
  const id = match[1] === undefined ? undefined : Number(match[1])
  let body: Record<string, unknown> = {}
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
      body = parsed as Record<string, unknown>
    } catch {
      return json(res, 400, {
        error: { message: 'The body must be a JSON object', type: 'invalid_request_error', code: null },
      })
    }
  }
  if (id === undefined) {
    if (method === 'GET') return json(res, 200, { items: [...state.items.values()] })
    if (method === 'POST') {
      const item = { ...body, id: state.nextId++ }
      state.items.set(item.id, item)
      res.setHeader('Location', `/rest/items/${item.id}`)
      return json(res, 201, item)
    }
    return json(res, 405, {
      error: { message: `${method} is not allowed on /rest/items`, type: 'invalid_request_error', code: null },
    })
  }
  const item = state.items.get(id)
  if (!item)
    return json(res, 404, { error: { message: `No item ${id}`, type: 'invalid_request_error', code: 'not_found' } })
  switch (method) {
    case 'GET':
      return json(res, 200, item)
    case 'PUT': {
      const next = { ...body, id }
      state.items.set(id, next)
      return json(res, 200, next)
    }
    case 'PATCH': {
      const next = { ...item, ...body, id }
      state.items.set(id, next)
      return json(res, 200, next)
    }
    case 'DELETE':
      state.items.delete(id)
      return json(res, 204)
  }
  return json(res, 405, { error: { message: `${method} is not allowed`, type: 'invalid_request_error', code: null } })
}
