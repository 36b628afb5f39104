// The HTML report (`--report html=FILE`): documentation of the run in one self-contained file — no
// network, no external fonts, styles or scripts (a Content-Security-Policy says so to the browser).
// A table of contents by file and request; each request as sent, with its curl command and a copy
// button; the response (status, key headers, pretty JSON; a stream as its assembled reply with
// the raw events a click away); the assertions; the timings. Secrets are masked as in every report.
import type { Exchange } from '../model.js'
import { type StepResult, notRunBecause, statusOf, summaryOf } from '../outcome.js'
import type { Secrets } from '../secrets.js'
import { describeQuery, responseJson } from '../check/extract.js'
import { llmDigest, llmValues } from '../check/llm.js'
import { type MatrixRow, matrixLabel } from './matrix.js'
import { toCurl } from './curl.js'
import { descriptionOf, writtenOf } from './described.js'
import { bodyText } from './json.js'
import { formatMs } from './style.js'
import { asHttp } from './markdown.js'
import { formatSummary } from './results.js'
import { VERSION } from '../version.js'
import type { ReportFormatter } from './formatter.js'

/** Bodies longer than this are cut on the page (the JSON report keeps them whole). */
const MAX_SHOWN = 64 * 1024
const KEY_HEADERS =
  /^(content-type|content-length|location|cache-control|etag|x-request-id|retry-after|www-authenticate)$/i

type Entry = { readonly id: string; readonly title: string; readonly status: string; readonly file: string }

export function htmlFormatter(secrets: Secrets): ReportFormatter {
  const entries: Entry[] = []
  let currentFile: string | undefined
  return {
    step: (step) => {
      const id = `step-${entries.length + 1}`
      const title = titleOf(step)
      entries.push({ id, title, status: statusOf(step), file: step.file.path })
      const opens = step.file.path !== currentFile
      const section = opens
        ? `${currentFile === undefined ? '' : '</section>\n'}<section class="file"><h2>${escape(step.file.path)}</h2>\n`
        : ''
      currentFile = step.file.path
      return `${section}${stepHtml(step, id, title, secrets)}\n`
    },
    finish: (run, summaries) => {
      const dataset = summaries?.dataset
      const summary = summaryOf(run)
      const byFile = new Map<string, Entry[]>()
      for (const entry of entries) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry])
      const toc = [...byFile]
        .map(
          ([file, list]) =>
            `<li><span class="toc-file">${escape(file)}</span><ol>${list.map((e) => `<li><a href="#${e.id}"><span class="dot is-${e.status}" title="${e.status}"></span>${escape(e.title)}</a></li>`).join('')}</ol></li>`,
        )
        .join('\n')
      const rows = `${dataset ? `<pre class="dataset">${escape(secrets.mask(formatSummary(dataset)))}</pre>` : ''}${summaries?.matrix ? matrixHtml(summaries.matrix, secrets) : ''}`
      const head = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="reqchain ${escape(VERSION)}">
<title>reqchain report — ${summary.passed} passed, ${summary.failed} failed</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>API report</h1>
<p class="summary"><span class="count ${summary.passed > 0 ? 'passed' : 'none'}">${summary.passed} passed</span> <span class="count ${summary.failed > 0 ? 'failed' : 'none'}">${summary.failed} failed</span>${summary.skipped ? ` <span class="count skipped">${summary.skipped} skipped</span>` : ''}${summary.interrupted ? ' <span class="count failed">interrupted</span>' : ''} <span class="muted">· ${formatMs(run.durationMs)} · ${escape(new Date().toISOString().replace('T', ' ').slice(0, 19))} UTC · reqchain ${escape(VERSION)}</span></p>
${rows}
</header>
<div class="layout">
<nav aria-label="Contents"><h2>Contents</h2><ol class="toc">${toc}</ol></nav>
<main>
`
      return {
        head,
        tail: `${currentFile === undefined ? '<p class="muted">No requests ran.</p>' : '</section>'}\n</main>\n</div>\n<script>${SCRIPT}</script>\n</body>\n</html>\n`,
      }
    },
  }
}

function titleOf(step: StepResult): string {
  if (step.template.name) return step.template.name
  const url = step.request?.url
  let path = step.template.url.raw
  if (url) {
    try {
      path = new URL(url).pathname
    } catch {
      /* as written */
    }
  }
  return `${step.template.method} ${path}`
}

function stepHtml(step: StepResult, id: string, title: string, secrets: Secrets): string {
  const status = statusOf(step)
  const exchange = step.exchange
  const out: string[] = [`<article id="${id}" class="step is-${status}">`]
  out.push(
    `<h3><span class="badge is-${status}">${status}</span> ${escape(title)} <a class="anchor" href="#${id}" aria-label="link to this request">#</a></h3>`,
  )
  out.push(
    `<p class="where muted">${escape(step.file.path)}:${step.template.span.line}${step.row !== undefined ? ` · row ${step.row}` : ''}${step.iteration !== undefined ? ` · iteration ${step.iteration}` : ''}${step.attempts ? ` · ${step.attempts} attempts` : ''}</p>`,
  )
  const description = descriptionOf(step.file, step.template)
  if (description)
    out.push(
      ...description.split(/\n\s*\n/).map((paragraph) => `<p class="note">${escape(secrets.mask(paragraph))}</p>`),
    )
  if (step.skipped) {
    out.push(`<p class="muted">${escape(notRunBecause(step))}</p></article>`)
    return out.join('\n')
  }
  if (exchange) out.push(`<p class="timings">${timingsOf(exchange)}</p>`)
  if (step.request) {
    const curl = toCurl(step.request, {
      secrets,
      stream: exchange?.stream !== undefined,
      followRedirects: step.template.options.followRedirects ?? true,
    })
    const written = writtenOf(step.file, step.template)
    out.push(
      '<div class="pane"><h4>Request</h4>',
      `<pre class="http">${escape(cut(asHttp(step.request, secrets)))}</pre>`,
      ...(written
        ? [
            `<details class="written"><summary>As written</summary><pre>${escape(secrets.mask(cut(written)))}</pre></details>`,
          ]
        : []),
    )
    out.push(
      `<details class="curl"><summary>The same with curl <button type="button" class="copy" data-copy="${escape(curl)}">Copy</button></summary><pre>${escape(curl)}</pre></details></div>`,
    )
  }
  if (exchange) out.push(responseHtml(exchange, secrets))
  if (step.asserts.length > 0) {
    out.push('<div class="pane"><h4>Assertions</h4><ul class="asserts">')
    for (const a of step.asserts) {
      const text = `${describeQuery(a.assertion.query)} ${a.assertion.negated ? 'not ' : ''}${a.assertion.predicate}${a.assertion.expected !== undefined ? ` ${a.assertion.expected}` : ''}`
      out.push(
        `<li class="${a.ok ? 'ok' : 'bad'}"><span class="mark">${a.ok ? '✓' : '✗'}</span> <code>${escape(secrets.mask(text))}</code>${a.ok ? '' : ` <span class="why">${escape(secrets.mask(a.message))}</span>`}</li>`,
      )
    }
    out.push('</ul></div>')
  }
  const captures = Object.entries(step.captures)
  if (captures.length > 0) {
    out.push('<div class="pane"><h4>Captures</h4><ul class="captures">')
    for (const [name, value] of captures)
      out.push(`<li><code>${escape(name)}</code> = <code>${escape(secrets.mask(short(jsonText(value))))}</code></li>`)
    out.push('</ul></div>')
  }
  if (step.logs) {
    out.push(`<div class="pane"><h4>Log</h4><pre class="log">${escape(secrets.mask(step.logs.join('\n')))}</pre></div>`)
  }
  if (step.error) {
    out.push(
      `<div class="error"><strong>${escape(step.error.code)}</strong> ${escape(secrets.mask(step.error.message))}${step.error.hint ? `<br><span class="muted">${escape(secrets.mask(step.error.hint))}</span>` : ''}</div>`,
    )
  }
  out.push('</article>')
  return out.join('\n')
}

function responseHtml(exchange: Exchange, secrets: Secrets): string {
  const head = [
    `HTTP/${exchange.httpVersion} ${exchange.status} ${exchange.statusText}`,
    ...exchange.headers.filter(([n]) => KEY_HEADERS.test(n)).map(([n, v]) => `${n}: ${secrets.maskHeader(n, v)}`),
  ].join('\n')
  const out = ['<div class="pane"><h4>Response</h4>', `<pre class="head">${escape(head)}</pre>`]
  if (exchange.bodyWrittenTo) out.push(`<p class="muted">Body written to ${escape(exchange.bodyWrittenTo)}.</p>`)
  else if (exchange.stream && exchange.assembled !== undefined) {
    const json = responseJson(exchange)
    out.push(
      `<p class="muted">Streamed: ${exchange.stream.chunks} ${exchange.stream.format === 'sse' ? 'SSE events' : 'NDJSON lines'}, ended by ${exchange.stream.ending}; assembled:</p>`,
    )
    const reply = json.ok ? replyText(json.value) : undefined
    if (reply) out.push(`<blockquote class="reply">${escape(secrets.mask(cut(reply)))}</blockquote>`)
    out.push(...llmFacts(exchange, json, secrets))
    out.push(
      `<details><summary>Assembled JSON</summary><pre class="json">${escape(secrets.mask(cut(json.ok ? JSON.stringify(json.value, null, 2) : exchange.assembled)))}</pre></details>`,
    )
    const raw = bodyText(exchange.body)
    out.push(
      `<details class="raw"><summary>Raw events</summary><pre>${escape(secrets.mask(cut(raw.body ?? '(binary)')))}</pre></details>`,
    )
  } else {
    const text = bodyText(exchange.body)
    if (text.body !== null && text.body !== '') {
      const pretty = prettyJson(text.body)
      // An LLM's reply reads as its text, with its figures; the JSON stays one click away.
      const json = pretty === undefined ? undefined : responseJson(exchange)
      const reply = json?.ok ? replyText(json.value) : undefined
      if (reply && json) {
        out.push(`<blockquote class="reply">${escape(secrets.mask(cut(reply)))}</blockquote>`)
        out.push(...llmFacts(exchange, json, secrets))
        out.push(
          `<details><summary>JSON</summary><pre class="json">${escape(secrets.mask(cut(pretty!)))}</pre></details>`,
        )
      } else
        out.push(
          `<pre class="${pretty === undefined ? 'text' : 'json'}">${escape(secrets.mask(cut(pretty ?? text.body)))}</pre>`,
        )
    } else if (text.bodyBase64) out.push(`<p class="muted">Binary body, ${exchange.bodySize} bytes.</p>`)
  }
  out.push('</div>')
  return out.join('\n')
}

/** A value as JSON text (undefined, which JSON cannot hold, as its name). */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined
  return text ?? String(value)
}

/** A captured value on one line of at most 300 characters. */
function short(text: string): string {
  return text.length > 300 ? `${text.slice(0, 299)}…` : text
}

/** --matrix: each combination's figures, one row each. */
function matrixHtml(rows: readonly MatrixRow[], secrets: Secrets): string {
  const cell = (text: string) => `<td>${escape(secrets.mask(text))}</td>`
  const body = rows
    .map(
      (row) =>
        `<tr>${cell(matrixLabel(row))}${cell(row.rows !== undefined ? `${row.passed}/${row.rows} rows` : `${row.passed}/${row.requests}`)}${cell(row.latencyMs ? `${row.latencyMs.p50} / ${row.latencyMs.p90} ms` : '–')}${cell(row.ttftMs ? `${row.ttftMs.p50} ms` : '–')}${cell(row.tokensPerSecond !== null ? `${row.tokensPerSecond}` : '–')}${cell(String(row.completionTokens))}</tr>`,
    )
    .join('')
  return `<table class="matrix"><thead><tr><th>matrix</th><th>passed</th><th>latency p50 / p90</th><th>TTFT p50</th><th>tok/s</th><th>tokens</th></tr></thead><tbody>${body}</tbody></table>`
}

/** How an LLM reply ended: finish reason, tokens, time to first token, speed, tool calls. */
function llmFacts(exchange: Exchange, json: ReturnType<typeof responseJson>, secrets: Secrets): string[] {
  const digest = json.ok ? llmDigest(exchange, json.value) : undefined
  const facts = digest?.split('\n')[1]
  return facts ? [`<p class="muted llm">${escape(secrets.mask(facts))}</p>`] : []
}

/** The text an LLM reply carries (its text, else its tool calls), whatever API gave it, for reading. */
function replyText(value: unknown): string | undefined {
  const [reply] = llmValues(value, 'reply') as (string | undefined)[]
  if (reply) return reply
  const [calls] = llmValues(value, 'toolCalls') as (unknown[] | undefined)[]
  return calls && calls.length > 0 ? JSON.stringify(calls, null, 2) : undefined
}

function timingsOf(exchange: Exchange): string {
  const t = exchange.timings
  const parts = [`${formatMs(t.totalMs)} total`, `${formatMs(t.ttfbMs)} to first byte`]
  if (t.firstTokenMs !== undefined) parts.push(`${formatMs(t.firstTokenMs)} to first token`)
  parts.push(`${exchange.bodySize.toLocaleString('en-US')} bytes`)
  if (exchange.stream?.completionTokens !== undefined) parts.push(`${exchange.stream.completionTokens} tokens`)
  return parts.map(escape).join(' · ')
}

function prettyJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return undefined
  }
}

function cut(text: string): string {
  return text.length > MAX_SHOWN
    ? `${text.slice(0, MAX_SHOWN)}\n… (cut: ${text.length - MAX_SHOWN} more characters; the JSON report keeps the whole body)`
    : text
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const STYLE = `
:root { --bg: #f7f8fa; --card: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec; --code: #f2f4f7; --ok: #12805c; --ok-bg: #e6f4ee; --bad: #c0362c; --bad-bg: #fdecea; --skip: #8a6d00; --skip-bg: #fff6d6; --accent: #3559e0; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1217; --card: #171b22; --text: #e6e9ef; --muted: #98a2b3; --line: #2a303b; --code: #11151b; --ok: #4cc38a; --ok-bg: #12271e; --bad: #ff7a6e; --bad-bg: #2f1714; --skip: #e5c04b; --skip-bg: #2a2410; --accent: #8ea6ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { padding: 24px 32px 8px; }
h1 { margin: 0 0 4px; font-size: 24px; }
h2 { font-size: 16px; margin: 0 0 12px; }
h3 { font-size: 17px; margin: 0; display: flex; align-items: center; gap: 8px; }
h4 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 6px; }
.muted { color: var(--muted); }
.summary { margin: 0; }
.count { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.count.passed { background: var(--ok-bg); color: var(--ok); } .count.none { background: var(--code); color: var(--muted); } .count.failed { background: var(--bad-bg); color: var(--bad); } .count.skipped { background: var(--skip-bg); color: var(--skip); }
.layout { display: grid; grid-template-columns: 280px minmax(0, 1fr); gap: 24px; padding: 16px 32px 48px; align-items: start; }
nav { position: sticky; top: 16px; max-height: calc(100vh - 32px); overflow: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.toc, .toc ol { list-style: none; margin: 0; padding: 0; }
.toc > li { margin-bottom: 12px; }
.toc-file { font-size: 12px; color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.toc a { display: flex; align-items: center; gap: 8px; padding: 3px 6px; border-radius: 6px; color: var(--text); text-decoration: none; font-size: 14px; }
.toc a:hover { background: var(--code); }
.dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); }
.dot.is-failed, .dot.is-error { background: var(--bad); } .dot.is-skipped { background: var(--skip); }
section.file > h2 { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; color: var(--muted); margin: 8px 0 12px; }
.step { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--ok); border-radius: 10px; padding: 16px 20px; margin-bottom: 16px; }
.step.is-failed, .step.is-error { border-left-color: var(--bad); } .step.is-skipped { border-left-color: var(--skip); }
.badge { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; padding: 2px 8px; border-radius: 999px; background: var(--ok-bg); color: var(--ok); }
.badge.is-failed, .badge.is-error { background: var(--bad-bg); color: var(--bad); } .badge.is-skipped { background: var(--skip-bg); color: var(--skip); }
.anchor { color: var(--muted); text-decoration: none; font-weight: 400; }
.where { margin: 2px 0 8px; font-size: 13px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.timings { font-size: 13px; margin: 0 0 12px; color: var(--muted); }
.note { margin: 0 0 12px; }
.pane { margin-top: 14px; }
pre { margin: 0; background: var(--code); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; overflow: auto; max-height: 420px; font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; white-space: pre-wrap; word-break: break-word; }
.curl { margin-top: 10px; }
.curl > summary button { margin-left: 8px; }
button.copy { font: inherit; font-size: 12px; padding: 2px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--accent); cursor: pointer; }
button.copy.done { color: var(--ok); }
blockquote.reply { margin: 6px 0 10px; padding: 10px 14px; border-left: 3px solid var(--accent); background: var(--code); border-radius: 0 8px 8px 0; white-space: pre-wrap; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--accent); font-size: 13px; margin-bottom: 6px; }
.asserts { list-style: none; margin: 0; padding: 0; }
.asserts li { padding: 3px 0; font-size: 14px; }
.asserts .mark { display: inline-block; width: 1.2em; font-weight: 700; }
.asserts .ok .mark { color: var(--ok); } .asserts .bad .mark { color: var(--bad); }
.asserts .why { color: var(--bad); }
code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; background: var(--code); padding: 1px 5px; border-radius: 4px; }
.error { margin-top: 14px; padding: 10px 14px; border-radius: 8px; background: var(--bad-bg); color: var(--bad); }
.dataset { max-width: 720px; margin-top: 10px; }
.matrix { border-collapse: collapse; margin-top: 10px; }
.matrix th, .matrix td { text-align: left; padding: 2px 12px 2px 0; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } nav { position: static; max-height: none; } }
`

const SCRIPT = `
document.querySelectorAll('button.copy').forEach(function (button) {
  button.addEventListener('click', function (event) {
    event.preventDefault() // in a summary: copy, without opening or closing it
    var text = button.getAttribute('data-copy') || ''
    var done = function () { button.textContent = 'Copied'; button.classList.add('done'); setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('done') }, 1500) }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () {})
    else { var area = document.createElement('textarea'); area.value = text; document.body.appendChild(area); area.select(); try { document.execCommand('copy'); done() } catch (e) {} area.remove() }
  })
})
document.body.setAttribute('data-ready', 'true')
`
