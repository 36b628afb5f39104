// `--record DIR`: every exchange of the run written as it ends, into a folder beside DIR that takes
// DIR's place only when the run is over — a recording is whole or not there at all. A stream's
// pieces are timed as they arrive (the send stage keeps them when the run records), so a replay
// can pace them as the server did.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { ReportError } from '../errors.js'
import type { Exchange, HeaderPairs } from '../model.js'
import type { StepResult } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import { VERSION } from '../version.js'
import {
  FORMAT,
  FORMAT_VERSION,
  type RecordedBody,
  type RecordedExchange,
  type RecordingIndex,
  SIDE_FILE_BYTES,
} from './format.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class Recorder {
  private readonly partial: string
  private readonly entries: RecordingIndex['exchanges'][number][] = []
  /** Each exchange file and how many secrets were known when it was written. */
  private readonly maskedWith = new Map<string, number>()
  private seq = 0

  constructor(
    private readonly dir: string,
    private readonly shown: string,
    private readonly secrets: Secrets,
    private readonly meta: {
      readonly command: 'run' | 'test'
      readonly files: readonly string[]
      readonly names: readonly string[]
      readonly dataset?: { readonly file: string; readonly rows?: string; readonly limit?: number }
    },
  ) {
    this.partial = join(dirname(dir), `.${basename(dir)}.${process.pid}.partial`)
    try {
      rmSync(this.partial, { recursive: true, force: true })
      mkdirSync(this.partial, { recursive: true })
    } catch (error) {
      throw this.error(error)
    }
  }

  /** A step has ended: its exchange is written now, so a crash later keeps it. */
  add(step: StepResult): void {
    if (step.skipped) return
    const request = step.exchange?.request ?? step.request
    if (!request) return
    const seq = ++this.seq
    const stem = `${String(seq).padStart(4, '0')}-${slug(step.template.name ?? `${request.method} ${new URL(request.url).pathname}`)}`
    const file = relative(this.dir, step.file.absolutePath)
    const exchange: RecordedExchange = {
      seq,
      file,
      line: step.template.span.line,
      ...(step.template.name ? { name: step.template.name } : {}),
      ...(step.row !== undefined ? { row: step.row } : {}),
      request: {
        method: request.method,
        url: this.secrets.mask(request.url),
        headers: this.headers(request.headers),
        ...(request.body && request.body.length > 0 ? { body: this.body(request.body, `${stem}.request`) } : {}),
      },
      ...(step.exchange ? { response: this.response(step.exchange, stem), timings: step.exchange.timings } : {}),
      captures: JSON.parse(this.secrets.mask(JSON.stringify(step.captures))) as Record<string, unknown>,
      ...(step.error ? { error: { code: step.error.code, message: this.secrets.mask(step.error.message) } } : {}),
    }
    this.write(`${stem}.json`, `${readable(exchange)}\n`)
    this.maskedWith.set(`${stem}.json`, this.secrets.known)
    this.entries.push({
      seq,
      path: `${stem}.json`,
      file,
      line: exchange.line,
      ...(exchange.name ? { name: exchange.name } : {}),
      ...(exchange.row !== undefined ? { row: exchange.row } : {}),
      method: request.method,
      url: exchange.request.url,
      ...(step.exchange ? { status: step.exchange.status } : {}),
    })
  }

  /** The index, then the folder into DIR's place (an older recording there is replaced whole). */
  finish(): ReportError | undefined {
    try {
      this.maskAgain()
      const index: RecordingIndex = {
        format: FORMAT,
        version: FORMAT_VERSION,
        reqchain: VERSION,
        recordedAt: new Date().toISOString(),
        command: this.meta.command,
        files: this.meta.files.map((f) => relative(this.dir, f)),
        names: this.meta.names,
        ...(this.meta.dataset
          ? { dataset: { ...this.meta.dataset, file: relative(this.dir, this.meta.dataset.file) } }
          : {}),
        exchanges: this.entries.map((entry) => ({ ...entry, url: this.secrets.mask(entry.url) })),
      }
      this.write('index.json', `${readable(index)}\n`)
      const old = `${this.partial}.old`
      let moved = false
      try {
        renameSync(this.dir, old)
        moved = true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      renameSync(this.partial, this.dir)
      if (moved) rmSync(old, { recursive: true, force: true })
      return undefined
    } catch (error) {
      this.abort()
      return error instanceof ReportError ? error : this.error(error)
    }
  }

  /**
   * Each exchange was written as it ended, masked with the secrets known then; a secret learned
   * later in the run (a token captured by the tenth request) is masked now in those written
   * before it, side files included. A side file whose size changes gets its new size, and a
   * stream's pieces become one (its pacing lost, never the secret).
   */
  private maskAgain(): void {
    if (this.secrets.revealing) return
    for (const { path } of this.entries) {
      if (this.maskedWith.get(path) === this.secrets.known) continue // no secret learned since it was written
      const file = join(this.partial, path)
      const text = readFileSync(file, 'utf8')
      const masked = this.secrets.mask(text)
      const exchange = JSON.parse(masked) as {
        request: { body?: RecordedBody }
        response?: { body: RecordedBody; chunks?: { at: number; size: number }[] }
      }
      let changed = masked !== text
      for (const part of [exchange.request, exchange.response]) {
        if (!part?.body || !('file' in part.body)) continue
        const side = join(this.partial, part.body.file)
        const bytes = readFileSync(side)
        let decoded: string | undefined
        try {
          decoded = utf8.decode(bytes)
        } catch {
          /* binary */
        }
        const again =
          decoded === undefined
            ? Buffer.from(this.secrets.maskBytes(bytes))
            : Buffer.from(this.secrets.mask(decoded), 'utf8')
        if (again.equals(bytes)) continue
        writeFileSync(side, again)
        part.body = { file: part.body.file, size: again.length }
        changed = true
      }
      const response = exchange.response
      if (response?.chunks && response.chunks.length > 0) {
        const size =
          'text' in response.body
            ? Buffer.byteLength(response.body.text)
            : 'file' in response.body
              ? response.body.size
              : Buffer.from(response.body.base64, 'base64').length
        if (response.chunks.reduce((sum, c) => sum + c.size, 0) !== size)
          response.chunks = [{ at: response.chunks[response.chunks.length - 1]!.at, size }]
      }
      if (changed) writeFileSync(file, `${readable(exchange)}\n`)
    }
  }

  abort(): void {
    try {
      rmSync(this.partial, { recursive: true, force: true })
    } catch {
      /* nothing more can be done */
    }
  }

  private write(name: string, data: string | Uint8Array): void {
    try {
      writeFileSync(join(this.partial, name), data)
    } catch (error) {
      throw this.error(error)
    }
  }

  private error(error: unknown): ReportError {
    return new ReportError(
      'REPORT_WRITE',
      `Cannot write the recording ${this.shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      undefined,
      'check that the folder above it exists and is writable',
      { cause: error },
    )
  }

  private headers(headers: HeaderPairs): [string, string][] {
    return headers.map(([name, value]) => [name, this.secrets.maskHeader(name, value)])
  }

  /** Text (masked) when it is UTF-8, else base64; a side file past the size limit. */
  private body(bytes: Uint8Array, sideName: string): RecordedBody {
    let text: string | undefined
    try {
      text = utf8.decode(bytes)
    } catch {
      /* binary */
    }
    const stored = text === undefined ? this.secrets.maskBytes(bytes) : Buffer.from(this.secrets.mask(text), 'utf8')
    if (stored.length > SIDE_FILE_BYTES) {
      this.write(sideName, stored)
      return { file: sideName, size: stored.length }
    }
    return text === undefined ? { base64: Buffer.from(stored).toString('base64') } : { text: stored.toString('utf8') }
  }

  private response(exchange: Exchange, stem: string): NonNullable<RecordedExchange['response']> {
    const base = {
      status: exchange.status,
      statusText: exchange.statusText,
      httpVersion: exchange.httpVersion,
      headers: this.headers(exchange.headers),
    }
    if (exchange.bodyWrittenTo) return { ...base, body: { text: '' } }
    const timed = exchange.stream?.pieces
    const pieces = timed && timed.length > 0 ? this.maskedPieces(timed, exchange.body) : undefined
    if (!pieces) return { ...base, body: this.body(exchange.body, `${stem}.response`) }
    const joined = Buffer.concat(pieces.map((p) => p.bytes))
    const body: RecordedBody =
      joined.length > SIDE_FILE_BYTES
        ? (this.write(`${stem}.response`, joined), { file: `${stem}.response`, size: joined.length })
        : { text: joined.toString('utf8') }
    return {
      ...base,
      body,
      chunks: pieces.map(({ at, bytes }) => ({ at: Math.round(at * 10) / 10, size: bytes.length })),
    }
  }

  /**
   * A stream's pieces, each masked: their sizes then add up to the stored body. When a secret is
   * split between two pieces, masking piece by piece would miss it: then the body is masked whole
   * and kept as one piece (its pacing lost, never the secret).
   */
  private maskedPieces(
    timed: readonly { at: number; size: number }[],
    body: Uint8Array,
  ): { at: number; bytes: Buffer }[] | undefined {
    const decoder = new TextDecoder('utf-8', { fatal: true }) // a character split between pieces goes with the later one
    const texts: string[] = []
    let offset = 0
    try {
      for (const piece of timed) {
        texts.push(decoder.decode(body.subarray(offset, offset + piece.size), { stream: true }))
        offset += piece.size
      }
      texts[texts.length - 1] += decoder.decode()
    } catch {
      return undefined
    }
    if (offset !== body.length) return undefined // the body is not the pieces (cut at a limit)
    const whole = this.secrets.mask(new TextDecoder().decode(body))
    const masked = texts.map((t) => this.secrets.mask(t))
    if (masked.join('') !== whole) return [{ at: timed.at(-1)!.at, bytes: Buffer.from(whole, 'utf8') }]
    return masked.map((text, i) => ({ at: timed[i]!.at, bytes: Buffer.from(text, 'utf8') }))
  }
}

/** Indented JSON with a header pair, a stream piece or an index entry on one line each: short, and diffable line by line. */
function readable(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/\[\n\s+("(?:[^"\\]|\\.)*"),\n\s+("(?:[^"\\]|\\.)*")\n\s+\]/g, '[$1, $2]')
    .replace(/\{\n\s+"at": ([\d.]+),\n\s+"size": (\d+)\n\s+\}/g, '{ "at": $1, "size": $2 }')
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'request'
  )
}
