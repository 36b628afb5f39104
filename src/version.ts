// The build replaces REQCHAIN_VERSION with package.json's version; tests read package.json.
import { createRequire } from 'node:module'

declare const REQCHAIN_VERSION: string | undefined

export const VERSION: string =
  typeof REQCHAIN_VERSION === 'string'
    ? REQCHAIN_VERSION
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version
