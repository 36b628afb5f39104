// The redirect rules on their own: what may follow a request to the next URL.
import { describe, expect, it } from 'vitest'
import { SendError } from '../../src/errors.js'
import type { HttpRequest } from '../../src/model.js'
import { followRedirect } from '../../src/send/redirect.js'
import { Secrets } from '../../src/secrets.js'
import { thrown } from '../helpers/thrown.js'

const secrets = new Secrets()
secrets.add({ name: 'apiKey', value: 'sk-abcdef123456', source: 'dotenv' })
const policy = { follow: true, max: 10, allowHttpDowngrade: false, secrets }
const request: HttpRequest = {
  method: 'POST',
  url: 'http://127.0.0.1:8080/start',
  headers: [
    ['Authorization', 'Bearer sk-abcdef123456'],
    ['X-Mine', 'q=sk-abcdef123456'],
    ['Content-Type', 'text/plain'],
    ['X-Trace', '1'],
  ],
  body: new TextEncoder().encode('hello'),
}
const names = (r: HttpRequest) => r.headers.map(([n]) => n)

describe('followRedirect', () => {
  it('treats localhost and 127.0.0.1 as two origins, and so another port or scheme', () => {
    for (const location of [
      'http://localhost:8080/next',
      'http://127.0.0.1:8081/next',
      'https://127.0.0.1:8080/next',
    ]) {
      expect(names(followRedirect(request, 302, location, 1, new Set(), policy, undefined)), location).toEqual([
        'X-Trace',
      ])
    }
    expect(names(followRedirect(request, 302, '/next', 1, new Set(), policy, undefined))).toEqual([
      'Authorization',
      'X-Mine',
      'X-Trace',
    ])
  })

  it('turns 301/302/303 into a GET without the body, and keeps both on 307/308', () => {
    expect(followRedirect(request, 303, '/next', 1, new Set(), policy, undefined)).toMatchObject({
      method: 'GET',
      url: 'http://127.0.0.1:8080/next',
    })
    expect(followRedirect(request, 303, '/next', 1, new Set(), policy, undefined).body).toBeUndefined()
    const kept = followRedirect(request, 308, 'http://localhost:9/next', 1, new Set(), policy, undefined)
    expect(kept.method).toBe('POST')
    expect(new TextDecoder().decode(kept.body)).toBe('hello')
    expect(names(kept)).toEqual(['Content-Type', 'X-Trace'])
  })

  it('stops past the limit, saying when the URLs go round in a loop', () => {
    const error = thrown(
      () => followRedirect(request, 302, '/start', 11, new Set(['http://127.0.0.1:8080/start']), policy, undefined),
      SendError,
    )
    expect(error.code).toBe('SEND_REDIRECT')
    expect(error.message).toContain('in a loop')
  })
})
