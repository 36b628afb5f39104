// All I/O the CLI does goes through this, so tests run the whole CLI in-process and read its output.
export type OutStream = {
  write(chunk: string | Uint8Array): unknown
  readonly isTTY?: boolean
  /** A terminal's width. */
  readonly columns?: number
}

export type Io = {
  readonly stdout: OutStream
  readonly stderr: OutStream
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal
  /** Standard input, read whole: for `-` as a path. */
  readonly readStdin?: () => string
  /** Whether standard input is a terminal (then nothing is read from it unasked). */
  readonly stdinIsTTY?: boolean
  /** Asks a question on the terminal and reads one line (`# @prompt`); `hidden` echoes nothing (a secret). */
  readonly ask?: (question: string, hidden: boolean) => Promise<string>
}
