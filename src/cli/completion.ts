// Shell completion. `reqchain completion bash|zsh|fish` prints a script; the script asks
// `reqchain __complete CWORD WORD…` for the candidates of the word under the cursor, so what is
// completed — commands, options, request files, FILE#name, --env names — is decided here, once,
// for every shell. A candidate may carry a description after a tab (commands, options): fish and
// zsh show it, bash leaves it out.
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Io } from '../io.js'
import { environmentNames } from '../load/env.js'
import { loadFile } from '../load/load.js'
import { COMMANDS, commandOptions } from './commands.js'
import { ExitCode } from './exit-code.js'

const REQUEST_FILE = /\.(http|rest|json)$/i
const REPORTS = ['junit=', 'json=', 'markdown=', 'html=', 'har=', 'github', 'github=']

export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  // Each candidate is quoted for the shell (printf %q), so a file named `a$(touch X).http` is
  // inserted as text and never run; zsh's bashcompinit unquotes and quotes again its own way.
  // Candidates are read a line at a time: no word splitting or globbing touches them.
  const bash = `_reqchain() {
  local candidate quoted
  COMPREPLY=()
  while IFS= read -r candidate; do
    candidate=\${candidate%%$'\t'*}
    printf -v quoted '%q' "$candidate"
    COMPREPLY+=("$quoted")
  done < <(command reqchain __complete "$COMP_CWORD" "\${COMP_WORDS[@]:1}" 2>/dev/null)
  if [[ \${#COMPREPLY[@]} -eq 1 && ( \${COMPREPLY[0]} == */ || \${COMPREPLY[0]} == *= || \${COMPREPLY[0]} == *# ) ]]; then compopt -o nospace 2>/dev/null; fi
}
complete -F _reqchain reqchain
`
  if (shell === 'bash') return `# reqchain completion for bash: source <(reqchain completion bash)\n${bash}`
  // zsh: compadd shows each candidate's description and quotes what it inserts; a folder, `FILE#`
  // or `--report junit=` is inserted without the space after it.
  if (shell === 'zsh')
    return `# reqchain completion for zsh: source <(reqchain completion zsh)
_reqchain() {
  local -a lines words_ shown_ open_ open_shown_
  local line word
  lines=("\${(@f)$(command reqchain __complete $((CURRENT - 1)) "\${(@)words[2,-1]}" 2>/dev/null)}")
  for line in "\${lines[@]}"; do
    [[ -n $line ]] || continue
    word=\${line%%$'\\t'*}
    if [[ $word == */ || $word == *= || $word == *'#' ]]; then
      open_+=("$word"); open_shown_+=("\${line/$'\\t'/  -- }")
    else
      words_+=("$word"); shown_+=("\${line/$'\\t'/  -- }")
    fi
  done
  (( \${#words_} )) && compadd -l -d shown_ -a words_
  (( \${#open_} )) && compadd -l -S '' -d open_shown_ -a open_
  return 0
}
if ! (( $+functions[compdef] )); then autoload -U +X compinit && compinit -u; fi
compdef _reqchain reqchain
`
  return `# reqchain completion for fish: reqchain completion fish > ~/.config/fish/completions/reqchain.fish
function __reqchain_complete
    set -l words (commandline -opc)
    set -l cword (count $words)
    set -e words[1]
    command reqchain __complete $cword $words (commandline -ct) 2>/dev/null
end
complete -c reqchain -f -a '(__reqchain_complete)'
`
}

/** `words` are the command line after `reqchain`; `cword` the index of the current word counting `reqchain` as 0. */
export function candidates(words: readonly string[], cword: number, cwd: string): string[] {
  const index = cword - 1
  const current = words[index] ?? ''
  const before = words.slice(0, Math.max(0, index))
  const options = commandOptions()
  if (index <= 0)
    return Object.keys(options)
      .filter((c) => c.startsWith(current))
      .map((c) => described(c, COMMANDS[c]!.describe))
  const command = words[0]!
  const own = options[command] ?? []
  const previous = before[before.length - 1]
  const takesValue = (flag: string | undefined) =>
    own.find((o) => flag === `--${o.name}` || (o.alias && flag === `-${o.alias}`))?.type === 'string'
  if (previous === '--env') return environments(before, cwd).filter((e) => e.startsWith(current))
  if (previous === '--report') return REPORTS.filter((r) => r.startsWith(current))
  if (takesValue(previous)) return paths(current, cwd, () => true)
  if (current.startsWith('-')) {
    return [
      ...own.flatMap((o) => [
        [`--${o.name}`, o.describe] as const,
        ...(o.type === 'boolean' ? [[`--no-${o.name}`, `not --${o.name}`] as const] : []),
      ]),
      ['--help', 'show help'] as const,
    ]
      .filter(([f]) => f.startsWith(current) && !(f.startsWith('--no-') && !current.startsWith('--no')))
      .map(([f, description]) => described(f, description))
  }
  if (command === 'completion') return ['bash', 'zsh', 'fish'].filter((s) => s.startsWith(current))
  if (command === 'import' && index === 1)
    return [
      ['curl', 'a curl command'],
      ['har', "a HAR file from a browser's network panel"],
    ]
      .filter(([s]) => s!.startsWith(current))
      .map(([s, description]) => described(s!, description!))
  const hash = current.indexOf('#')
  if (hash > 0)
    return requestNames(resolve(cwd, current.slice(0, hash)), cwd)
      .map((n) => `${current.slice(0, hash)}#${n}`)
      .filter((c) => c.startsWith(current))
  return paths(current, cwd, (name) => REQUEST_FILE.test(name) && !/\.(env|schema)\.json$/i.test(name))
}

/**
 * A candidate with its description after a tab, as fish reads it (zsh's script shows it too; bash's
 * drops it): the description's first clause, on one line.
 */
function described(word: string, description: string): string {
  const brief = description.split(/ \(|; |: /)[0]!.replace(/\s+/g, ' ')
  return `${word}\t${brief.length > 70 ? `${brief.slice(0, 69)}…` : brief}`
}

/** Directories (with a slash) and the files `keep` accepts, under what the word has typed so far. */
function paths(current: string, cwd: string, keep: (name: string) => boolean): string[] {
  const slash = current.lastIndexOf('/')
  const folder = slash >= 0 ? current.slice(0, slash + 1) : ''
  const dir = resolve(cwd, folder || '.')
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const out: string[] = []
  for (const name of entries.sort()) {
    const shown = `${folder}${name}`
    if (
      !shown.startsWith(current) ||
      (name.startsWith('.') && !current.slice(slash + 1).startsWith('.')) ||
      name === 'node_modules'
    )
      continue
    let isDir = false
    try {
      isDir = statSync(join(dir, name)).isDirectory()
    } catch {
      continue
    }
    if (isDir) out.push(`${shown}/`)
    else if (keep(name)) out.push(shown)
  }
  return out
}

/** The request names of a file, as the loader reads them (`# @name`, else the `###` title; JSON `name`). */
function requestNames(file: string, cwd: string): string[] {
  try {
    return [...new Set(loadFile(file, cwd).requests.flatMap((r) => (r.name === undefined ? [] : [r.name])))]
  } catch {
    return [] // a file that does not load completes nothing
  }
}

/** Environment names for the request files on the line (or the working directory), as --env reads them. */
function environments(words: readonly string[], cwd: string): string[] {
  const starts = [
    ...words.filter((w) => REQUEST_FILE.test(w.split('#')[0]!)).map((w) => dirname(resolve(cwd, w.split('#')[0]!))),
    cwd,
  ]
  for (const start of starts) {
    try {
      const names = environmentNames(start, cwd)
      if (names.length > 0) return names.sort()
    } catch {
      // a broken env file completes nothing
    }
  }
  return []
}

export function completeCommand(argv: readonly string[], io: Io): ExitCode {
  const cword = Number(argv[0])
  if (!Number.isInteger(cword)) return ExitCode.usage
  const out = candidates(argv.slice(1), cword, io.cwd)
  if (out.length > 0) io.stdout.write(`${out.join('\n')}\n`)
  return ExitCode.ok
}
