// curl export for PowerShell and cmd. Neither shell runs on this machine, so the commands are
// read back by models of the documented rules — PowerShell 7.3's quoting; cmd's ^ escapes and %%
// in a batch file, then the Microsoft C runtime's argument parsing in curl.exe — and must give back
// exactly the words the request needs. The POSIX form is checked with the real sh and curl elsewhere.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp.js'
import { toCurl } from '../../src/report/curl.js'
import { Secrets } from '../../src/secrets.js'

const tricky = `{"q": "It's \\"quoted\\" 50% & <b> | ^caret (x) !bang $HOME \`tick\` \\\\ end\\\\", "smart": "‘a’ “b”"}`
const request = {
  method: 'POST',
  url: 'https://api.example.com/v1/chat?q=a%20b&x=1',
  headers: [
    ['Content-Type', 'application/json'],
    ['Authorization', 'Bearer sk-live-123456'],
    ['X-Note', 'say "hi" 100%'],
  ] as [string, string][],
  body: Buffer.from(tricky),
}
const secrets = new Secrets(new Set(), false)
secrets.noteVariable('apiKey', 'sk-live-123456')

/** PowerShell: '…' ('' for '), "…" with ` escapes and $env:NAME; words split at unquoted spaces, ` + newline continues. */
function powershellWords(command: string, env: Record<string, string>): string[] {
  const words: string[] = []
  let i = 0
  const text = command.replace(/ `\n\s*/g, ' ')
  while (i < text.length) {
    while (text[i] === ' ') i++
    if (i >= text.length) break
    let word = ''
    while (i < text.length && text[i] !== ' ') {
      const c = text[i]!
      if ("'‘’‚‛".includes(c)) {
        i++
        for (;;) {
          if ("'‘’‚‛".includes(text[i]!)) {
            if ("'‘’‚‛".includes(text[i + 1] ?? '\0')) {
              word += text[i + 1]
              i += 2
              continue
            }
            i++
            break
          }
          word += text[i++]
        }
      } else if ('"“”„'.includes(c)) {
        i++
        while (!'"“”„'.includes(text[i]!)) {
          if (text[i] === '`') {
            word += text[i + 1]
            i += 2
            continue
          }
          const variable = text.slice(i).match(/^\$env:(\w+)/)
          if (variable) {
            word += env[variable[1]!] ?? ''
            i += variable[0].length
            continue
          }
          word += text[i++]
        }
        i++
      } else {
        word += c
        i++
      }
    }
    words.push(word)
  }
  return words
}

/** cmd in a batch file: %NAME% expanded, %% → %, ^ escapes the next character, ^ + newline continues; then the C runtime splits argv. */
function cmdWords(command: string, env: Record<string, string>): string[] {
  let line = ''
  const text = command.replace(/ \^\r?\n\s*/g, ' ')
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '%') {
      if (text[i + 1] === '%') {
        line += '%'
        i++
        continue
      }
      const end = text.indexOf('%', i + 1)
      line += env[text.slice(i + 1, end)] ?? ''
      i = end
      continue
    }
    if (c === '^') {
      line += text[++i]
      continue
    }
    if ('&|<>'.includes(c)) throw new Error(`cmd would act on an unescaped ${c}`)
    line += c
  }
  // The C runtime's rules: 2n backslashes before a quote are n and the quote toggles; 2n+1 are n and a literal quote.
  const words: string[] = []
  let word = ''
  let quoted = false
  let started = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\') {
      let n = 0
      while (line[i] === '\\') {
        n++
        i++
      }
      if (line[i] === '"') {
        word += '\\'.repeat(Math.floor(n / 2))
        if (n % 2 === 1) word += '"'
        else {
          quoted = !quoted
          started = true
        }
      } else {
        word += '\\'.repeat(n)
        i--
      }
      continue
    }
    if (c === '"') {
      quoted = !quoted
      started = true
      continue
    }
    if (c === ' ' && !quoted) {
      if (word !== '' || started) words.push(word)
      word = ''
      started = false
      continue
    }
    word += c
  }
  if (word !== '' || started) words.push(word)
  return words
}

const expected = [
  'curl.exe',
  '-L',
  'https://api.example.com/v1/chat?q=a%20b&x=1',
  '-H',
  'Authorization: Bearer sk-live-123456',
  '-H',
  'X-Note: say "hi" 100%',
  '--json',
  tricky,
]

describe('curl export for Windows shells', () => {
  it('quotes for PowerShell 7.3+: every word comes back exact, the secret from $env', () => {
    const command = toCurl(request, { secrets, followRedirects: true, shell: 'powershell' })
    expect(command).toContain('"Authorization: Bearer $env:apiKey"')
    expect(command).not.toContain('sk-live-123456')
    expect(powershellWords(command, { apiKey: 'sk-live-123456' })).toEqual(expected)
  })

  it('quotes for a cmd batch file: every word comes back exact through ^, %% and the C runtime, the secret from %NAME%', () => {
    const command = toCurl(request, { secrets, followRedirects: true, shell: 'cmd' })
    expect(command).toContain('%apiKey%')
    expect(command).not.toContain('sk-live-123456')
    expect(cmdWords(command, { apiKey: 'sk-live-123456' })).toEqual(expected)
  })

  it('sends a body with line breaks or any byte from a file it writes first', () => {
    const binary = {
      method: 'POST',
      url: 'http://h/up',
      headers: [['Content-Type', 'application/octet-stream']] as [string, string][],
      body: Buffer.from([0, 1, 2, 255, 10]),
    }
    const ps = toCurl(binary, { shell: 'powershell' })
    expect(ps).toMatch(
      /^\[IO\.File\]::WriteAllBytes\("\$env:TEMP\\reqchain-body\.bin", \[Convert\]::FromBase64String\('AAEC\/wo='\)\)\n/,
    )
    expect(ps).toContain('--data-binary "@$env:TEMP\\reqchain-body.bin"')
    const multiline = {
      ...binary,
      headers: [['Content-Type', 'text/plain']] as [string, string][],
      body: Buffer.from('line one\nline two'),
    }
    const cmd = toCurl(multiline, { shell: 'cmd' })
    expect(cmd).toContain(`echo ${Buffer.from('line one\nline two').toString('base64')}`)
    expect(cmd).toContain('certutil -f -decode "%TEMP%\\reqchain-body.b64" "%TEMP%\\reqchain-body.bin" >nul')
    expect(cmd).toContain('--data-binary "@%TEMP%\\reqchain-body.bin"')
  })

  it('writes a whole chain as a PowerShell script or a batch file, values known at run time as $env:NAME / %NAME%', async () => {
    const dir = tempDir('shells')
    writeFileSync(
      join(dir, 'chain.http'),
      '### login\n# @capture token = $.token\nPOST http://127.0.0.1:9/login\n\n### me\nGET http://127.0.0.1:9/me\nAuthorization: Bearer {{token}}\n',
    )
    const ps = await runCli(['curl', 'chain.http', '--shell', 'powershell'], { cwd: dir })
    expect(ps.exitCode, ps.stderr).toBe(0)
    expect(ps.stdout).toContain('#   $env:token: captured by `login` at chain.http:3 from $.token')
    expect(ps.stdout).toContain('-H "Authorization: Bearer $env:token"')
    const cmd = await runCli(['curl', 'chain.http', '--shell', 'cmd'], { cwd: dir })
    expect(cmd.stdout.startsWith('@echo off\r\nREM Values known only at run time')).toBe(true)
    expect(cmd.stdout).toContain('REM   %token%: captured by `login`')
    expect(cmd.stdout).toContain('-H ^"Authorization: Bearer %token%^"')
    expect(cmd.stdout.replace(/\r\n/g, '')).not.toContain('\n')
    expect((await runCli(['curl', 'chain.http', '--shell', 'fish'], { cwd: dir })).exitCode).toBe(1)
  })
})
