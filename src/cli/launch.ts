// The executable, kept tiny: it answers --version (-V) by itself and loads the bundled CLI through a
// V8 code cache, so a run skips compiling reqchain and its dependencies (about 70 ms a start).
// Node 20 has no module compile cache of its own; vm.Script with cachedData is the same mechanism.
//
// Libraries that only some runs use (Handlebars, jsonpath-plus, yargs' help, ajv, dotenv) are
// bundled apart, each with its own cache, and loaded when the CLI first imports them: a run that
// needs none of them reads and deserialises about a third less.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Script } from 'node:vm'

declare const REQCHAIN_VERSION: string
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
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // first run after a build, or a read-only install that never had one: compile normally
  }
  // Each script is one function expression in ASCII, the shape of Node's CommonJS wrapper.
  const script = new Script(readFileSync(file, 'latin1'), { filename: file, ...(cachedData ? { cachedData } : {}) })
  if (!cachedData || script.cachedDataRejected) {
    // Written at exit so it holds every function the run compiled. A cache made by another Node
    // version, or under other V8 flags, is rejected and replaced the same way.
    const tag = cacheTag()
    process.once('exit', () => saveCache(script, cacheFile, tag))
  }
  const module = { exports: {} }
  const run = script.runInThisContext() as ScriptFunction
  run.call(module.exports, module.exports, createRequire(file), module, file, __dirname, loadLibrary)
  return module.exports
}

function cacheTag(): number {
  return (require('node:v8') as typeof import('node:v8')).cachedDataVersionTag()
}

function saveCache(script: Script, cacheFile: string, tagAtLoad: number): void {
  // A script loaded while other V8 flags were in force would get a cache the next start rejects.
  if (cacheTag() !== tagAtLoad) return
  const partial = `${cacheFile}.${process.pid}.tmp`
  try {
    writeFileSync(partial, script.createCachedData())
    renameSync(partial, cacheFile) // whole or not at all: concurrent runs never read half a cache
  } catch {
    // a read-only install: every start compiles, which is correct, only slower
  }
}
