// A curl command, as pasted into a bug report, turned into a `.http` request that sends the same:
//   reqchain import curl "curl -X POST https://api/v1/chat -H 'Authorization: Bearer $KEY' -d '{…}'"
// Shell words are split by shell-quote (quotes, escapes, `$VAR`); what curl would send is kept
// exactly: its method rules, the form Content-Type it adds to -d, -d values joined with `&`, -G,
// no redirects unless -L. Credentials never land in the file: a `$VAR` becomes
// {{$processEnv VAR}}, a literal token or password becomes a variable to set in .env.
import { parse } from 'shell-quote'
import { UsageError } from '../errors.js'
import { Credentials } from './credentials.js'
import { bodyFile, checkHeader, checkMethod, checkUrl, holdsLiterally, literal } from './http-text.js'

export type ImportedRequest = {
  /** The `.http` text. */
  readonly http: string
  /** Variables the file uses that hold a credential from the command, with their values. */
  readonly secrets: readonly { readonly name: string; readonly value: string }[]
  /** What the command asked that a .http file does not hold (e.g. -k, which is a run option). */
  readonly notes: readonly string[]
}

/** Options that change nothing about the request sent (output, progress, verbosity). */
const IGNORED = new Set([
  '-s',
  '--silent',
  '-S',
  '--show-error',
  '-v',
  '--verbose',
  '-i',
  '--include',
  '-N',
  '--no-buffer',
  '-f',
  '--fail',
  '--fail-with-body',
  '-#',
  '--progress-bar',
  '-g',
  '--globoff',
  '-o',
  '--output',
  '-O',
  '--remote-name',
  '-w',
  '--write-out',
  '--http1.1',
  '--http2',
])
/** Of those, the ones that take a value. */
const IGNORED_WITH_VALUE = new Set(['-o', '--output', '-w', '--write-out'])

/** Short options that take a value (`-XPOST` or `-X POST`). */
const WITH_VALUE = new Set(['X', 'H', 'd', 'A', 'e', 'u', 'b', 'F', 'm', 'o', 'w'])

const DATA = new Set(['-d', '--data', '--data-ascii', '--data-binary', '--data-raw', '--data-urlencode', '--json'])

/**
 * `bodyDir`: where a body the .http dialect cannot hold literally is written as a file of its own
 * (http-text.ts); the request then sends that file as it is.
 */
export function importCurl(command: string, bodyDir: string): ImportedRequest {
  // A line ending in a backslash continues (the pasted multi-line form), outside single quotes.
  const joined = shellLines(command)
  // `$(cmd)` stays text: set aside before the shell words are split, put back after.
  const substitutions: string[] = []
  const shielded = joined.replace(
    /\$\((?:[^()]|\([^()]*\))*\)/g,
    (whole) => `\uE003${substitutions.push(whole) - 1}\uE004`,
  )
  const unshield = (text: string) => text.replace(/\uE003(\d+)\uE004/g, (_, n: string) => substitutions[Number(n)]!)
  // A `$NAME` becomes a marker (later {{$processEnv NAME}}); a `$` not followed by a name stays a `$`.
  const words = parse(shielded, (name: string) => (name ? `\uE000${name}\uE001` : '$'))
  const args: string[] = []
  for (const raw of words) {
    if (typeof raw !== 'string') break // a pipe (`| jq .`), `;`, `&&`, a comment: the curl command ends there
    const word = unshield(raw)
    // -sSL is -s -S -L; in -sXPOST the X takes the rest as its value, as curl reads them.
    if (args.length === 0 || !/^-[a-zA-Z#]./.test(word)) {
      args.push(word)
      continue
    }
    const split: string[] = []
    for (let at = 1; at < word.length; at++) {
      const letter = word[at]!
      if (WITH_VALUE.has(letter)) {
        split.push(`-${letter}`, ...(at < word.length - 1 ? [word.slice(at + 1)] : []))
        break
      }
      if (!/[a-zA-Z#]/.test(letter)) {
        split.length = 0
        split.push(word)
        break
      } // not a cluster: reported as it is
      split.push(`-${letter}`)
    }
    args.push(...split)
  }
  if (args[0] !== 'curl' && !/[\\/]curl(\.exe)?$/.test(args[0] ?? ''))
    throw new UsageError(
      'This is not a curl command: it should start with `curl`',
      'paste the whole command, e.g. reqchain import curl "curl https://example.com"',
    )
  let method: string | undefined
  let url: string | undefined
  const headers: [string, string][] = []
  const data: string[] = []
  let json = false
  let get = false
  let head = false
  let follow = false
  let user: string | undefined
  let timeout: string | undefined
  let compressed = false
  const notes: string[] = []
  for (let i = 1; i < args.length; i++) {
    let arg = args[i]!
    let inline: string | undefined
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    if (eq > 0 && !IGNORED.has(arg)) {
      inline = arg.slice(eq + 1)
      arg = arg.slice(0, eq)
    }
    const value = () => {
      if (inline !== undefined) return inline
      const next = args[++i]
      if (next === undefined) throw new UsageError(`curl option ${arg} needs a value`)
      return next
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (url !== undefined)
        throw new UsageError(`The command names two URLs (${url} and ${arg})`, 'import one request at a time')
      url = arg
      continue
    }
    if (arg === '--url') {
      url = value()
      continue
    }
    if (arg === '-X' || arg === '--request') {
      method = value().toUpperCase()
      continue
    }
    if (arg === '-H' || arg === '--header') {
      const header = value()
      const colon = header.indexOf(':')
      if (colon <= 0) {
        if (!header.endsWith(';')) throw new UsageError(`Not a header: \`${header}\``, 'curl headers are "Name: value"')
        continue
      }
      const name = header.slice(0, colon).trim()
      const text = header.slice(colon + 1).trim()
      if (text !== '') headers.push([name, text]) // "Name:" alone removes a header curl would add
      continue
    }
    if (DATA.has(arg)) {
      let text = value()
      if (arg === '--json') json = true
      if (text.startsWith('@') && arg !== '--data-raw') {
        if (text === '@-')
          throw new UsageError(
            `${arg} @- reads the body from curl's standard input, which the command does not hold`,
            'save the body to a file and use @file',
          )
        data.push(`\uE002${text.slice(1)}`) // a body file
        if (arg === '-d' || arg === '--data' || arg === '--data-ascii')
          notes.push(
            `${arg} @file drops the file's line breaks; the .http file sends it as it is (as --data-binary would)`,
          )
        continue
      }
      if (arg === '--data-urlencode') {
        const at = text.indexOf('=')
        text = at < 0 ? formEncode(text) : `${text.slice(0, at + 1)}${formEncode(text.slice(at + 1))}`
      }
      data.push(text)
      continue
    }
    if (arg === '-G' || arg === '--get') {
      get = true
      continue
    }
    if (arg === '-I' || arg === '--head') {
      head = true
      continue
    }
    if (arg === '-L' || arg === '--location') {
      follow = true
      continue
    }
    if (arg === '-u' || arg === '--user') {
      user = value()
      continue
    }
    if (arg === '-A' || arg === '--user-agent') {
      headers.push(['User-Agent', value()])
      continue
    }
    if (arg === '-e' || arg === '--referer') {
      headers.push(['Referer', value()])
      continue
    }
    if (arg === '-b' || arg === '--cookie') {
      const cookie = value()
      if (!cookie.includes('='))
        throw new UsageError(
          `-b ${cookie} reads cookies from a file`,
          'give the cookies as "name=value; other=value", or use --cookie-jar when running',
        )
      headers.push(['Cookie', cookie])
      continue
    }
    if (arg === '-m' || arg === '--max-time') {
      timeout = value()
      continue
    }
    if (arg === '-k' || arg === '--insecure') {
      notes.push('the command accepted any TLS certificate (-k): run with --insecure to do the same')
      continue
    }
    if (arg === '-F' || arg === '--form')
      throw new UsageError(
        'curl -F (multipart forms) is not imported yet',
        'write the multipart body by hand; see "Bodies" in the README',
      )
    if (arg === '--compressed') {
      compressed = true
      continue
    }
    if (IGNORED.has(arg)) {
      if (IGNORED_WITH_VALUE.has(arg) && inline === undefined) i++
      continue
    }
    throw new UsageError(
      `curl option ${arg} is not imported`,
      'remove it if it does not change the request, or write that part of the request by hand',
    )
  }
  if (url === undefined || url === '') throw new UsageError('The curl command names no URL')
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}` // curl's default scheme
  // A $VAR in the URL stands for any text: the rest must be a URL (curl says "URL malformed").
  if (!URL.canParse(url.replace(/\uE000[^\uE001]*\uE001/g, '1')))
    throw new UsageError(`The URL ${JSON.stringify(url.slice(0, 200))} is not a URL`, 'curl would refuse it too')

  // With --compressed (as a browser's "Copy as cURL" writes it) curl negotiates the encoding itself;
  // reqchain does too, and an Accept-Encoding copied from a browser may name one it cannot decode (zstd).
  if (compressed)
    headers.splice(0, headers.length, ...headers.filter(([name]) => name.toLowerCase() !== 'accept-encoding'))
  const escape = (text: string) => {
    const held = literal(text)
    if (held === undefined)
      throw new UsageError(
        `The command holds \\{{ in ${JSON.stringify(text.slice(0, 60))}, which a .http file cannot send literally`,
        'percent-encode the braces in a URL (%7B%7B), or put the body in a file (-d @file)',
      )
    return held
  }
  const credentials = new Credentials(escape)
  const isVar = (text: string) => text.includes('\uE000') // a $VAR from the shell is a reference already
  for (const header of headers) {
    checkHeader(header[0], header[1])
    header[1] = credentials.header(header[0], header[1], isVar)
  }
  if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout))
    throw new UsageError(`--max-time ${JSON.stringify(timeout)} is not a number of seconds`)
  if (user !== undefined) {
    if (isVar(user)) notes.push('-u takes shell variables: set basicAuth in .env to the base64 of user:password')
    headers.push([
      'Authorization',
      `Basic ${isVar(user) ? '{{basicAuth}}' : credentials.variable('basicAuth', Buffer.from(user.includes(':') ? user : `${user}:`).toString('base64'))}`,
    ])
  }
  const files = data.filter((d) => d.startsWith('\uE002'))
  if (files.length > 0 && data.length > 1)
    throw new UsageError(
      'The command joins a body file with other -d values',
      'import it with one -d @file, or merge the parts into one file',
    )
  let body: string | undefined
  /** `-d @file`: the body line that reads the file. */
  let bodyRef: string | undefined
  if (data.length > 0 && get) {
    url += `${url.includes('?') ? '&' : '?'}${data.join('&')}`
  } else if (data.length > 0) {
    const file = files[0]?.slice(1)
    if (file !== undefined) bodyRef = `< ${file.startsWith('/') ? file : `./${file}`}`
    else body = data.join('&')
  }
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name)
  if ((body !== undefined || bodyRef !== undefined) && json) {
    if (!has('content-type')) headers.push(['Content-Type', 'application/json'])
    if (!has('accept')) headers.push(['Accept', 'application/json'])
  } else if ((body !== undefined || bodyRef !== undefined) && !has('content-type')) {
    headers.push(['Content-Type', 'application/x-www-form-urlencoded']) // what curl sends with -d
  }
  const finalMethod = method ?? (head ? 'HEAD' : body !== undefined || bodyRef !== undefined ? 'POST' : 'GET')
  if (body !== undefined && /json/i.test(headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '')) {
    try {
      body = JSON.stringify(JSON.parse(body), null, 2) // a $VAR inside a string stays where it is
    } catch {
      // not JSON after all: kept as written
    }
  }
  const lines = ['# Imported from curl.']
  if (!follow) lines.push('# @no-redirect')
  if (timeout !== undefined) lines.push(`# @timeout ${timeout}`)
  lines.push(`${checkMethod(finalMethod)} ${credentials.url(checkUrl(url))}`)
  for (const [name, value] of headers) lines.push(`${name}: ${value}`)
  if (body !== undefined) {
    if (holdsLiterally(body, contentTypeOf(headers))) {
      body = escape(body)
    } else {
      // A body with a $VAR is a template file (`<@`): its literal braces escaped, the variable rendered.
      const templated = isVar(body)
      const file = bodyFile(
        bodyDir,
        `${finalMethod}-${new URL(url.replace(/\uE000[^\uE001]*\uE001/g, '1')).pathname}`, // a URL: checked above
        Buffer.from(templated ? withVariables(escape(body)) : body, 'utf8'),
      )
      notes.push(
        `the body holds text a .http file would read as its own syntax: it is in ${file.path}, beside the .http file, and sent as it is`,
      )
      body = templated ? `<@ ${file.line.slice(2)}` : file.line
    }
  }
  if (body !== undefined || bodyRef !== undefined) lines.push('', body ?? bodyRef!)
  const http = withVariables(`${lines.join('\n')}\n`)
  return { http, secrets: credentials.found, notes }
}

const withVariables = (text: string) => text.replace(/\uE000([^\uE001]*)\uE001/g, '{{$processEnv $1}}')

function contentTypeOf(headers: readonly (readonly [string, string])[]): string | undefined {
  return headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1]
}

/**
 * The command with its line continuations (a backslash before a line break, outside single quotes)
 * removed as the shell removes them; an unbalanced quote is a usage error, as the shell would say
 * (shell-quote alone reads to the end).
 */
function shellLines(command: string): string {
  let out = ''
  let quote: string | undefined // ', " or $' (ANSI-C quoting, where a backslash escapes)
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (quote === "'") {
      out += c
      if (c === "'") quote = undefined
      continue
    }
    if (c === '\\') {
      const next = command[i + 1] === '\r' && command[i + 2] === '\n' ? '\r\n' : command[i + 1]
      if (quote !== "$'" && (next === '\n' || next === '\r\n')) {
        i += next.length
        continue
      }
      out += command.slice(i, i + 2)
      i++
      continue
    }
    out += c
    if (quote === '"') {
      if (c === '"') quote = undefined
      continue
    }
    if (quote === "$'") {
      if (c === "'") quote = undefined
      continue
    }
    if (c === '$' && command[i + 1] === "'") {
      quote = "$'"
      out += "'"
      i++
      continue
    }
    if (c === "'" || c === '"') quote = c
  }
  if (quote)
    throw new UsageError(
      `The command has an unbalanced ${quote === '"' ? 'double' : 'single'} quote`,
      "paste the whole command; a quote inside single quotes is written '\\''",
    )
  return out
}

/** As curl's --data-urlencode: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded, a space as `+`. */
function formEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}
