// What a command line means once parsed: each command's options, typed. cli/options.ts makes
// them; the commands (cli/main.ts and its rooms) read them.
import type { ColorChoice } from '../report/style.js'
import type { ShellName } from '../report/curl.js'
import type { ReportTarget } from '../report/formatter.js'

export type VarOptions = {
  readonly env?: string
  readonly envFiles: readonly string[]
  readonly vars: Readonly<Record<string, string>>
  readonly secrets: readonly string[]
  /** --file-root DIR: the folder request files may read files in (default: see load/input-file.ts). */
  readonly fileRoot?: string
}

export type RunOptions = VarOptions & {
  readonly command: 'run' | 'test'
  readonly paths: readonly string[]
  readonly names: readonly string[]
  /** The whole request (--max-time, or --timeout); 0 for no limit. */
  readonly maxTimeMs: number
  /** Silence before the response and between chunks (--idle-timeout, or --timeout); 0 for no limit. */
  readonly idleTimeoutMs: number
  /** How long each script may run (--script-timeout); 0 for no limit. */
  readonly scriptTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly maxRedirects: number
  readonly allowHttpRedirect: boolean
  readonly maxFilesize?: number
  readonly maxInflateRatio: number
  readonly extract?: string
  readonly rawOutput: boolean
  readonly verbose: boolean
  readonly output?: string
  readonly quiet: boolean
  readonly all: boolean
  readonly fail: boolean
  readonly raw: boolean
  readonly mock: boolean
  readonly curl: boolean
  readonly showSecrets: boolean
  readonly allowInvalidJson: boolean
  readonly color: ColorChoice
  readonly errorFormat: 'full' | 'short'
  readonly insecure: boolean
  readonly cacert: readonly string[]
  readonly cert?: string
  readonly key?: string
  readonly pass?: string
  readonly http2: boolean
  readonly http2PriorKnowledge: boolean
  readonly unixSocket?: string
  /** `host:port` (lower case) → where to connect instead. */
  readonly connectTo: ReadonlyMap<string, { readonly host: string; readonly port?: number }>
  readonly maxHeaderSize: number
  readonly cookies: boolean
  readonly cookieJar?: string
  readonly proxy?: string
  readonly noProxy?: string
  readonly retry: {
    readonly count: number
    readonly delayMs: number
    readonly maxTimeMs: number
    readonly all: boolean
  }
  readonly dryRun: boolean
  readonly dataset?: string
  readonly rows?: string
  readonly limit?: number
  readonly results?: string
  /** With --dataset: the column whose value names a row's test cases in JUnit. */
  readonly rowName?: string
  /** Of a CSV results file: dotted paths into the results line. */
  readonly columns?: readonly string[]
  /** `--shard K/N`: this machine's part of the rows (or of the files, in test mode), 1-based. */
  readonly shard?: { readonly index: number; readonly count: number }
  /** `--shard auto`: the shard comes from the CI's environment when the run starts (and --shard-count). */
  readonly shardAuto?: { readonly count?: number }
  /** --matrix NAME=a,b: every combination of these variables' values, each a run of the collection. */
  readonly matrix: readonly (readonly [string, readonly string[]])[]
  /** --markdown: directories contribute their Markdown documents too. */
  readonly markdown: boolean
  /** --update: Markdown documents' response blocks are rewritten, not checked; --add-responses adds missing ones. */
  readonly update: boolean
  readonly addResponses: boolean
  /** --ignore: JSONPaths left out of comparisons (with --compare, and for documents' response blocks). */
  readonly ignore: readonly string[]
  /** Several --env: the collection runs once per environment, a dimension of the matrix named `env`. */
  readonly environments: readonly string[]
  /** --repeat N: each chain runs N times (LLM replies vary). */
  readonly repeat: number
  /** --pass-rate R: test passes when each request passes in at least this share of its runs. */
  readonly passRate?: number
  readonly bail: boolean
  readonly parallel: number
  readonly reports: readonly ReportTarget[]
  /** JUnit test cases: one per request (default) or one per assertion. */
  readonly junitCases: 'request' | 'assertion'
  /** --record DIR: every exchange written to DIR. */
  readonly record?: string
  /** --replay DIR: every request answered from DIR's recording, by a server on loopback. */
  readonly replay?: string
  /** Pace of replayed streams: 1 as recorded, 2 twice as fast, 0 no waiting. */
  readonly replaySpeed: number
  /** --compare DIR (or `reqchain diff DIR`): each exchange compared with DIR's recording. */
  readonly compare?: { readonly dir: string; readonly ignore: readonly string[]; readonly headers: readonly string[] }
  /** `reqchain diff DIR`: the request files are the recording's own. */
  readonly filesFromRecording?: boolean
}

export type Options =
  | RunOptions
  | { readonly command: 'parse'; readonly paths: readonly string[] }
  | {
      readonly command: 'merge'
      readonly paths: readonly string[]
      readonly results?: string
      readonly junit?: string
      readonly json?: string
    }
  | { readonly command: 'completion'; readonly shell: 'bash' | 'zsh' | 'fish' }
  | {
      readonly command: 'import'
      readonly format: 'curl' | 'har'
      readonly source: string
      readonly showSecrets: boolean
      readonly all: boolean
      readonly filter?: string
    }
  | (VarOptions & {
      readonly command: 'curl'
      readonly paths: readonly string[]
      readonly names: readonly string[]
      readonly showSecrets: boolean
      readonly allowInvalidJson: boolean
      readonly insecure: boolean
      readonly shell: ShellName
    })
  | {
      readonly command: 'serve'
      readonly port: number
      readonly host: string
      readonly apiKey?: string
      readonly fault?: string
      readonly models?: readonly string[]
      readonly replay?: string
      readonly replaySpeed: number
    }
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'version'; readonly text: string }
