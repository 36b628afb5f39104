// The executable, kept tiny: it answers --version by itself and loads the bundled CLI through a
// V8 code cache, so a run skips compiling reqchain and its dependencies (about 70 ms a start).
// Node 20 has no module compile cache of its own; vm.Script with cachedData is the same mechanism.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Script } from 'node:vm'

declare const REQCHAIN_VERSION: string
declare const REQCHAIN_BUNDLE: string

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${REQCHAIN_VERSION}\n`)
} else {
  launch(join(__dirname, REQCHAIN_BUNDLE))
}

function launch(bundle: string): void {
  // The cache sits beside the bundle; both names carry the bundle's content hash, so a cache is
  // never applied to other source (V8 itself only checks the source's length).
  const cacheFile = bundle.replace(/\.js$/, '.cache')
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // first run after a build, or a read-only install that never had one: compile normally
  }
  // The bundle is one function expression in ASCII, the shape of Node's CommonJS wrapper.
  const script = new Script(readFileSync(bundle, 'latin1'), { filename: bundle, ...(cachedData ? { cachedData } : {}) })
  if (!cachedData || script.cachedDataRejected) {
    // Written at exit so it holds every function the run compiled. A cache made by another Node
    // version, or under other V8 flags, is rejected and replaced the same way.
    const tag = cacheTag()
    process.once('exit', () => saveCache(script, cacheFile, tag))
  }
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle))
}

function cacheTag(): number {
  return (require('node:v8') as typeof import('node:v8')).cachedDataVersionTag()
}

function saveCache(script: Script, cacheFile: string, tagAtStart: number): void {
  // A run that ended with different V8 flags in force would write a cache the next start rejects.
  if (cacheTag() !== tagAtStart) return
  const partial = `${cacheFile}.${process.pid}.tmp`
  try {
    writeFileSync(partial, script.createCachedData())
    renameSync(partial, cacheFile) // whole or not at all: concurrent runs never read half a cache
  } catch {
    // a read-only install: every start compiles, which is correct, only slower
  }
}
