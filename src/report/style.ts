// Terminal styling: colours only for a terminal, NO_COLOR off, FORCE_COLOR on (and FORCE_COLOR=0 off),
// --color always|never|auto over all of them (https://no-color.org, https://force-color.org).
export type Style = {
  readonly enabled: boolean
  readonly bold: (s: string) => string
  readonly dim: (s: string) => string
  readonly red: (s: string) => string
  readonly green: (s: string) => string
  readonly yellow: (s: string) => string
  readonly blue: (s: string) => string
  readonly magenta: (s: string) => string
  readonly cyan: (s: string) => string
}

export type ColorChoice = 'always' | 'never' | 'auto'

/** --color wins; then FORCE_COLOR (`0` or `false` turns colours off), NO_COLOR, TERM=dumb, and whether it is a terminal. */
export function colorEnabled(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  choice: ColorChoice = 'auto',
): boolean {
  if (choice !== 'auto') return choice === 'always'
  const force = env['FORCE_COLOR']
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false'
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false
  if (env['TERM'] === 'dumb') return false
  return Boolean(isTTY)
}

export function styleFor(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s)
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  }
}

/** Pretty JSON with jq's colours: keys blue, strings green, numbers and booleans default, null dim. */
export function formatJson(value: unknown, style: Style, indent = ''): string {
  if (value === null) return style.dim('null')
  if (typeof value === 'string') return style.green(JSON.stringify(value))
  if (typeof value !== 'object') return (JSON.stringify(value) as string | undefined) ?? 'null' // undefined for undefined and functions
  const inner = indent + '  '
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => inner + formatJson(v, style, inner)).join(',\n')}\n${indent}]`
  }
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) return '{}'
  return `{\n${entries.map(([k, v]) => `${inner}${style.blue(JSON.stringify(k))}: ${formatJson(v, style, inner)}`).join(',\n')}\n${indent}}`
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}
