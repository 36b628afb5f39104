// Everything reqchain shows in a terminal. stdout carries data (bodies, --extract results); stderr
// carries diagnostics (one summary line per request, errors as code frames, -v heads, --curl).
//
//   ask: POST http://127.0.0.1:8080/v1/chat/completions → 200 OK · 41 ms · 1.1 kB
import type { ReqchainError } from '../errors.js'
import type { AssertResult, Exchange, HttpRequest, RequestTemplate } from '../model.js'
import type { RunEvent } from '../run.js'
import { type StepResult, isFailed } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import type { StreamListener } from '../send/send.js'
import { formatAssertionFrame, formatCodeFrame, formatShort, type Sources } from '../source.js'
import type { Io } from '../io.js'
import { measuredRate } from '../check/llm.js'
import { toCurl } from './curl.js'
import { type ColorChoice, type Style, colorEnabled, formatMs, formatSize, styleFor } from './style.js'

export type ConsoleOptions = {
  readonly mode: 'run' | 'test'
  readonly quiet: boolean
  readonly verbose: boolean
  readonly curl: boolean
  readonly all: boolean
  readonly raw: boolean
  readonly color?: ColorChoice
  readonly insecure?: boolean
  readonly errorFormat?: 'full' | 'short'
  /** The request whose body is printed when --all is off: the last one planned. */
  readonly last?: RequestTemplate
  readonly secrets: Secrets
  readonly sources: Sources
}

export class ConsoleReporter {
  readonly err: Style
  readonly out: Style
  /** Requests whose body already reached stdout while streaming; not printed again. */
  readonly streamedToStdout = new Set<RequestTemplate>()
  /** Live text that does not end in a newline yet, and where it went. */
  private openLine: { template: RequestTemplate; stream: Io['stdout'] } | undefined
  /** A live tool call whose `(` is not closed yet. */
  private openCall = false

  constructor(
    private readonly io: Io,
    private readonly options: ConsoleOptions,
  ) {
    this.err = styleFor(colorEnabled(io.stderr.isTTY, io.env, options.color))
    this.out = styleFor(colorEnabled(io.stdout.isTTY, io.env, options.color))
  }

  printsBody(template: RequestTemplate): boolean {
    return this.options.mode === 'run' && !this.options.quiet && (this.options.all || template === this.options.last)
  }

  onEvent = (event: RunEvent): void => {
    if (event.kind === 'sending') {
      if (this.options.curl)
        this.io.stderr.write(
          `${toCurl(event.request, { secrets: this.options.secrets, followRedirects: event.template.options.followRedirects ?? true, insecure: this.options.insecure ?? false })}\n`,
        )
      if (this.options.verbose) this.requestHead(event.request, event.via)
      return
    }
    if (event.kind === 'skipped') {
      const step = event.step
      if (step.skippedBecause && !this.options.quiet)
        this.io.stderr.write(
          `${this.err.yellow('○')} ${this.label(step)} ${this.err.yellow(`skipped (${step.skippedBecause})`)} ${this.err.dim(`${step.file.path}:${step.template.span.line}`)}\n`,
        )
      return
    }
    if (event.kind === 'retry') {
      if (!this.options.quiet)
        this.io.stderr.write(
          `${this.err.yellow(`retry ${event.attempt}/${event.count} in ${formatMs(event.waitMs)}`)}: ${this.options.secrets.mask(event.reason)}${event.template.name ? this.err.dim(` (${event.template.name})`) : ''}\n`,
        )
      return
    }
    if (event.kind === 'log') {
      if (!this.options.quiet)
        this.io.stderr.write(`${this.err.dim('[log]')} ${this.options.secrets.mask(event.text)}\n`)
      return
    }
    const step = event.step
    if (this.options.verbose && step.exchange) this.responseHead(step.exchange)
    if (this.options.mode === 'test') this.testLine(step)
    else if (!this.options.quiet) this.io.stderr.write(`${this.summary(step)}\n`)
    this.problems(step)
  }

  /** Live output for a stream: text as it arrives on a terminal, raw bytes with --raw. */
  listenerFor = (template: RequestTemplate): StreamListener | undefined => {
    if (this.options.mode === 'test' || this.options.quiet) return undefined
    const toStdout = this.printsBody(template)
    if (this.options.raw) {
      if (!toStdout) return undefined
      return { onStreamStart: () => this.streamedToStdout.add(template), onRaw: (chunk) => this.io.stdout.write(chunk) }
    }
    const target = toStdout ? this.io.stdout : this.io.stderr
    if (!target.isTTY) return undefined
    const style = toStdout ? this.out : this.err
    let lastKind: string | undefined
    let endsWithNewline = true
    return {
      onStreamStart: () => {
        if (toStdout) this.streamedToStdout.add(template)
      },
      onDelta: (delta) => {
        let text = delta.text
        // A tool call shows as `name(arguments)`: its parenthesis closes where the next thing starts.
        const closing = this.openCall && (delta.kind !== 'tool' || delta.opensCall) ? style.yellow(')') : ''
        if (closing) this.openCall = false
        if (delta.opensCall) this.openCall = true
        if (closing) target.write(closing)
        if (delta.kind !== lastKind) {
          if (delta.kind === 'reasoning') text = `${endsWithNewline ? '' : '\n'}${style.dim('[reasoning] ')}${text}`
          else if (lastKind === 'reasoning') text = `\n${text}`
          else if (delta.kind === 'tool') text = `${endsWithNewline ? '' : '\n'}${style.yellow('[tool call] ')}${text}`
          lastKind = delta.kind
        }
        if (delta.kind === 'event') text = `${text}\n`
        target.write(delta.kind === 'reasoning' ? style.dim(text) : delta.kind === 'tool' ? style.yellow(text) : text)
        endsWithNewline = text.endsWith('\n')
        this.openLine = endsWithNewline ? undefined : { template, stream: target }
      },
    }
  }

  /** Ends a live-streamed text with a newline so the summary line starts clean. */
  endLiveText(template: RequestTemplate): void {
    if (this.openLine?.template === template) this.openLine.stream.write(this.openCall ? ')\n' : '\n')
    this.openLine = undefined
    this.openCall = false
  }

  private requestHead(request: HttpRequest, via: string | undefined): void {
    const url = new URL(request.url)
    const lines = [
      ...(via ? [`* via proxy ${via}`] : []),
      `> ${request.method} ${url.pathname}${url.search} HTTP/1.1`,
      `> Host: ${url.host}`,
    ]
    for (const [name, value] of request.headers)
      lines.push(`> ${name}: ${this.options.secrets.maskHeader(name, value)}`)
    if (request.body?.length) lines.push(`> (${formatSize(request.body.length)} body)`)
    this.io.stderr.write(this.err.dim(`${this.options.secrets.mask(lines.join('\n'))}\n>\n`))
  }

  private responseHead(exchange: Exchange): void {
    const lines = [`< HTTP/${exchange.httpVersion} ${exchange.status} ${exchange.statusText}`]
    for (const [name, value] of exchange.headers)
      lines.push(`< ${name}: ${this.options.secrets.maskHeader(name, value)}`)
    this.io.stderr.write(this.err.dim(`${lines.join('\n')}\n<\n`))
  }

  label(step: StepResult): string {
    const url = step.request?.url ?? step.template.url.raw
    return `${step.template.name ? `${this.err.bold(step.template.name)}: ` : ''}${step.template.method} ${this.options.secrets.mask(url)}`
  }

  summary(step: StepResult): string {
    const exchange = step.exchange
    if (!exchange) return `${this.label(step)} ${this.err.red('✗')}`
    const status = `${exchange.status} ${exchange.statusText}`.trim()
    const colored =
      exchange.status >= 400
        ? this.err.red(status)
        : exchange.status >= 300
          ? this.err.yellow(status)
          : this.err.green(status)
    const parts = [
      `${this.label(step)} → ${colored}${exchange.httpVersion === '2' ? this.err.dim(' (HTTP/2)') : ''}`,
      formatMs(exchange.timings.totalMs),
      exchange.bodyWrittenTo && exchange.bodyWrittenTo !== 'stdout'
        ? `${formatSize(exchange.bodySize)} → ${exchange.bodyWrittenTo}`
        : formatSize(exchange.bodySize),
    ]
    const stream = exchange.stream
    if (stream) {
      parts.push(`ttfb ${formatMs(exchange.timings.ttfbMs)}`)
      if (exchange.timings.firstTokenMs !== undefined)
        parts.push(`first token ${formatMs(exchange.timings.firstTokenMs)}`)
      parts.push(`${stream.chunks} chunks`)
      parts.push(...speedOf(exchange))
    }
    return parts.join(this.err.dim(' · '))
  }

  private testLine(step: StepResult): void {
    const failed = isFailed(step)
    const mark = failed ? this.err.red('✗') : this.err.green('✓')
    const where = this.err.dim(
      `${step.file.path}:${step.template.span.line}${step.row !== undefined ? ` row ${step.row}` : ''}${step.iteration !== undefined ? ` #${step.iteration}` : ''}`,
    )
    const checks =
      (step.asserts.length > 0
        ? this.err.dim(` · ${step.asserts.filter((a) => a.ok).length}/${step.asserts.length} assertions`)
        : '') +
      (step.attempts ? this.err.dim(` · ${failed ? 'failed' : 'passed'} after ${step.attempts} attempts`) : '')
    if (!this.options.quiet || failed) this.io.stderr.write(`${mark} ${this.summary(step)}${checks} ${where}\n`)
  }

  private problems(step: StepResult): void {
    for (const result of step.asserts) if (!result.ok) this.io.stderr.write(`${this.assertionFrame(result)}\n`)
    if (step.error) this.io.stderr.write(`${this.errorFrame(step.error)}\n`)
  }

  errorFrame(error: ReqchainError): string {
    if (this.options.errorFormat === 'short') return this.options.secrets.mask(formatShort(error))
    return this.options.secrets.mask(colorFrame(formatCodeFrame(error, this.options.sources), this.err))
  }

  assertionFrame(result: AssertResult & { ok: false }): string {
    if (this.options.errorFormat === 'short')
      return this.options.secrets.mask(
        formatShort({ message: `assertion failed: ${result.message}`, span: result.assertion.span }),
      )
    return this.options.secrets.mask(colorFrame(formatAssertionFrame(result, this.options.sources), this.err))
  }
}

/**
 * Honest speed: tokens per second from the first piece of reply text to the last, counted by the
 * server (`usage`); without its count, chunks per second, said as such. No figure when the text's
 * arrival cannot describe the server (read late, all at once: check/llm.ts). llama-server's own
 * figure is shown beside.
 */
export function speedOf(exchange: Exchange): string[] {
  const stream = exchange.stream!
  const out: string[] = []
  if (stream.completionTokens !== undefined) {
    const rate = measuredRate(exchange)
    out.push(`${stream.completionTokens} tokens${rate !== undefined ? ` · ${rate.toFixed(1)} tok/s` : ''}`)
  } else {
    const rate = measuredRate(exchange, stream.contentChunks)
    if (rate !== undefined) out.push(`≈ ${rate.toFixed(1)} chunks/s`)
  }
  const server = stream.serverSpeed
  if (server?.predictedPerSecond !== undefined)
    out.push(
      `server ${server.predictedPerSecond.toFixed(1)} tok/s${server.promptPerSecond !== undefined ? ` (prompt ${server.promptPerSecond.toFixed(1)} tok/s)` : ''}`,
    )
  return out
}

function colorFrame(frame: string, style: Style): string {
  if (!style.enabled) return frame
  const [first, ...rest] = frame.split('\n')
  const title = first!.replace(/^(error|assertion failed):/, (label) => style.bold(style.red(label)))
  return [
    title,
    ...rest.map((line) => (/^\s*\d*\s*\|\s*\^/.test(line) ? line.replace(/\^+.*$/, (m) => style.red(m)) : line)),
  ].join('\n')
}
