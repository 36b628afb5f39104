// Sends an upload of `mib` MiB to a loopback server and returns its status (and body, when it
// could be read). A server that refuses a large body may close the connection while the upload is
// still going: that reset is returned as `reset`, for the caller to judge.
import { request } from 'node:http'

export type UploadResult = { readonly status: number; readonly body: string } | { readonly reset: string }

export function upload(url: string, mib: number, declareLength: boolean): Promise<UploadResult> {
  return new Promise((resolve) => {
    const headers = declareLength ? { 'Content-Length': String(mib * 1024 * 1024) } : {}
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => (body += text))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
      res.on('error', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ reset: error.code ?? error.message }))
    const chunk = Buffer.alloc(1024 * 1024, 120)
    let sent = 0
    const pump = () => {
      while (sent < mib && !req.destroyed && req.write(chunk)) sent++
      if (req.destroyed) return
      if (sent < mib) req.once('drain', pump)
      else req.end()
    }
    pump()
  })
}
