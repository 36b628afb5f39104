// Output for CI and editors: GitHub Actions annotations (--report github) and one-line errors a
// problem matcher reads (--error-format short).
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { basename, dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { json, type TestServer, startServer } from '../helpers/server.js'
import { tempDir } from '../helpers/temp.js'

const xmllint = (() => {
  try {
    execFileSync('which', ['xmllint'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const root = join(import.meta.dirname, '..', '..')
const XSD = join(import.meta.dirname, '..', 'fixtures', 'junit', 'junit.xsd')

/** xmllint's verdict on a file against the JUnit schema: '' when valid, else its complaints. */
async function junitProblems(file: string): Promise<string> {
  try {
    await promisify(execFile)('xmllint', ['--noout', '--schema', XSD, file])
    return ''
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error)
  }
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const file = `### ok
GET {{base}}/ok

### wrong
# @assert $.n == 2
GET {{base}}/ok

### undefined
GET {{base}}/{{missing}}
`

async function setUp(): Promise<string> {
  server = await startServer({ 'GET /ok': (_req, res) => json(res, { n: 1 }) })
  const dir = tempDir('ci')
  writeFileSync(join(dir, 'api, v1.http'), file)
  return dir
}

describe('CI formats', () => {
  it('writes a GitHub Actions annotation per failed assertion and error, escaped', async () => {
    const dir = await setUp()
    const result = await runCli(
      ['test', 'api, v1.http', '--report', 'github', '--report', 'github=ann.txt', '--var', `base=${server!.url}`],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(3)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(
        /^::error file=api%2C v1\.http,line=5,col=3,title=reqchain%3A assertion failed::`\$\.n` == 2: actual 1$/,
      ),
      expect.stringMatching(
        /^::error file=api%2C v1\.http,line=9,col=\d+,title=reqchain%3A RENDER_UNDEFINED_VAR::Undefined variable `missing`/,
      ),
    ])
    expect(readFileSync(join(dir, 'ann.txt'), 'utf8')).toBe(`${lines.join('\n')}\n`)
  })

  it('keeps annotations off a body on stdout, each on a line of its own, with paths from the repository root', async () => {
    const dir = await setUp()
    writeFileSync(join(dir, 'last.http'), '# @assert $.n == 2\nGET {{base}}/ok\n')
    const env = { GITHUB_WORKSPACE: dirname(dir) }
    const run = await runCli(['run', 'last.http', '--report', 'github', '--var', `base=${server!.url}`], {
      cwd: dir,
      env,
    })
    expect(run.exitCode).toBe(4)
    // The body, whole and alone, with no newline of its own: jq reads it as it came.
    expect(run.stdout).toBe('{"n":1}')
    const annotations = run.stderr.split('\n').filter((line) => line.includes('::error'))
    expect(annotations).toEqual([
      `::error file=${basename(dir)}/last.http,line=1,col=3,title=reqchain%3A assertion failed::\`$.n\` == 2: actual 1`,
    ])
    // Without a body on stdout (test, or run -o), stdout holds the annotations, one command a line.
    const tested = await runCli(['test', 'last.http', '--report', 'github', '--var', `base=${server!.url}`], {
      cwd: dir,
      env,
    })
    expect(tested.stdout.split('\n')).toEqual([annotations[0], ''])
    const saved = await runCli(
      ['run', 'last.http', '-o', 'body.json', '--report', 'github', '--var', `base=${server!.url}`],
      { cwd: dir, env },
    )
    expect(saved.stdout).toBe(`${annotations[0]}\n`)
  })

  it('prints one line per problem with --error-format short', async () => {
    const dir = await setUp()
    const result = await runCli(['test', 'api, v1.http', '--error-format', 'short', '--var', `base=${server!.url}`], {
      cwd: dir,
    })
    // Every problem is a line the shipped problem matchers (VS Code's and GitHub's) read.
    const matcher = JSON.parse(readFileSync(join(root, 'matchers', 'vscode.json'), 'utf8')) as {
      pattern: { regexp: string }
    }
    const github = JSON.parse(readFileSync(join(root, 'matchers', 'github.json'), 'utf8')) as {
      problemMatcher: [{ pattern: [{ regexp: string }] }]
    }
    expect(github.problemMatcher[0].pattern[0].regexp).toBe(matcher.pattern.regexp)
    const pattern = new RegExp(matcher.pattern.regexp)
    const problems = result.stderr.split('\n').filter((l) => pattern.test(l))
    expect(problems).toEqual([
      'api, v1.http:5:3: error: assertion failed: `$.n` == 2: actual 1',
      expect.stringMatching(/^api, v1\.http:9:\d+: error: Undefined variable `missing` \(`missing` is not set\./),
    ])
    expect(problems.map((line) => line.match(pattern)!.slice(1, 5))).toEqual([
      ['api, v1.http', '5', '3', 'error'],
      ['api, v1.http', '9', expect.stringMatching(/^\d+$/), 'error'],
    ])
    writeFileSync(join(dir, 'bad.http'), 'GET http://h/\nnot a header\n')
    const load = await runCli(['run', 'bad.http', '--error-format=short'], { cwd: dir })
    expect(load.exitCode).toBe(2)
    expect(load.stderr).toMatch(/^bad\.http:2:1: error: Expected a header `Name: value` \(leave an empty line/)
  })

  it('names JUnit test cases the same in every run and after edits above them: the name, else the URL as written', async () => {
    const dir = await setUp()
    writeFileSync(join(dir, 'plain.http'), 'GET {{base}}/ok?id={{$uuid}}\n')
    await runCli(['test', 'plain.http', '--report', 'junit=r.xml', '--var', `base=${server!.url}`], { cwd: dir })
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8')
    expect(xml).toContain('<testcase name="GET {{base}}/ok?id={{$uuid}} (line 1)"')
    // A named request keeps its case name when lines are added above it; two of one name keep their lines.
    writeFileSync(
      join(dir, 'named.http'),
      '# a comment added later\n\n### login\nGET {{base}}/ok\n\n### twice\nGET {{base}}/ok\n\n### twice\nGET {{base}}/ok\n',
    )
    await runCli(['test', 'named.http', '--report', 'junit=n.xml', '--var', `base=${server!.url}`], { cwd: dir })
    const names = [...readFileSync(join(dir, 'n.xml'), 'utf8').matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1])
    expect(names).toEqual(['login', 'twice (line 7)', 'twice (line 10)'])
    expect(xml).toMatch(
      /<system-out>GET http:\/\/127\.0\.0\.1:\d+\/ok\?id=[0-9a-f-]{36} → 200 OK · \d+ ms · 7 bytes<\/system-out>/,
    )
  })

  it('gives an errored JUnit case the time it took: a timeout is not 0 seconds', async () => {
    server = await startServer({ 'GET /never': () => undefined })
    const dir = tempDir('ci')
    writeFileSync(join(dir, 'slow.http'), `### slow\nGET ${server.url}/never\n`)
    const result = await runCli(['test', 'slow.http', '--max-time', '0.3', '--report', 'junit=r.xml'], { cwd: dir })
    expect(result.exitCode).toBe(3)
    const time = Number(
      readFileSync(join(dir, 'r.xml'), 'utf8').match(/<testcase name="slow"[^>]* time="([\d.]+)"/)![1],
    )
    expect(time).toBeGreaterThanOrEqual(0.29)
    expect(time).toBeLessThan(2)
  })

  it('writes a JUnit test case per assertion with --junit-cases assertion, counted in the totals', async () => {
    const dir = await setUp()
    writeFileSync(
      join(dir, 'asserts.http'),
      '### two\n# @name two\n# @assert status == 200\n# @assert $.n == 2\nGET {{base}}/ok\n\n### none\nGET {{base}}/ok\n',
    )
    const result = await runCli(
      ['test', 'asserts.http', '--report', 'junit=r.xml', '--junit-cases', 'assertion', '--var', `base=${server!.url}`],
      { cwd: dir },
    )
    expect(result.exitCode).toBe(4)
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8')
    expect(xml).toContain('<testsuites name="reqchain" tests="3" failures="1" errors="0" skipped="0"')
    expect(xml).toContain(
      '<testcase name="two › status == 200" classname="asserts.http" file="asserts.http" line="3" time="0.000"/>',
    )
    expect(xml).toMatch(
      /<testcase name="two › \$\.n == 2" classname="asserts.http" file="asserts.http" line="4" time="0.000">\n {6}<failure message="[^"]+" type="assertion">/,
    )
    expect(xml).toContain('<testcase name="none"')
    expect((await runCli(['test', 'asserts.http', '--junit-cases', 'each'], { cwd: dir })).exitCode).toBe(1)
  })

  it.runIf(xmllint)(
    'writes JUnit that the JUnit schema accepts, per request and per assertion, with errors, skips and dataset rows (needs xmllint: apt-get install libxml2-utils)',
    async () => {
      const dir = await setUp()
      writeFileSync(join(dir, 'rows.csv'), 'q\na\nb\n')
      writeFileSync(
        join(dir, 'skip.http'),
        '# @assert status == 500\nGET {{base}}/ok\n\n###\nGET {{base}}/ok?q={{q}}\n',
      )
      const base = ['--var', `base=${server!.url}`]
      await runCli(['test', 'api, v1.http', 'skip.http', '--report', 'junit=requests.xml', ...base], { cwd: dir })
      await runCli(['test', 'api, v1.http', '--report', 'junit=asserts.xml', '--junit-cases', 'assertion', ...base], {
        cwd: dir,
      })
      await runCli(
        [
          'test',
          'skip.http',
          '--bail',
          '--dataset',
          'rows.csv',
          '--row-name',
          'q',
          '--report',
          'junit=rows.xml',
          ...base,
        ],
        { cwd: dir },
      )
      for (const name of ['requests.xml', 'asserts.xml', 'rows.xml'])
        expect(await junitProblems(join(dir, name)), name).toBe('')
      expect(readFileSync(join(dir, 'rows.xml'), 'utf8')).toContain('<skipped')
      // The schema does reject what is not JUnit.
      writeFileSync(
        join(dir, 'bad.xml'),
        '<testsuites><testsuite name="x" tests="one" failures="0" errors="0"><case/></testsuite></testsuites>',
      )
      expect(await junitProblems(join(dir, 'bad.xml'))).toMatch(/fails to validate/)
    },
  )
})
