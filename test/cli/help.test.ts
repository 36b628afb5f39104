// Help a newcomer can read: every command's flags in groups with their value placeholders,
// examples on lines of their own, within the terminal's width (80 columns when piped), and
// `reqchain help [command]` as well as `--help`.
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../src/cli/commands.js'
import { helpLayoutOf } from '../../src/cli/help.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

describe('help', () => {
  it('puts every flag of every command in a group, and names the value of every flag that takes one', () => {
    for (const [command, spec] of Object.entries(COMMANDS)) {
      for (const option of spec.options) {
        const layout = helpLayoutOf(option)
        // Commands with a handful of flags may leave them under "Options"; run, test, diff and curl group all.
        if (['run', 'test', 'diff', 'curl', 'serve'].includes(command))
          expect(layout.group, `${command} --${option.name}`).not.toBe('Options')
        if (option.type !== 'boolean') expect(layout.value, `${command} --${option.name}`).not.toBe('VALUE')
      }
    }
  })

  it('shows a command grouped, with placeholders and examples on their own lines, the same from help CMD and --help', async () => {
    const dir = tempDir('help')
    const help = await runCli(['help', 'run'], { cwd: dir })
    expect(help.exitCode).toBe(0)
    expect((await runCli(['run', '--help'], { cwd: dir })).stdout).toBe(help.stdout)
    expect((await runCli(['run', 'x.http', '-qh'], { cwd: dir })).stdout).toBe(help.stdout)
    const text = help.stdout
    const groups = [...text.matchAll(/^([A-Z][a-z]+):$/gm)].map((m) => m[1])
    expect(groups).toEqual(
      expect.arrayContaining(['Input', 'Variables', 'Output', 'Network', 'Limits', 'Reports', 'Recording']),
    )
    expect(text).toMatch(/^ {6}--max-time <SECONDS> +seconds the whole request/m)
    expect(text).toMatch(/^ {2}-o, --output <FILE> /m)
    expect(text).toMatch(/^ {6}--var <NAME=VALUE> .*\(repeatable\)/m)
    // An example is a command on a line of its own, its explanation indented below it.
    expect(text).toMatch(/^Examples:\n {2}reqchain run requests\/chat\.http --mock\n {6}run a file against/m)
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
  })

  it('fits the terminal when there is one', async () => {
    const dir = tempDir('help')
    const wide = await runCli(['help', 'test'], { cwd: dir, tty: true, columns: 110 })
    const lines = wide.stdout.split('\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(80)
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(110)
  })

  it('gives the overview with no command, and refuses a command it does not know with the nearest one', async () => {
    const dir = tempDir('help')
    for (const argv of [[], ['help'], ['--help'], ['-h']]) {
      const result = await runCli(argv, { cwd: dir })
      expect(result.exitCode, argv.join(' ')).toBe(0)
      expect(result.stdout).toMatch(/^Commands:\n {2}run <paths\.\.> +send the requests/m)
      expect(result.stdout).toContain('reqchain help <command>')
    }
    const unknown = await runCli(['help', 'rn'], { cwd: dir })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toContain('Unknown command: rn')
    expect(unknown.stderr).toContain('did you mean `run`?')
  })
})
