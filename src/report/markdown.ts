// The Markdown report: documentation of the API examples that just ran, ready for a README or wiki:
// per request a heading, the request as .http, the equivalent curl command, the response (status,
// key headers, pretty body; long bodies cut with a note) and the assertions.
import type { Exchange, HttpRequest } from '../model.js'
import { type StepResult, notRunBecause, statusOf, summaryOf } from '../outcome.js'
import type { ReportFormatter } from './formatter.js'
import type { Secrets } from '../secrets.js'
import { describeQuery, responseJson } from '../check/extract.js'
import { toCurl } from './curl.js'
import { bodyText } from './json.js'
import { formatSummary } from './results.js'

const MAX_BODY_LINES = 40
const KEY_HEADERS =
  /^(content-type|content-length|location|cache-control|etag|x-request-id|retry-after|www-authenticate)$/i

/** In pieces as the run goes (report/write.ts): a heading per file, each step as it ends, the summary on top. */
export function markdownFormatter(secrets: Secrets): ReportFormatter {
  let currentFile: string | undefined
  return {
    step: (step) => {
      const heading = step.file.path !== currentFile ? `## ${plain(step.file.path)}\n\n` : ''
      currentFile = step.file.path
      return `\n${heading}${stepMarkdown(step, secrets).join('\n')}\n`
    },
    finish: (run, summaries) => {
      const dataset = summaries?.dataset
      const summary = summaryOf(run)
      const rows = dataset
        ? `\n${formatSummary(dataset)
            .split('\n')
            .map((line) => `- ${line}`)
            .join('\n')}\n`
        : ''
      return {
        head: `# API examples\n\n${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ''}${summary.interrupted ? ' (interrupted)' : ''}.\n${rows}`,
        tail: '',
      }
    },
  }
}

/** A fenced block longer than any run of backticks it holds, so no text can close it early. */
export function fence(text: string, lang = ''): string[] {
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1))
  return [`${ticks}${lang}`, text, ticks]
}

/** Text from a server (an actual value, an error) as one inline code span: never live Markdown or HTML. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ')
  const ticks = '`'.repeat(longestBacktickRun(flat) + 1)
  return /^[ `]|[ `]$/.test(flat) ? `${ticks} ${flat} ${ticks}` : `${ticks}${flat}${ticks}`
}

/** Text for a heading or a sentence, on one line, with every character that starts inline Markdown or HTML escaped. */
function plain(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_[\]<>&!|~#]/g, '\\$&')
}

function longestBacktickRun(text: string): number {
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  return longest
}

function stepMarkdown(step: StepResult, secrets: Secrets): string[] {
  const title = step.template.name ?? `${step.template.method} ${new URL(step.request?.url ?? 'http://x/').pathname}`
  const status = statusOf(step)
  const out = [`### ${plain(title)}${status === 'passed' ? '' : ` (${status})`}`, '']
  const note = step.template.directives.find((d) => d.key === 'note' || d.key === 'description')
  if (note) out.push(note.value, '')
  if (step.skipped) return [...out, `_${notRunBecause(step)}_`]
  if (step.request) {
    out.push(
      ...fence(asHttp(step.request, secrets), 'http'),
      '',
      'With curl:',
      '',
      ...fence(
        toCurl(step.request, {
          secrets,
          stream: step.exchange?.stream !== undefined,
          followRedirects: step.template.options.followRedirects ?? true,
        }),
        'sh',
      ),
      '',
    )
  }
  if (step.exchange) out.push(...responseMarkdown(step.exchange, secrets))
  if (step.asserts.length > 0) {
    out.push('', 'Assertions:', '')
    for (const a of step.asserts) {
      const text = codeSpan(
        `${describeQuery(a.assertion.query)} ${a.assertion.negated ? 'not ' : ''}${a.assertion.predicate}${a.assertion.expected !== undefined ? ` ${a.assertion.expected}` : ''}`,
      )
      out.push(`- ${a.ok ? '✅' : '❌'} ${text}${a.ok ? '' : ` — ${codeSpan(secrets.mask(a.message))}`}`)
    }
  }
  if (step.error)
    out.push(
      '',
      `**Error** (${step.error.code}): ${codeSpan(secrets.mask(step.error.message))}${step.error.hint ? ` — ${plain(secrets.mask(step.error.hint))}` : ''}`,
    )
  return out
}

/** A rendered request as `.http` text, secrets masked (also what `run --dry-run` prints). */
export function asHttp(request: HttpRequest, secrets: Secrets, exact = false): string {
  const lines = [
    `${request.method} ${secrets.mask(request.url)}`,
    ...request.headers.map(([n, v]) => `${n}: ${secrets.maskHeader(n, v)}`),
  ]
  const body = bodyText(request.body)
  if (body.body !== null) lines.push('', exact ? secrets.mask(body.body) : cut(secrets.mask(prettyJson(body.body))))
  else if (body.bodyBase64) lines.push('', `(binary body, ${request.body!.length} bytes)`)
  return lines.join('\n')
}

function responseMarkdown(exchange: Exchange, secrets: Secrets): string[] {
  const head = [
    `HTTP/${exchange.httpVersion} ${exchange.status} ${exchange.statusText}`,
    ...exchange.headers.filter(([n]) => KEY_HEADERS.test(n)).map(([n, v]) => `${n}: ${secrets.maskHeader(n, v)}`),
  ]
  let body: string
  if (exchange.bodyWrittenTo)
    body = `(body written to ${exchange.bodyWrittenTo})` // inside the fence below
  else if (exchange.assembled !== undefined) {
    const json = responseJson(exchange)
    body = json.ok ? JSON.stringify(json.value, null, 2) : exchange.assembled
  } else {
    const text = bodyText(exchange.body)
    body =
      text.body !== null ? prettyJson(text.body) : text.bodyBase64 ? `(binary body, ${exchange.bodySize} bytes)` : ''
  }
  const lead = exchange.stream
    ? [
        `Response (streamed: ${exchange.stream.chunks} ${exchange.stream.format === 'sse' ? 'SSE events' : 'NDJSON lines'}, assembled):`,
      ]
    : ['Response:']
  return [...lead, '', ...fence(`${head.join('\n')}${body ? `\n\n${cut(secrets.mask(body))}` : ''}`, 'http')]
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

function cut(text: string): string {
  const lines = text.split('\n')
  if (lines.length <= MAX_BODY_LINES && text.length <= 4000) return text
  const kept = lines.slice(0, MAX_BODY_LINES).join('\n').slice(0, 4000)
  return `${kept}\n… (cut: ${text.length - kept.length} more characters; the JSON report keeps the whole body)`
}
