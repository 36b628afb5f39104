// The quick parse must agree with yargs on every command line: same options, or the same usage
// error, because the quick path hands anything unusual to yargs.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseOptions } from '../../src/cli/options.js'

async function outcome(argv: string[], quick: boolean): Promise<unknown> {
  try {
    return { options: await parseOptions(argv, { quick }) }
  } catch (error) {
    return { error: (error as Error).message, hint: (error as { hint?: string }).hint }
  }
}

const SAMPLES = [
  ['run', 'a.http'],
  ['run', 'a.http', 'b.json', '--var', 'model=x', '--var', 'k=v=w', '-e', '$.choices[0].message.content', '-r'],
  [
    'run',
    'a.http',
    '--no-bail',
    '--timeout',
    '0',
    '--connect-timeout=2.5',
    '-v',
    '-q',
    '--all',
    '-f',
    '--raw',
    '--curl',
  ],
  ['run', '--env', 'local', '--env-file', '.env.ci', 'a.http', '--secret', 'token', '--show-secrets', '-k'],
  ['run', 'a.http', '-n', 'ask', '--name', 'follow', '-o', 'out.bin', '--report', 'junit=r.xml', '--report', 'md=r.md'],
  ['run', 'a.http', '--', '--not-a-flag'],
  ['run', 'a.http', '--bail=false', '--mock'],
  ['test', 'requests/', '--parallel', '4', '--report', 'json=r.json'],
  ['parse', 'a.http', 'b.http'],
  ['curl', 'a.http#ask', '--show-secrets', '--var', 'x=1'],
  ['serve', '--port', '0', '--host', '0.0.0.0', '--api-key', 'k', '--fault', 'drop-after=3', '--models', 'a,b'],
  ['serve'],
  ['run', 'a.http', '--nope'],
  ['run'],
  ['serve', 'extra'],
  ['run', 'a.http', '--timeout', 'abc'],
  ['run', 'a.http', '--rawOutput', '-e', '$.x'],
]

describe('parseOptions', () => {
  it('gives the same result quick or through yargs, for typical and broken command lines', async () => {
    for (const argv of SAMPLES) expect(await outcome(argv, true), argv.join(' ')).toEqual(await outcome(argv, false))
  })

  it('returns help however it is asked for, and prints nothing itself', async () => {
    const written: unknown[] = []
    const log = console.log
    console.log = (...args: unknown[]) => {
      written.push(args)
    }
    try {
      for (const argv of [['run', 'a.http', '-qh'], ['run', '--help'], ['test', '-h', 'x'], []]) {
        const options = await parseOptions(argv)
        expect(options.command, argv.join(' ')).toBe('help')
        expect((options as { text: string }).text).toMatch(/^(Usage: reqchain|reqchain: run HTTP request files)/)
      }
      expect(await parseOptions(['--version'])).toMatchObject({ command: 'version' })
    } finally {
      console.log = log
    }
    expect(written).toEqual([])
  })

  it('gives the same result quick or through yargs, for random command lines', async () => {
    const token = fc.oneof(
      fc.constantFrom(
        '--var',
        '--env',
        '--env-file',
        '--secret',
        '-n',
        '--name',
        '-e',
        '-r',
        '-v',
        '-q',
        '-f',
        '-k',
        '-o',
        '--all',
        '--raw',
        '--curl',
        '--mock',
        '--no-bail',
        '--bail',
        '--timeout',
        '--connect-timeout',
        '--report',
        '--show-secrets',
        '--parallel',
        '--port',
        '--models',
        '--',
        '-',
        '--x',
        '-z',
        '--timeout=5',
        '--var=a=b',
        '--no-mock',
        'junit=r.xml',
        'a=b',
        '12',
        '-1',
        'a.http',
        '--var=',
        '--mock=true',
        '--bail=false',
        'true',
        'false',
        '--timeout=abc',
        '--timeout=1.5',
        '-rq',
        '--no-var',
        '--no-timeout',
        '-e=x',
        '--env=a',
        '--raw-output',
        '--rawOutput',
        '--port=8',
        '--no-raw-output',
        '0x10',
        '1e3',
        '.5',
      ),
      fc.string({ maxLength: 6 }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('run', 'test', 'parse', 'curl', 'serve'),
        fc.array(token, { maxLength: 7 }),
        async (command, rest) => {
          expect(await outcome([command, ...rest], true)).toEqual(await outcome([command, ...rest], false))
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    )
  })
})
