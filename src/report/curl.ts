// toCurl(request) → a command a user can paste into a shell and get the same request:
//   curl -X POST 'http://h/v1/chat/completions' -H 'Authorization: Bearer '"$OPENAI_API_KEY" --json '{"model":…}'
// POSIX shells (the default): single quotes with '\'' for embedded ones, exact for any byte but NUL;
// secret values become "$NAME" references (double-quoted so the shell expands them). PowerShell
// 7.3+ (`--shell powershell`) and cmd batch files (`--shell cmd`) get curl.exe with their own
// quoting and `$env:NAME` / `%NAME%` references.
import { type HttpRequest, headerValue } from '../model.js'
import { type Secrets, isSecretHeader } from '../secrets.js'

const textDecoder = new TextDecoder('utf-8', { fatal: true })

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * A value known only at run time (a capture, a response reference), standing in a rendered request
 * that was not sent: exported as the shell variable of that name, `"$token"`.
 */
export function shellStandIn(name: string): string {
  return `\uE100${shellVariable(name)}\uE101`
}
/** A stand-in as written, or percent-encoded where it landed in a URL. */
const STAND_IN = /\uE100([^\uE101]*)\uE101|%EE%84%80(\w*)%EE%84%81/g

export type ShellName = 'sh' | 'powershell' | 'cmd'

/** How one shell quotes a word made of literal text and variable references. */
type Shell = {
  readonly curl: string
  readonly continuation: string
  /** How a line of comment starts, and how a variable is referred to in one. */
  readonly comment: string
  readonly reference: (name: string) => string
  /** A word of literal pieces (even indexes) and variable names (odd indexes). */
  readonly word: (pieces: readonly string[]) => string
}

const SHELLS: Record<ShellName, Shell> = {
  sh: {
    curl: 'curl',
    continuation: ' \\\n  ',
    comment: '#',
    reference: (name) => `$${shellVariable(name)}`,
    word: (pieces) =>
      pieces.length === 1
        ? shellQuote(pieces[0]!)
        : pieces
            .map((piece, i) => (i % 2 === 1 ? `"$${shellVariable(piece)}"` : piece === '' ? '' : shellQuote(piece)))
            .join(''),
  },
  // PowerShell 7.3 and later pass arguments to native commands as written (earlier versions drop
  // embedded double quotes). Literal text in single quotes ('' for '); with a variable, one
  // double-quoted string where `, " and $ are escaped with a backtick.
  powershell: {
    curl: 'curl.exe',
    continuation: ' `\n  ',
    comment: '#',
    reference: (name) => `$env:${shellVariable(name)}`,
    // PowerShell takes the typographic quotes for quotes too.
    word: (pieces) =>
      pieces.length === 1
        ? `'${pieces[0]!.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`
        : `"${pieces.map((piece, i) => (i % 2 === 1 ? `$env:${shellVariable(piece)}` : piece.replace(/[`"$\u201C\u201D\u201E]/g, '`$&'))).join('')}"`,
  },
  // A cmd batch file: the word quoted for curl.exe's own argument parsing (\" for a quote, with the
  // backslashes before it doubled), then every character cmd would act on escaped with ^ — the
  // quotes too, so cmd's quote state never flips — and % doubled; variables are %NAME%.
  cmd: {
    curl: 'curl.exe',
    continuation: ' ^\n  ',
    comment: 'REM',
    reference: (name) => `%${shellVariable(name)}%`,
    word: (pieces) =>
      pieces
        .map((piece, i) =>
          i % 2 === 1 ? `%${shellVariable(piece)}%` : cmdEscape(crtQuoted(piece, i === 0, i === pieces.length - 1)),
        )
        .join(''),
  },
}

/** The Microsoft C runtime's quoting: the word in double quotes, `\"` inside, backslashes before a quote doubled. */
function crtQuoted(text: string, opens: boolean, closes: boolean): string {
  const inner = text.replace(/(\\*)"/g, (_, slashes: string) => `${slashes}${slashes}\\"`)
  const tail = closes ? inner.replace(/(\\+)$/, '$1$1') : inner
  return `${opens ? '"' : ''}${tail}${closes ? '"' : ''}`
}

function cmdEscape(text: string): string {
  return text.replace(/[\^&|<>()"!]/g, '^$&').replace(/%/g, '%%')
}

/** Quotes text for the shell, turning secret values and stand-ins into variable references. */
function quoteMasked(text: string, secrets: Secrets | undefined, shell: Shell): string {
  const marker = '\u0000'
  const withStandIns = text.replace(
    STAND_IN,
    (_, written: string | undefined, encoded: string | undefined) => `${marker}${written ?? encoded}${marker}`,
  )
  if (!secrets && withStandIns === text) return shell.word([text])
  const masked = secrets ? secrets.mask(withStandIns, (secret) => `${marker}${secret.name}${marker}`) : withStandIns
  return shell.word(masked.split(marker))
}

/** A shell's comment marker and its way of naming a variable, for what is written around the commands. */
export function shellSyntax(name: ShellName = 'sh'): Pick<Shell, 'comment' | 'reference'> {
  return SHELLS[name]
}

function shellVariable(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

export type CurlOptions = {
  readonly secrets?: Secrets
  readonly stream?: boolean
  /** `-L`: the request follows redirects, as reqchain did (curl keeps custom headers across hosts, reqchain does not). */
  readonly followRedirects?: boolean
  /** `-k`: the run accepted any certificate (--insecure). */
  readonly insecure?: boolean
  /** The shell the command is for (default: a POSIX shell). */
  readonly shell?: ShellName
}

export function toCurl(request: HttpRequest, options: CurlOptions = {}): string {
  const shell = SHELLS[options.shell ?? 'sh']
  const parts = [shell.curl]
  if (options.stream) parts.push('-N')
  // curl -L drops Authorization and Cookie when a redirect leaves the host, but sends every other
  // header on: a credential in X-Api-Key and its kind would reach the other host. Such a command
  // does not follow redirects, and says so.
  const carried = options.followRedirects
    ? request.headers.find(
        ([name]) => isSecretHeader(name) && !/^(authorization|cookie|proxy-authorization)$/i.test(name),
      )
    : undefined
  const note = carried
    ? `${shell.comment} Without -L: curl would send ${carried[0]} on to another host if a redirect led there (reqchain keeps it on this one).\n`
    : ''
  if (options.followRedirects && !carried) parts.push('-L')
  if (options.insecure) parts.push('-k')
  const hasBody = request.body !== undefined && request.body.length > 0
  const contentType = headerValue(request.headers, 'content-type') ?? ''
  const accept = headerValue(request.headers, 'accept')
  let text: string | undefined
  if (hasBody) {
    try {
      text = textDecoder.decode(request.body)
    } catch {
      text = undefined
    }
  }
  // --json sets Content-Type and Accept itself; use it only when that changes nothing.
  const useJson =
    text !== undefined &&
    /^application\/json$/i.test(contentType.trim()) &&
    (accept === undefined || accept === 'application/json')
  const impliedMethod = hasBody ? 'POST' : 'GET'
  if (request.method === 'HEAD') parts.push('--head')
  else if (request.method !== impliedMethod) parts.push(`-X ${request.method}`)
  parts.push(quoteMasked(request.url, options.secrets, shell))
  for (const [name, value] of request.headers) {
    if (useJson && /^(content-type|accept)$/i.test(name)) continue
    // Basic credentials holding a variable's value go as curl's -u user:password, where the value
    // can be a shell variable; inside the base64 it could not.
    const basic = /^authorization$/i.test(name) ? basicCredentials(value) : undefined
    if (
      basic !== undefined &&
      options.secrets &&
      !options.secrets.revealing &&
      (options.secrets.mask(basic) !== basic || basic.includes('\uE100'))
    ) {
      parts.push(`-u ${quoteMasked(basic, options.secrets, shell)}`)
      continue
    }
    // A secret header whose value came from no known variable cannot become "$NAME": mask it.
    const unknownSecret =
      options.secrets &&
      !options.secrets.revealing &&
      isSecretHeader(name) &&
      options.secrets.mask(value) === value &&
      !value.includes('\uE100')
    parts.push(
      `-H ${unknownSecret ? shell.word([`${name}: ${options.secrets!.maskHeader(name, value)}`]) : quoteMasked(`${name}: ${value}`, options.secrets, shell)}`,
    )
  }
  // Without a Content-Type of the request's own, curl would add a form one for -d: remove it.
  if (hasBody && !useJson && !contentType) parts.push(`-H ${shell.word(['Content-Type:'])}`)
  let input = ''
  if (hasBody) {
    if (text === undefined || text.includes('\0') || (options.shell === 'cmd' && /[\r\n]/.test(text))) {
      const binary = binaryInput(request.body!, options.shell ?? 'sh')
      input = binary.before
      parts.push(`--data-binary ${binary.argument}`)
    } else {
      parts.push(`${useJson ? '--json' : '--data-raw'} ${quoteMasked(text, options.secrets, shell)}`)
    }
  }
  return note + input + parts.join(shell.continuation)
}

/** `Basic dXNlcjpwYXNz` → `user:pass`, when that is what it holds. */
function basicCredentials(value: string): string | undefined {
  const match = value.match(/^Basic\s+([A-Za-z0-9+/]+={0,2})$/i)
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  return decoded.includes(':') && !decoded.includes('\uFFFD') ? decoded : undefined
}

/**
 * A body exact for every byte: through printf's octal escapes on standard input in a POSIX shell;
 * in PowerShell and cmd (whose pipes and arguments do not carry any byte, nor line breaks in cmd)
 * written to a file first — decoded from base64 by .NET, or by certutil — and sent from there.
 */
function binaryInput(body: Uint8Array, shell: ShellName): { before: string; argument: string } {
  if (shell === 'sh')
    return {
      before: `printf '${[...body].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}' | `,
      argument: '@-',
    }
  const base64 = Buffer.from(body).toString('base64')
  if (shell === 'powershell') {
    return {
      before: `[IO.File]::WriteAllBytes("$env:TEMP\\reqchain-body.bin", [Convert]::FromBase64String('${base64}'))\n`,
      argument: '"@$env:TEMP\\reqchain-body.bin"',
    }
  }
  const lines = base64.match(/.{1,64}/g) ?? []
  return {
    before: `(\n${lines.map((l) => `echo ${l}`).join('\n')}\n) > "%TEMP%\\reqchain-body.b64"\ncertutil -f -decode "%TEMP%\\reqchain-body.b64" "%TEMP%\\reqchain-body.bin" >nul\n`,
    argument: '"@%TEMP%\\reqchain-body.bin"',
  }
}
