// Realistic files from each dialect, parsed into templates and compared with a JSON golden that
// includes every span, so a position regression shows up as a diff.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { load } from '../../src/load/load.js'
import { toParseView } from '../../src/report/parse-view.js'

const dir = join(import.meta.dirname, 'fixtures')

describe('fixture files', () => {
  for (const name of readdirSync(dir)
    .filter((f) => /\.(http|json)$/.test(f) && f !== 'templated.json' && !f.endsWith('.templates.json'))
    .sort()) {
    it(`parses ${name}`, async () => {
      const files = load([name], { cwd: dir })
      await expect(`${JSON.stringify(toParseView(files), null, 2)}\n`).toMatchFileSnapshot(
        join(dir, `${name}.templates.json`),
      )
    })
  }
})
