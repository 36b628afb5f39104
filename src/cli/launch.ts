// The executable, kept tiny: it answers --version (-V) by itself and loads the bundled CLI through a
// V8 code cache, so a run skips compiling reqchain and its dependencies (about 70 ms a start).
// Node 20 has no module compile cache of its own; vm.Script with cachedData is the same mechanism.
//
// Libraries that only some runs use (Handlebars, jsonpath-plus, yargs' help, ajv, dotenv) are
// bundled apart, each with its own cache, and loaded when the CLI first imports them: a run that
// needs none of them reads and deserialises about a third less.
//
// The caches in dist/ fit the Node (and V8 flags) that built them. Another Node, or other flags,
// gets caches of its own in the user's cache folder, keyed by V8's cache version tag
// ($XDG_CACHE_HOME/reqchain/<tag>/, else ~/.cache, ~/Library/Caches or %LOCALAPPDATA%): dist/
// is never rewritten for them (and may be read-only, as a global install often is).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { Script } from 'node:vm'

declare const REQCHAIN_VERSION: string
/** V8's cache version tag of the Node that built dist/ (and made its caches). */
declare const REQCHAIN_BUILD_TAG: number
/** File names in dist/ of the CLI bundle and of each library bundled apart. */
declare const REQCHAIN_SCRIPTS: { readonly cli: string; readonly libraries: Readonly<Record<string, string>> }

type ScriptFunction = (
  exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string,
  loadLibrary: (name: string) => unknown,
) => void

const libraries = new Map<string, unknown>()

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${REQCHAIN_VERSION}\n`)
} else {
  runScript(REQCHAIN_SCRIPTS.cli)
}

/** The exports of a library bundled apart; the CLI bundle calls this where it imports one. */
function loadLibrary(name: string): unknown {
  if (!libraries.has(name)) {
    const file = REQCHAIN_SCRIPTS.libraries[name]
    if (file === undefined) throw new Error(`reqchain: no library named ${name} in this build`)
    libraries.set(name, runScript(file))
  }
  return libraries.get(name)
}

function runScript(name: string): unknown {
  const file = join(__dirname, name)
  // The cache sits beside its script; both names carry the script's content hash, so a cache is
  // never applied to other source (V8 itself only checks the source's length).
  const cacheFile = file.replace(/\.js$/, '.cache')
  // Each script is one function expression in ASCII, the shape of Node's CommonJS wrapper.
  const source = readFileSync(file, 'latin1')
  const compile = (cachedData: Buffer | undefined) => new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) })
  const built = readIfThere(cacheFile) // missing only on the first run after a build that made none
  let script = compile(built)
  if (!built || script.cachedDataRejected) {
    // Another Node or other flags (or a damaged cache in a read-only dist/): the user's cache folder.
    const tag = cacheTag()
    const own = join(userCacheDir(tag), basename(cacheFile))
    const ownData = readIfThere(own)
    if (ownData) script = compile(ownData)
    // Written at exit so it holds every function the run compiled.
    if (!ownData || script.cachedDataRejected) process.once('exit', () => saveCache(script, tag === REQCHAIN_BUILD_TAG ? cacheFile : own, tag, own))
  }
  const module = { exports: {} }
  const run = script.runInThisContext() as ScriptFunction
  run.call(module.exports, module.exports, createRequire(file), module, file, __dirname, loadLibrary)
  return module.exports
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}

/** Where caches for a Node other than the build's go. */
function userCacheDir(tag: number): string {
  const env = process.env
  const home = (require('node:os') as typeof import('node:os')).homedir()
  const base = env['XDG_CACHE_HOME'] || (process.platform === 'darwin' ? join(home, 'Library', 'Caches')
    : process.platform === 'win32' ? env['LOCALAPPDATA'] || join(home, 'AppData', 'Local') : join(home, '.cache'))
  return join(base, 'reqchain', String(tag))
}

function cacheTag(): number {
  return (require('node:v8') as typeof import('node:v8')).cachedDataVersionTag()
}

/** Beside the script for the build's own Node, else (or when dist/ is read-only) in the user's folder. */
function saveCache(script: Script, cacheFile: string, tagAtLoad: number, fallback: string): void {
  // A script loaded while other V8 flags were in force would get a cache the next start rejects.
  if (cacheTag() !== tagAtLoad) return
  if (!write(script, cacheFile) && fallback !== cacheFile) write(script, fallback)
}

function write(script: Script, cacheFile: string): boolean {
  const partial = `${cacheFile}.${process.pid}.tmp`
  try {
    mkdirSync(join(cacheFile, '..'), { recursive: true })
    writeFileSync(partial, script.createCachedData())
    renameSync(partial, cacheFile) // whole or not at all: concurrent runs never read half a cache
    return true
  } catch {
    return false // no writable place: every start compiles, which is correct, only slower
  }
}
