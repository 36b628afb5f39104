// When a stream's reply text arrived, as the reader saw it: the first and the last piece, and how
// many pieces came in one burst with the first. A reader that was late — its event loop blocked or
// busy when the first tokens came — reads them all at once; those pieces tell nothing of the
// server's pace, so the speed is measured over the pieces read after them (check/llm.ts).

/** Pieces closer than this to the one before them, read in a burst, are not told apart. */
const BURST_GAP_MS = 0.1

export class Arrivals {
  firstMs: number | undefined
  lastMs: number | undefined
  /** Pieces read at once with the first: 1 when the reply was read as it came. */
  firstBurst = 0
  private read = 0
  private burstRead = -1
  private inBurst = false

  /** A piece of the body was read: the pieces of text after this came in it. */
  nextRead(): void {
    this.read++
  }

  /** A piece of reply text, `ms` from the request's start. */
  text(ms: number): void {
    if (this.firstMs === undefined) {
      this.firstMs = ms
      this.firstBurst = 1
      this.burstRead = this.read
      this.inBurst = true
    } else if (this.inBurst && (this.read === this.burstRead || ms - this.lastMs! < BURST_GAP_MS)) {
      this.firstBurst++
      this.burstRead = this.read
    } else {
      this.inBurst = false
    }
    this.lastMs = ms
  }
}
