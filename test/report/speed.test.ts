// Stream speed as the summary line says it: tokens per second only from the server's own count and
// over the time the text took to arrive, chunks per second said as such, nothing for an instant.
import { describe, expect, it } from 'vitest'
import type { Exchange, StreamInfo } from '../../src/model.js'
import { speedOf } from '../../src/report/console.js'

function exchange(stream: Partial<StreamInfo>, firstTokenMs?: number, lastTokenMs?: number): Exchange {
  return {
    request: { method: 'POST', url: 'http://h/', headers: [] },
    status: 200,
    statusText: 'OK',
    httpVersion: '1.1',
    headers: [],
    body: new Uint8Array(),
    bodySize: 0,
    stream: { format: 'sse', chunks: 10, ending: 'done', contentChunks: 10, ...stream },
    timings: {
      startedAt: '',
      ttfbMs: 1,
      ...(firstTokenMs !== undefined ? { firstTokenMs, lastTokenMs: lastTokenMs ?? firstTokenMs } : {}),
      totalMs: 500,
    },
  }
}

describe('speedOf', () => {
  it("counts tokens per second from the first token to the last, with the server's count", () => {
    expect(speedOf(exchange({ completionTokens: 41, contentChunks: 41 }, 100, 1100))).toEqual([
      '41 tokens · 40.0 tok/s',
    ])
    // 41 tokens in 11 chunks: the ten chunks after the first carry 10/11 of them.
    expect(speedOf(exchange({ completionTokens: 41, contentChunks: 11 }, 100, 1100))).toEqual([
      '41 tokens · 37.3 tok/s',
    ])
  })
  it('leaves out the chunks a late reader read at once with the first: they arrived before it looked', () => {
    // 21 tokens; 16 read in one burst at 100 ms, the last 5 over the 50 ms after: 100 tok/s, not 400.
    expect(speedOf(exchange({ completionTokens: 21, contentChunks: 21, firstReadChunks: 16 }, 100, 150))).toEqual([
      '21 tokens · 100.0 tok/s',
    ])
    expect(speedOf(exchange({ completionTokens: 21, contentChunks: 21, firstReadChunks: 21 }, 100, 150))).toEqual([
      '21 tokens',
    ])
  })
  it('says chunks per second, not tokens, when the server sent no count', () => {
    expect(speedOf(exchange({ contentChunks: 21 }, 100, 1100))).toEqual(['≈ 20.0 chunks/s'])
  })
  it('gives no figure for a stream whose text arrived within a millisecond', () => {
    expect(speedOf(exchange({ completionTokens: 5 }, 100, 100.5))).toEqual(['5 tokens'])
    expect(speedOf(exchange({}, 100, 100.5))).toEqual([])
  })
  it("shows llama-server's own speed beside", () => {
    expect(
      speedOf(
        exchange(
          { completionTokens: 3, contentChunks: 3, serverSpeed: { predictedPerSecond: 87.25, promptPerSecond: 1200 } },
          10,
          20,
        ),
      ),
    ).toEqual(['3 tokens · 200.0 tok/s', 'server 87.3 tok/s (prompt 1200.0 tok/s)'])
  })
})
