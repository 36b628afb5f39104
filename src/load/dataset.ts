// The rows of a data-driven run (--dataset): CSV with a header row (quoted fields and line breaks
// inside them, by csv-parse), JSON Lines, or a JSON array of objects. Each row is an object of
// variables; a row that is not one is a located load error.
//
//   question,expected              {"question": "…", "expected": "Paris"}      [{"question": …}, …]
//   "What is the capital…",Paris
import { extname } from 'node:path'
import { LoadError } from '../errors.js'
import { readInputFile } from './input-file.js'
import { parseLocatedJson, toPlain } from './located-json.js'

export type Row = { readonly index: number; readonly values: Readonly<Record<string, unknown>>; readonly line: number }

export async function loadDataset(absolute: string, display: string): Promise<Row[]> {
  let text: string
  try {
    text = readInputFile(absolute)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
  } catch (error) {
    throw new LoadError(
      'LOAD_FILE_NOT_FOUND',
      `--dataset ${display}: ${(error as Error).message}`,
      undefined,
      'a dataset is a .csv, .jsonl or .json file',
    )
  }
  const extension = extname(absolute).toLowerCase()
  if (extension === '.csv' || extension === '.tsv') return csvRows(text, display, extension === '.tsv' ? '\t' : ',')
  if (extension === '.json') return jsonRows(text, display)
  return jsonLines(text, display)
}

async function csvRows(text: string, file: string, delimiter: string): Promise<Row[]> {
  const { parse } = await import('csv-parse/sync')
  let records: { record: Record<string, string>; info: { lines: number } }[]
  try {
    records = parse(text, { columns: true, delimiter, info: true, skip_empty_lines: true, bom: true }) as typeof records
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1
    throw new LoadError(
      'LOAD_SYNTAX',
      `CSV: ${(error as Error).message}`,
      { file, line, column: 1 },
      'the first row names the columns; quote fields that hold commas, quotes or line breaks',
    )
  }
  return records.map((r, index) => ({ index, values: r.record, line: r.info.lines }))
}

function jsonRows(text: string, file: string): Row[] {
  const root = parseLocatedJson(text, file)
  if (root.kind !== 'array')
    throw new LoadError(
      'LOAD_JSON',
      'A JSON dataset is an array of objects',
      root.span,
      'write [{"question": "…"}, …], or use JSON Lines (.jsonl)',
    )
  return root.items.map((item, index) => {
    if (item.kind !== 'object')
      throw new LoadError(
        'LOAD_JSON',
        `Row ${index + 1} is not an object`,
        item.span,
        'each row is an object of variables',
      )
    return { index, values: toPlain(item) as Record<string, unknown>, line: item.span.line }
  })
}

function jsonLines(text: string, file: string): Row[] {
  const rows: Row[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return
    let node
    try {
      node = parseLocatedJson(line, file)
    } catch (error) {
      if (!(error instanceof LoadError) || !error.span) throw error
      throw new LoadError(error.code, error.message, { ...error.span, line: i + 1 }, error.hint)
    }
    const span = { file, line: i + 1, column: 1 }
    if (node.kind !== 'object')
      throw new LoadError(
        'LOAD_JSON',
        `Line ${i + 1} is not a JSON object`,
        span,
        'JSON Lines: one object of variables per line',
      )
    rows.push({ index: rows.length, values: toPlain(node) as Record<string, unknown>, line: i + 1 })
  })
  return rows
}

/** `--rows 10-20` (1-based, inclusive, either end open: `5-`, `-3`) and `--limit N`. */
export function chooseRows(rows: readonly Row[], range: string | undefined, limit: number | undefined): Row[] {
  let chosen = [...rows]
  if (range !== undefined) {
    const match = range.match(/^(\d*)-(\d*)$|^(\d+)$/)
    if (!match)
      throw new LoadError(
        'LOAD_SYNTAX',
        `--rows takes FIRST-LAST (1-based), got \`${range}\``,
        undefined,
        'for example --rows 10-20, --rows 5-, --rows 3',
      )
    const first = Number(match[3] ?? (match[1] || 1))
    const last = Number(match[3] ?? (match[2] || rows.length))
    chosen = chosen.filter((r) => r.index + 1 >= first && r.index + 1 <= last)
  }
  return limit === undefined ? chosen : chosen.slice(0, limit)
}
