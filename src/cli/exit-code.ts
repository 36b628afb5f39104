// Exit codes, as in Hurl; 70 is EX_SOFTWARE from sysexits.h, 130 the shell's code for Ctrl-C, 143 for SIGTERM.
export const ExitCode = {
  ok: 0,
  usage: 1,
  load: 2,
  runtime: 3,
  assert: 4,
  bug: 70,
  interrupted: 130,
  terminated: 143,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
