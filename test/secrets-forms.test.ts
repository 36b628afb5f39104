// Masking in every form reqchain writes a secret in, and no more than that.
import { describe, expect, it } from 'vitest'
import { MASK, Secrets } from '../src/secrets.js'

describe('Secrets.mask', () => {
  const secrets = new Secrets()
  const value = 'pa"ss\\wörd 42'
  secrets.add({ name: 'password', value, source: 'dotenv' })

  it('masks the value raw, JSON-escaped once and twice, percent-encoded and in base64 at any alignment', () => {
    const json = JSON.stringify(value).slice(1, -1)
    for (const text of [
      value,
      json,
      JSON.stringify(json).slice(1, -1),
      encodeURIComponent(value),
      encodeURIComponent(value).replace(/%20/g, '+'),
    ]) {
      expect(secrets.mask(`<${text}>`), text).toBe(`<${MASK}>`)
    }
    for (const prefix of ['', 'a', 'ab', 'user:']) {
      const encoded = Buffer.from(`${prefix}${value}`).toString('base64')
      expect(secrets.mask(encoded), prefix).toContain(MASK)
    }
  })

  it('masks URL passwords whatever the variable is called, and names that look secret', () => {
    const fresh = new Secrets()
    fresh.noteVariable('DATABASE_URL', 'postgres://app:s3cr3t-pw@db/app')
    fresh.noteVariable('refresh_token', 'rt-0123456789')
    fresh.noteVariable('author', 'Ada Lovelace')
    expect(fresh.mask('pw s3cr3t-pw, token rt-0123456789, by Ada Lovelace')).toBe(
      `pw ${MASK}, token ${MASK}, by Ada Lovelace`,
    )
    expect(fresh.mask('see https://user:literal@example.com/x')).toBe(`see https://user:${MASK}@example.com/x`)
  })

  it('treats Set-Cookie values as secret', () => {
    const fresh = new Secrets()
    fresh.noteResponseHeaders([
      ['Set-Cookie', 'sid=cookie-value-123; Path=/; HttpOnly'],
      ['Content-Type', 'text/plain'],
    ])
    expect(fresh.mask('Cookie: sid=cookie-value-123')).toBe(`Cookie: sid=${MASK}`)
  })
})
