// The example collections in requests/ are documentation that runs: every file must pass against
// the built-in server, and every variable they need must be explained in .env.example.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseDotenv } from 'dotenv'
import { load } from '../src/load/load.js'
import { runCli } from './helpers/run-cli.js'

const root = join(import.meta.dirname, '..')
const requestsDir = join(root, 'requests')

describe('requests/', () => {
  for (const name of readdirSync(requestsDir)
    .filter((f) => /\.(http|json)$/.test(f) && !f.endsWith('.env.json'))
    .sort()) {
    it(`${name} passes against the built-in server`, async () => {
      const result = await runCli(['test', join('requests', name), '--mock'], { cwd: root })
      expect(result.stderr).toMatch(/\d+ passed, 0 failed\n$/)
      expect(result.exitCode).toBe(0)
    })
  }

  it('explains every variable the examples use in .env.example, each with a comment', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8')
    const listed = parseDotenv(example)
    const files = load(['requests'], { cwd: root })
    const defined = new Set<string>(['this'])
    for (const file of files) {
      for (const v of file.vars) defined.add(v.name)
      for (const r of file.requests) for (const c of r.captures) defined.add(c.name)
      // Variables that scripts set (client.global.set, request.variables.set) are defined too.
      for (const match of file.source.matchAll(/\b(?:client\.global|request\.variables)\.set\(\s*"([^"]+)"/g))
        defined.add(match[1]!)
    }
    const helpers = new Set([
      'json',
      'default',
      'file',
      'base64File',
      'dataUrl',
      'urlencode',
      'each',
      'if',
      'unless',
      'with',
      'else',
    ])
    const needed = new Set<string>()
    for (const file of files) {
      for (const match of file.source.matchAll(/\{\{[#/]?\s*([^}]*)\}\}/g)) {
        for (const word of match[1]!.replace(/"[^"]*"/g, '').matchAll(/(?<![$.\w"])[A-Za-z_][\w-]*/g)) {
          if (!helpers.has(word[0]) && !defined.has(word[0])) needed.add(word[0])
        }
      }
    }
    expect([...needed].sort()).toEqual(expect.arrayContaining(['apiKey', 'baseUrl', 'model']))
    for (const name of needed) {
      expect(listed, `${name} is used in requests/ but missing from .env.example`).toHaveProperty(name)
      const line = example.split('\n').findIndex((l) => l.startsWith(`${name}=`))
      expect(example.split('\n')[line - 1], `${name} needs a comment line above it`).toMatch(/^#/)
    }
  })
})
