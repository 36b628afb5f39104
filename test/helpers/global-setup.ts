// Builds dist/ once before the tests, so tests that spawn the real executable run current code,
// and makes the run's scratch root (test/helpers/temp.ts), removed when the run ends.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

export default function setup({ provide }: TestProject): () => void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
  const root = mkdtempSync(join(tmpdir(), 'reqchain-tests-'))
  provide('tmpRoot', root)
  return () => rmSync(root, { recursive: true, force: true })
}
