// argv against a command's flags: a quick parser for the forms people type, and yargs for the
// rest (help, the rarer forms, usage errors worded as yargs words them). A property test holds
// the two to the same result.
import type { Argv } from 'yargs'
import { UsageError, nearest } from '../errors.js'
import { VERSION } from '../version.js'
import type { CommandSpec } from './commands.js'
import type { OptionSpec } from './flags.js'
import type { Options } from './option-types.js'

export async function baseParser(known: readonly OptionSpec[] = []): Promise<Argv> {
  const { default: yargs } = await import('yargs')
  return (
    yargs()
      .scriptName('reqchain')
      // a file named 0x10 or 1e3 is a file name, not the number 16 or 1000
      // A list flag takes one value each time (`--var a=1 --var b=2`), so options may stand before
      // the paths (`run --var a=1 x.http`); greedy lists would take the path as a second value.
      .parserConfiguration({ 'parse-positional-numbers': false, 'greedy-arrays': false })
      .strict()
      .exitProcess(false)
      .help('help')
      .alias('help', 'h')
      .version('version', 'show the version', VERSION)
      .alias('version', 'V')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((message, error) => {
        if (error instanceof UsageError) throw error
        throw new UsageError(
          message || (error as Error | undefined)?.message || 'Invalid arguments',
          didYouMean(message, known) ?? 'see `reqchain help`',
        )
      })
  )
}

/**
 * A flag the command does not have is a usage error naming it, before yargs reads on: yargs would
 * take the word after an unknown flag as its value (`run --verbos x.http` said "Name at least
 * one request file").
 */
export function checkFlags(spec: CommandSpec, argv: readonly string[]): void {
  const names = new Set([
    'help',
    'version',
    ...spec.options.flatMap((o) => (o.type === 'boolean' ? [o.name, `no-${o.name}`] : [o.name])),
  ])
  const letters = new Set(['h', 'V', ...spec.options.flatMap((o) => (o.alias ? [o.alias] : []))])
  for (const word of argv) {
    if (word === '--') return
    const long = word.match(/^--([^=]+)/)?.[1]
    if (long !== undefined && !names.has(long)) {
      throw new UsageError(
        `Unknown option: --${long}`,
        didYouMean(`Unknown argument: ${long}`, spec.options) ?? `see \`reqchain help ${spec.usage.split(' ')[0]}\``,
      )
    }
    const short = word.match(/^-([A-Za-z])/)?.[1]
    if (short !== undefined && !letters.has(short))
      throw new UsageError(`Unknown option: -${short}`, `see \`reqchain help ${spec.usage.split(' ')[0]}\``)
  }
}

/** "Unknown argument: extarct" → "did you mean `--extract`?" */
function didYouMean(message: string | undefined, known: readonly OptionSpec[]): string | undefined {
  const unknown = message?.match(/^Unknown arguments?: ([^,\s]+)/)?.[1]
  if (!unknown) return undefined
  // Stricter than for names in a file: `--nope` should not suggest `--name`.
  const meant = nearest(
    unknown,
    known.map((o) => o.name),
    Math.max(1, Math.floor(unknown.length / 3)),
  )
  return meant ? `did you mean \`--${meant}\`? (see \`--help\`)` : undefined
}

export async function commandParser(spec: CommandSpec): Promise<Argv> {
  let parser = (await baseParser(spec.options)).usage(`$0 ${spec.usage}\n\n${spec.describe}`)
  for (const { name, ...option } of spec.options) parser = parser.option(name, option)
  for (const [command, description] of spec.examples ?? []) parser = parser.example(command, description)
  if (spec.epilogue) parser = parser.epilogue(spec.epilogue)
  if (spec.paths)
    parser = parser.demandCommand(1, spec.missing ?? `Name at least one request file: reqchain ${spec.usage}`)
  return parser
}

export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] }

/**
 * Parses through yargs. Help or version text, however it was asked for (`-qh` too), comes back
 * as the result instead of being printed by yargs itself.
 */
export function parseWithYargs(parser: Argv, argv: readonly string[]): { args: ParsedArgs } | { shown: Options } {
  let text = ''
  const args = parser.parseSync([...argv], {}, (_error, _argv, output) => {
    text = output
  }) as ParsedArgs
  if (!text) return { args }
  return { shown: args['help'] ? { command: 'help', text } : { command: 'version', text } }
}

/**
 * The command lines people type — paths, `--flag`, `--flag value`, `--flag=value`, `-x value`,
 * `--no-flag`, repeated list flags, `--` — read the way yargs reads them, without loading yargs
 * (its command model costs about 10 ms a start). Anything else returns undefined and goes to
 * yargs: help, usage errors worded as yargs words them, and the rarer forms (`-rq`, `--flag=`,
 * values that start with a dash, a boolean given `true`/`false` as the next word…).
 * A property test holds this and yargs to the same result.
 */
export function parseQuickly(spec: CommandSpec, argv: readonly string[]): ParsedArgs | undefined {
  const args: ParsedArgs = { _: [] }
  for (const option of spec.options) if (option.default !== undefined) args[option.name] = option.default
  const given = new Set<string>()
  const set = (option: OptionSpec, value: string | boolean): boolean => {
    let parsed: string | number | boolean = value
    if (option.type === 'number') {
      if (typeof value !== 'string' || !PLAIN_NUMBER.test(value)) return false
      parsed = Number(value)
    }
    if (option.array) {
      args[option.name] = [...((given.has(option.name) ? args[option.name] : []) as unknown[]), parsed]
    } else {
      if (given.has(option.name)) return false // yargs would make a list of it
      args[option.name] = parsed
    }
    given.add(option.name)
    return true
  }
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') {
      args._.push(...argv.slice(i + 1))
      break
    }
    if (!word.startsWith('-')) {
      args._.push(word)
      continue
    }
    const equals = word.indexOf('=')
    const flag = equals > 0 && word.startsWith('--') ? word.slice(0, equals) : word
    const negated = flag.startsWith('--no-') ? spec.options.find((o) => o.name === flag.slice(5)) : undefined
    if (negated) {
      if (negated.type !== 'boolean' || flag !== word || !set(negated, false)) return undefined
      continue
    }
    const option = flag.startsWith('--')
      ? spec.options.find((o) => o.name === flag.slice(2))
      : flag.length === 2
        ? spec.options.find((o) => o.alias === flag[1])
        : undefined
    if (!option) return undefined
    if (flag !== word) {
      const value = word.slice(equals + 1)
      const accepted =
        option.type === 'boolean'
          ? (value === 'true' || value === 'false') && set(option, value === 'true')
          : value !== '' && set(option, value)
      if (!accepted) return undefined
    } else if (option.type === 'boolean') {
      const next = argv[i + 1]
      if (next === 'true' || next === 'false' || !set(option, true)) return undefined
    } else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-') || !set(option, next)) return undefined
      i++
    }
  }
  if (spec.paths ? args._.length === 0 : args._.length > 0) return undefined
  return args
}

const PLAIN_NUMBER = /^\d+(\.\d+)?$/
