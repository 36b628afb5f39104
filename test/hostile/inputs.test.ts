// Every file a flag or a request file's settings name is checked before it is read: a device (made
// here with mknod in a scratch folder, as /dev/zero is), a FIFO (which would block the run) or a
// folder is a clear error with its exit code, never gigabytes read or a hang.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'

const isRoot = process.getuid?.() === 0

function scratch(): { dir: string; nodes: string[] } {
  const dir = tempDir('inputs')
  writeFileSync(join(dir, 'r.http'), 'GET http://127.0.0.1:9/\n')
  execFileSync('mkfifo', [join(dir, 'fifo')])
  mkdirSync(join(dir, 'folder'))
  const nodes = ['fifo', 'folder']
  if (isRoot) {
    execFileSync('mknod', [join(dir, 'zero'), 'c', '1', '5']) // the zero device's numbers
    nodes.push('zero')
  }
  return { dir, nodes }
}

describe('input files named by flags', () => {
  it('refuses a device, a FIFO or a folder as --env-file, --cacert, --cert and --key, and a folder as --cookie-jar', async () => {
    const { dir, nodes } = scratch()
    for (const node of nodes) {
      for (const flags of [
        ['--env-file', node],
        ['--cacert', node],
        ['--cert', node, '--key', node],
        ...(node === 'folder' ? [['--cookie-jar', node]] : []),
      ]) {
        const started = Date.now()
        const result = await runCli(['run', 'r.http', ...flags], { cwd: dir })
        expect(result.stderr, `${flags.join(' ')}`).toMatch(/is not a regular file|is a directory/)
        expect(result.stderr).not.toMatch(/crashed|\n\s+at /)
        expect(result.exitCode, flags.join(' ')).toBe(1)
        expect(Date.now() - started).toBeLessThan(5000)
      }
    }
  })

  it.skipIf(!isRoot)(
    'never reads a --cookie-jar that is a device: it is only written, as curl -c /dev/null (mknod needs root)',
    async () => {
      const { dir } = scratch()
      const started = Date.now()
      const result = await runCli(['run', 'r.http', '--cookie-jar', 'zero'], { cwd: dir })
      expect(result.stderr).toContain('Connection refused')
      expect(Date.now() - started).toBeLessThan(5000)
    },
  )

  it('refuses a device, a FIFO or a folder as an environment file beside the request file, at load', async () => {
    const { dir } = scratch()
    const sub = join(dir, 'sub')
    mkdirSync(sub)
    writeFileSync(join(sub, 'r.http'), 'GET http://127.0.0.1:9/\n')
    execFileSync('mkfifo', [join(sub, 'http-client.env.json')])
    const result = await runCli(['run', 'r.http', '--env', 'dev'], { cwd: sub })
    expect(result.stderr).toContain('is not a regular file')
    expect(result.exitCode).toBe(2)
  })

  it('parse DIR skips JSON files that are not request files, as run and test do', async () => {
    const dir = tempDir('inputs')
    writeFileSync(join(dir, 'a.http'), 'GET http://x.test/\n')
    writeFileSync(join(dir, 'data.json'), '{"not": "a request"}')
    writeFileSync(join(dir, 'list.json'), '[1, 2]')
    const result = await runCli(['parse', '.'], { cwd: dir })
    expect(result.exitCode, result.stderr).toBe(0)
    expect((JSON.parse(result.stdout) as { path: string }[]).map((f) => f.path)).toEqual(['a.http'])
  })

  it('bounds what it reads whole: standard input at 64 MiB (`run -`, `import curl`), a HAR file at 256 MiB', async () => {
    const dir = tempDir('inputs')
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'reqchain.js')
    for (const args of [
      ['run', '-'],
      ['import', 'curl'],
    ]) {
      const zero = openSync('/dev/zero', 'r') // read only: an endless input
      try {
        const result = spawnSync(process.execPath, [cli, ...args], {
          cwd: dir,
          stdio: [zero, 'pipe', 'pipe'],
          timeout: 30_000,
        })
        expect(result.stderr.toString(), args.join(' ')).toContain('standard input is larger than 64 MiB')
        expect(result.status, args.join(' ')).toBe(1)
      } finally {
        closeSync(zero)
      }
    }
    writeFileSync(join(dir, 'big.har'), '')
    truncateSync(join(dir, 'big.har'), 300 * 1024 * 1024) // sparse: no disk taken
    const result = await runCli(['import', 'har', 'big.har'], { cwd: dir })
    expect(result.stderr).toContain('big.har is larger than 256 MiB')
    expect(result.stderr).toContain('save fewer requests')
    expect(result.exitCode).toBe(2)
  }, 60_000)
})
