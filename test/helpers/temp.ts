// Scratch directories for tests, all under one root per test run that the run removes at its end
// (see global-setup.ts), so no run leaves files behind in the system's temporary directory.
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    tmpRoot: string
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(inject('tmpRoot'), `${prefix}-`))
}
