// `--help` and `reqchain help [command]`, laid out from the commands as data (cli/commands.ts): each
// command's flags in groups, every flag that takes a value with its placeholder (`--max-time
// <SECONDS>`), examples on lines of their own, prose wrapped to the terminal (80 columns when
// piped). Loaded only when help is asked for.
import { COMMANDS, type CommandSpec, EXIT_CODES } from './commands.js'
import type { OptionSpec } from './flags.js'

/** The groups a command's flags are shown in, in this order; a flag not named here is under "Options". */
const GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['Input', ['name', 'file-root', 'mock', 'dry-run', 'parallel', 'bail', 'repeat', 'pass-rate', 'matrix']],
  ['Variables', ['env', 'env-file', 'var', 'secret', 'allow-invalid-json']],
  [
    'Output',
    [
      'extract',
      'raw-output',
      'verbose',
      'output',
      'quiet',
      'all',
      'fail',
      'raw',
      'curl',
      'shell',
      'show-secrets',
      'error-format',
      'color',
    ],
  ],
  [
    'Network',
    [
      'insecure',
      'cacert',
      'cert',
      'key',
      'pass',
      'http2',
      'http2-prior-knowledge',
      'unix-socket',
      'resolve',
      'connect-to',
      'proxy',
      'noproxy',
      'cookies',
      'cookie-jar',
      'max-redirs',
      'allow-http-redirect',
      'retry',
      'retry-delay',
      'retry-max-time',
      'retry-all',
    ],
  ],
  [
    'Limits',
    [
      'timeout',
      'max-time',
      'idle-timeout',
      'connect-timeout',
      'script-timeout',
      'max-filesize',
      'max-inflate-ratio',
      'max-header-size',
    ],
  ],
  ['Reports', ['report', 'junit-cases']],
  ['Datasets', ['dataset', 'rows', 'limit', 'results', 'row-name', 'columns', 'shard', 'shard-count']],
  ['Recording', ['record', 'replay', 'replay-speed', 'compare', 'ignore', 'compare-header']],
  ['Documents', ['markdown', 'update', 'add-responses']],
  ['Server', ['port', 'host', 'api-key', 'models', 'fault']],
]

/** What a flag's value is, as help names it. */
const VALUES: Readonly<Record<string, string>> = {
  name: 'NAME',
  'file-root': 'DIR',
  parallel: 'N',
  env: 'NAME',
  'env-file': 'FILE',
  var: 'NAME=VALUE',
  secret: 'NAME',
  extract: 'QUERY',
  output: 'FILE',
  shell: 'SHELL',
  'error-format': 'full|short',
  color: 'auto|always|never',
  cacert: 'FILE',
  cert: 'FILE',
  key: 'FILE',
  pass: 'PASSPHRASE',
  'unix-socket': 'PATH',
  resolve: 'HOST:PORT:ADDR',
  'connect-to': 'HOST1:PORT1:HOST2:PORT2',
  proxy: 'URL',
  noproxy: 'HOSTS',
  'cookie-jar': 'FILE',
  'max-redirs': 'N',
  retry: 'N',
  'retry-delay': 'SECONDS',
  'retry-max-time': 'SECONDS',
  timeout: 'SECONDS',
  'max-time': 'SECONDS',
  'idle-timeout': 'SECONDS',
  'connect-timeout': 'SECONDS',
  'script-timeout': 'SECONDS',
  'max-filesize': 'SIZE',
  'max-inflate-ratio': 'N',
  'max-header-size': 'SIZE',
  report: 'FORMAT=PATH',
  'junit-cases': 'request|assertion',
  dataset: 'FILE',
  rows: 'RANGE',
  limit: 'N',
  results: 'FILE',
  'row-name': 'COLUMN',
  columns: 'LIST',
  shard: 'K/N|auto',
  'shard-count': 'N',
  repeat: 'N',
  matrix: 'NAME=A,B',
  'pass-rate': 'SHARE',
  record: 'DIR',
  replay: 'DIR',
  'replay-speed': 'FACTOR',
  compare: 'DIR',
  ignore: 'PATH',
  'compare-header': 'NAME',
  port: 'PORT',
  host: 'HOST',
  'api-key': 'KEY',
  models: 'LIST',
  fault: 'SPEC',
  filter: 'TEXT',
  junit: 'FILE',
  json: 'FILE',
}

const INTRO = 'reqchain: run HTTP request files (.http / JSON) in order, chain responses into later requests.'

/** The whole help text for `command`, or the overview without one. `width` is the terminal's (80 when piped). */
export function helpText(command: string | undefined, width = 80): string {
  const columns = Math.max(40, Math.min(width, 120))
  const spec = command === undefined ? undefined : COMMANDS[command]
  return spec ? commandHelp(spec, columns) : overview(columns)
}

/** The groups a flag appears in, for tests: every flag has one, and every flag that takes a value a placeholder. */
export function helpLayoutOf(option: OptionSpec): { group: string; value?: string } {
  const group = GROUPS.find(([, names]) => names.includes(option.name))?.[0] ?? 'Options'
  return { group, ...(option.type !== 'boolean' ? { value: VALUES[option.name] ?? 'VALUE' } : {}) }
}

function overview(width: number): string {
  const names = Object.keys(COMMANDS)
  const usages = names.map((name) => COMMANDS[name]!.usage)
  const left = Math.max(...usages.map((u) => u.length)) + 2
  return [
    ...wrap(INTRO, width),
    '',
    'Usage: reqchain <command> [options]',
    '',
    'Commands:',
    ...names.flatMap((name, i) => table(usages[i]!, COMMANDS[name]!.describe, left, width)),
    '',
    'Options:',
    ...table('-h, --help', 'show help (also: reqchain help [command])', 18, width),
    ...table('-V, --version', 'show the version', 18, width),
    '',
    ...wrap("Run `reqchain help <command>` (or `reqchain <command> --help`) for a command's options.", width),
    '',
    EXIT_CODES,
  ].join('\n')
}

function commandHelp(spec: CommandSpec, width: number): string {
  const flags = spec.options.map((option) => ({ option, ...helpLayoutOf(option), shown: flagText(option) }))
  const left = Math.min(30, Math.max(...flags.map((f) => f.shown.length), 16) + 2)
  const groups = [...GROUPS.map(([group]) => group), 'Options']
  const lines = [`Usage: reqchain ${spec.usage}${spec.options.length > 0 ? ' [options]' : ''}`, '']
  lines.push(...wrap(sentence(spec.describe), width))
  for (const group of groups) {
    const members = flags.filter((f) => f.group === group)
    if (members.length === 0) continue
    lines.push('', `${group}:`)
    for (const { option, shown } of members) lines.push(...table(shown, describe(option), left, width))
  }
  lines.push('', 'Other:')
  lines.push(...table('-h, --help', 'show this help', left, width))
  if (spec.examples?.length) {
    lines.push('', 'Examples:')
    for (const [command, what] of spec.examples) {
      lines.push(`  ${command.replace(/^\$0/, 'reqchain')}`)
      lines.push(...wrap(what, width - 6).map((line) => `      ${line}`))
    }
  }
  if (spec.epilogue) lines.push('', ...epilogue(spec.epilogue, width))
  return lines.join('\n')
}

/** `-n, --name <NAME>`, `    --mock`. */
function flagText(option: OptionSpec): string {
  const value = helpLayoutOf(option).value
  const long = `--${option.name}${value ? ` <${value}>` : ''}`
  return option.alias ? `-${option.alias}, ${long}` : `    ${long}`
}

/** The description with what yargs used to show in brackets: a default that is not "off", and "repeatable". */
function describe(option: OptionSpec): string {
  const notes: string[] = []
  if (option.array && !/repeatable/.test(option.describe)) notes.push('repeatable')
  if (option.default !== undefined && option.default !== false && option.default !== '')
    notes.push(`default: ${option.default === true ? 'on' : String(option.default)}`)
  return notes.length > 0 ? `${option.describe} (${notes.join('; ')})` : option.describe
}

const sentence = (text: string) => (text ? `${text[0]!.toUpperCase()}${text.slice(1)}.` : text)

/** Two columns: `left` wide, the right one wrapped; past a narrow terminal the description goes below. */
function table(term: string, description: string, left: number, width: number): string[] {
  const indent = 2
  if (width - indent - left < 30 || term.length > left - 2) {
    return [
      `${' '.repeat(indent)}${term}`,
      ...wrap(description, width - indent - 8).map((l) => `${' '.repeat(indent + 8)}${l}`),
    ]
  }
  const lines = wrap(description, width - indent - left)
  return lines.map((line, i) => `${' '.repeat(indent)}${(i === 0 ? term : '').padEnd(left)}${line}`)
}

/** Prose wrapped at word boundaries to `width`. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  // A word longer than a line (a list without spaces) is cut where the line ends.
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => (word.length <= width ? [word] : (word.match(new RegExp(`.{1,${width}}`, 'g')) ?? [word])))
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}

/** The epilogue's prose paragraphs wrapped; its indented blocks (exit codes, precedence) kept as written. */
function epilogue(text: string, width: number): string[] {
  return text.split('\n').flatMap((line) => (line === '' || /^\s/.test(line) ? [line] : wrap(line, width)))
}
