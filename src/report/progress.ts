// One updating line on a terminal for a data-driven run: rows done of the total, failures, elapsed
// time, the time left at the pace so far, and the completion tokens per second the run is getting.
//   rows 37/200 · 2 failed · 0:41 elapsed · ETA 3:01 · 412 tok/s
// The line lives at the bottom: anything else written to the terminal first clears it, and it is
// drawn again after a finished line, so request summaries and errors scroll above it.
import { monotonicMs } from '../builtins.js'
import type { Io, OutStream } from '../io.js'

export type ProgressCounts = { readonly rows: number; readonly failed: number; readonly completionTokens: number }

const CLEAR = '\r\x1b[K'
const TICK_MS = 1000

export class Progress {
  readonly io: Io
  private readonly start = monotonicMs()
  private shown = false
  /** The terminal's cursor is after text without a line end: the line waits for it to finish. */
  private midLine = false
  private finished = false
  private counts: ProgressCounts = { rows: 0, failed: 0, completionTokens: 0 }
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    io: Io,
    private readonly total: number,
  ) {
    const target = io.stderr
    const wrap = (stream: OutStream): OutStream => ({
      ...(stream.isTTY !== undefined ? { isTTY: stream.isTTY } : {}),
      write: (chunk) => {
        if (chunk.length === 0) return stream.write(chunk)
        this.clear()
        const written = stream.write(chunk)
        this.midLine = typeof chunk === 'string' ? !chunk.endsWith('\n') : chunk[chunk.length - 1] !== 10
        this.draw()
        return written
      },
    })
    const stdout = io.stdout as OutStream & { once?: (event: 'drain', listener: () => void) => unknown }
    this.io = {
      ...io,
      stderr: wrap(target),
      // stdout is wrapped only when it is the same terminal: a pipe gets its bytes untouched.
      stdout: stdout.isTTY
        ? { ...wrap(stdout), ...(stdout.once ? { once: stdout.once.bind(stdout) } : {}) }
        : io.stdout,
    }
    this.target = target
    this.timer = setInterval(() => {
      this.clear()
      this.draw()
    }, TICK_MS)
    this.timer.unref() // first drawn at the first finished row or after a second, whichever comes first
  }

  private readonly target: OutStream

  /** A row has finished. */
  update(counts: ProgressCounts): void {
    this.counts = counts
    this.clear()
    this.draw()
  }

  /** The run is over: the line is taken away, the summary that follows says the rest. */
  finish(): void {
    clearInterval(this.timer)
    this.clear()
    this.finished = true
  }

  line(): string {
    const elapsedMs = monotonicMs() - this.start
    const { rows, failed, completionTokens } = this.counts
    const parts = [
      `rows ${rows}/${this.total}`,
      ...(failed > 0 ? [`${failed} failed`] : []),
      `${clock(elapsedMs)} elapsed`,
    ]
    if (rows > 0 && rows < this.total) parts.push(`ETA ${clock((elapsedMs / rows) * (this.total - rows))}`)
    if (completionTokens > 0 && elapsedMs >= 1) parts.push(`${Math.round(completionTokens / (elapsedMs / 1000))} tok/s`)
    return parts.join(' · ')
  }

  private draw(): void {
    if (this.shown || this.midLine || this.finished) return
    this.target.write(this.line())
    this.shown = true
  }

  private clear(): void {
    if (!this.shown) return
    this.target.write(CLEAR)
    this.shown = false
  }
}

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000)
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = String(seconds % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}
