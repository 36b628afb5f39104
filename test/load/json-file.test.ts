import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LoadError } from '../../src/errors.js'
import { thrown } from '../helpers/thrown.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'
import { BODY_FILE_KEYS, FILE_KEYS, OPTION_KEYS, REQUEST_KEYS, parseJsonFile } from '../../src/load/json-file.js'

const loadError = (source: string) => thrown(() => parseJsonFile(source, 'r.json'), LoadError)

describe('JSON request files', () => {
  it('names an unknown key at its position and suggests the nearest known one', () => {
    const error = loadError('{\n  "requests": [\n    { "url": "http://h", "heders": {} }\n  ]\n}')
    expect(error).toMatchObject({
      code: 'LOAD_UNKNOWN_KEY',
      hint: 'did you mean `headers`?',
      span: { line: 3, column: 26 },
    })
    expect(error.message).toBe('Unknown key `heders` in a request')
  })

  it('locates invalid JSON', () => {
    const trailing = loadError('{\n  "url": "http://h",\n}')
    expect(trailing).toMatchObject({ code: 'LOAD_JSON', span: { line: 3, column: 1 } })
    expect(trailing.message).toBe('Trailing comma in object')
    const quotes = loadError("{'url': 1}")
    expect(quotes).toMatchObject({ span: { line: 1, column: 2 } })
    expect(quotes.message).toBe('JSON strings use double quotes')
  })

  it('accepts a single request object and defaults the method from the body', () => {
    const { requests } = parseJsonFile('{"url": "http://h", "json": {"a": 1}}', 'r.json')
    expect(requests[0]).toMatchObject({
      method: 'POST',
      headers: [{ name: 'Content-Type', value: { raw: 'application/json' } }],
    })
  })

  it('ships a schema whose keys match the parser', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../schema/requests.schema.json'), 'utf8'))
    expect(Object.keys(schema.$defs.file.properties).sort()).toEqual([...FILE_KEYS].sort())
    expect(
      Object.keys(schema.$defs.request.properties)
        .filter((k) => k !== '$schema')
        .sort(),
    ).toEqual([...REQUEST_KEYS].sort())
    expect(Object.keys(schema.$defs.request.properties.options.properties).sort()).toEqual([...OPTION_KEYS].sort())
    expect(Object.keys(schema.$defs.request.properties.bodyFile.oneOf[1].properties).sort()).toEqual(
      [...BODY_FILE_KEYS].sort(),
    )
  })
})

describe('duplicate keys', () => {
  it('keep the last value, as JSON.parse does, and are said with their place', async () => {
    const dir = tempDir('dup')
    writeFileSync(join(dir, 'r.json'), '{\n  "url": "http://first/",\n  "url": "http://second/"\n}\n')
    const result = await runCli(['parse', 'r.json'], { cwd: dir })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)[0].requests[0].url.raw).toBe('http://second/')
    expect(result.stderr).toContain('warning: Duplicate key `url`: the last one counts, as in JSON.parse')
    expect(result.stderr).toContain('--> r.json:3:3')
  })
})
