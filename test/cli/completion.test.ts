// Shell completion, in real shells: the script `reqchain completion SHELL` prints is sourced, the
// shell's completion variables are set as it sets them on <Tab>, and the candidates it gets back
// are checked. bash always; zsh and fish where they are installed.
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
const has = (shell: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`])
    return true
  } catch {
    return false
  }
}
let dir: string
let env: NodeJS.ProcessEnv

beforeAll(() => {
  dir = tempDir('completion')
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  writeFileSync(
    join(bin, 'reqchain'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, '../../dist/reqchain.js')}" "$@"\n`,
  )
  chmodSync(join(bin, 'reqchain'), 0o755)
  env = { ...process.env, PATH: `${bin}:${process.env['PATH']}` }
  mkdirSync(join(dir, 'api'))
  writeFileSync(
    join(dir, 'api', 'chat.http'),
    '### ask\n# @name ask\nGET http://x/\n\n### the follow-up\nGET http://x/2\n\n###\n# @name models\nGET http://x/m\n',
  )
  writeFileSync(join(dir, 'api', 'flow.json'), JSON.stringify({ requests: [{ name: 'login', url: 'http://x/' }] }))
  writeFileSync(join(dir, 'api', 'notes.txt'), 'not a request file')
  writeFileSync(join(dir, 'api', 'http-client.env.json'), JSON.stringify({ $shared: {}, local: {}, staging: {} }))
})

/** The candidates bash offers for `line` (a trailing space: a new, empty word). */
async function bash(line: string): Promise<string[]> {
  const script = `source <(reqchain completion bash)\nread -ra COMP_WORDS <<< "$LINE"\n[[ "$LINE" == *" " ]] && COMP_WORDS+=("")\nCOMP_CWORD=$((\${#COMP_WORDS[@]}-1))\n_reqchain\nprintf '%s\\n' "\${COMPREPLY[@]}"`
  const { stdout } = await run('bash', ['-c', script], { cwd: dir, env: { ...env, LINE: line } })
  return stdout.split('\n').filter(Boolean)
}

describe('reqchain completion', () => {
  it('bash: commands, options, request files and folders, FILE#name, --env names, --report formats', async () => {
    expect(await bash('reqchain te')).toEqual(['test'])
    expect(await bash('reqchain run --data')).toEqual(['--dataset'])
    expect(await bash('reqchain test --no-b')).toEqual(['--no-bail'])
    expect(await bash('reqchain run ')).toEqual(['api/', 'bin/'])
    expect(await bash('reqchain run api/')).toEqual(['api/chat.http', 'api/flow.json'])
    expect(await bash('reqchain run api/chat.http#')).toEqual([
      'api/chat.http#ask',
      'api/chat.http#the\\ follow-up',
      'api/chat.http#models',
    ])
    expect(await bash('reqchain run api/flow.json#l')).toEqual(['api/flow.json#login'])
    expect(await bash('reqchain run api/chat.http --env ')).toEqual(['local', 'staging'])
    expect(await bash('reqchain test api --report j')).toEqual(['junit=', 'json='])
    expect(await bash('reqchain import ')).toEqual(['curl', 'har'])
    expect(await bash('reqchain completion z')).toEqual(['zsh'])
    expect(await bash('reqchain nope --x')).toEqual([])
  })

  it('names the shells when none is given', async () => {
    const { runCli } = await import('../helpers/run-cli.js')
    const result = await runCli(['completion'], { cwd: dir })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Name a shell: reqchain completion bash, zsh or fish')
  })

  it('bash: a candidate is inserted quoted, so a file name that holds shell syntax runs nothing', async () => {
    const hostile = join(dir, 'hostile')
    mkdirSync(hostile)
    const name = 'a$(touch PWNED)`touch PWNED2`;x *.http'
    writeFileSync(join(hostile, name), 'GET http://x/\n')
    const script = `source <(reqchain completion bash)\nCOMP_WORDS=(reqchain run a)\nCOMP_CWORD=2\n_reqchain\n[[ \${#COMPREPLY[@]} -eq 1 ]] || exit 9\neval "set -- \${COMPREPLY[0]}"\nprintf '%s' "$1"`
    const { stdout } = await run('bash', ['-c', script], { cwd: hostile, env })
    expect(stdout).toBe(name) // the shell reads back exactly the file's name, as one word
    expect(readdirSync(hostile)).toEqual([name])
  })

  it.runIf(has('zsh'))('zsh: the same candidates with their descriptions, FILE# names, through compadd', async () => {
    // compadd works only inside a completion widget: a stand-in prints what it is given.
    const stub =
      'compadd() { local d a; while (( $# )); do case $1 in -d) d=$2; shift;; -a) a=$2; shift;; esac; shift; done; print -rl -- "${(@P)a}" "${(@P)d}"; }'
    const script = `source <(reqchain completion zsh)\n${stub}\nwords=(reqchain run api/chat.http#); CURRENT=3; _reqchain\nwords=(reqchain run --data); CURRENT=3; _reqchain\nwords=(reqchain se); CURRENT=2; _reqchain`
    const { stdout } = await run('zsh', ['-c', script], { cwd: dir, env })
    expect(stdout.split('\n')).toEqual([
      'api/chat.http#ask',
      'api/chat.http#the follow-up',
      'api/chat.http#models',
      'api/chat.http#ask',
      'api/chat.http#the follow-up',
      'api/chat.http#models',
      '--dataset',
      '--dataset  -- run the files once per row of this CSV, JSON Lines or JSON-array file',
      'serve',
      'serve  -- run the built-in OpenAI- and Ollama-compatible server in the foregrou…',
      '',
    ])
  })

  it.runIf(has('fish'))('fish: the same candidates from complete -C', async () => {
    const script =
      'source (reqchain completion fish | psub); complete -C "reqchain run --dat"; complete -C "reqchain run api/chat.http --env s"'
    const { stdout } = await run('fish', ['-c', script], { cwd: dir, env })
    expect(stdout).toBe('--dataset\trun the files once per row of this CSV, JSON Lines or JSON-array file\nstaging\n')
  })
})
