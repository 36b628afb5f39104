// How the built-in server writes: JSON replies, errors shaped like OpenAI's, and streams paced and
// broken on demand by the faults a request asks for (X-Mock-Fault, --fault).
import type { ServerResponse } from 'node:http'

export type Faults = {
  delayFirstByte: number
  tokenDelay: number
  dropAfter?: number
  errorAfter?: number
  status?: number
  /** Close the connection once the stream's last event is written (llama-server does, after a stream). */
  closeAfterStream?: boolean
}

export const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve())

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param: null, code } })
}

export async function streamLines(
  res: ServerResponse,
  contentType: string,
  lines: string[],
  faults: Faults,
  errorLine: (n: number) => string,
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    ...(faults.closeAfterStream ? { Connection: 'close' } : {}),
  })
  res.flushHeaders()
  for (const [i, line] of lines.entries()) {
    if (faults.dropAfter !== undefined && i >= faults.dropAfter) {
      await sleep(20) // let what was written reach the client before the connection drops
      res.destroy()
      return
    }
    if (faults.errorAfter !== undefined && i >= faults.errorAfter) {
      res.end(errorLine(i))
      return
    }
    if (faults.tokenDelay > 0 && i > 0) await sleep(faults.tokenDelay)
    if (!res.write(line)) await new Promise((r) => res.once('drain', r))
  }
  res.end()
}
