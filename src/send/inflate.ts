// Response bodies decoded from gzip, deflate and brotli, with limits, so a small compressed body
// cannot take the machine's memory (a 4 MB gzip of zeros inflates to 4 GB):
//   - --max-filesize: the decoded body may not pass this many bytes (any body, compressed or not);
//   - --max-inflate-ratio: once the decoded body passes 16 MiB it may be at most this many times
//     the compressed bytes read so far (default 100; 0 turns the check off).
// Both end the request with a runtime error that names the limit and the flag that raises it.
import type { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream'
import { nodeZlib } from '../builtins.js'

export type BodyLimits = {
  /** Bytes; undefined for no limit. */
  readonly maxBytes?: number
  /** Decoded bytes per compressed byte; 0 for no limit. */
  readonly maxRatio: number
}

export const DEFAULT_MAX_INFLATE_RATIO = 100
/** Below this many decoded bytes the ratio is not checked: small bodies compress very well. */
const RATIO_FLOOR = 16 * 1024 * 1024

export type DecodedBody = {
  readonly stream: Readable
  /** Compressed bytes the decoder has taken in so far; undefined for a body sent as is. */
  readonly compressedBytes: () => number | undefined
}

export function decodedBody(body: Readable, encoding: string | undefined): DecodedBody {
  const decoder = decoderFor(encoding)
  if (!decoder) return { stream: body, compressedBytes: () => undefined }
  return {
    stream: pipeline(body, decoder, ignore),
    compressedBytes: () => (decoder as Transform & { bytesWritten: number }).bytesWritten,
  }
}

/** Why the body breaks a limit at `size` decoded bytes, or undefined while it does not. */
export function limitBroken(size: number, decoded: DecodedBody, limits: BodyLimits): string | undefined {
  if (limits.maxBytes !== undefined && size > limits.maxBytes) {
    return `the body is larger than --max-filesize ${formatLimit(limits.maxBytes)}`
  }
  if (limits.maxRatio > 0 && size > RATIO_FLOOR) {
    const compressed = decoded.compressedBytes()
    if (compressed !== undefined && size > compressed * limits.maxRatio) {
      return `the body inflates more than ${limits.maxRatio}× (${compressed} compressed bytes gave ${size}): a decompression bomb?`
    }
  }
  return undefined
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return nodeZlib().createGunzip()
    case 'deflate':
      return nodeZlib().createInflate()
    case 'br':
      return nodeZlib().createBrotliDecompress()
    default:
      return undefined
  }
}

export function formatLimit(bytes: number): string {
  for (const [unit, size] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes} bytes`
}

/** Errors surface through the stream being read; pipeline's callback has nothing to add. */
function ignore(): void {}
