// Ends the test run with the skipped tests, each naming why, and one plain line, `N passed, N failed`
// (and `, N skipped`), counting tests.
// A file whose hooks or top level failed counts as one failure even when its tests were skipped,
// and so does an error no test caught.
import type { Reporter, SerializedError, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    const skips: string[] = []
    for (const module of modules) {
      let failedInModule = 0
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failedInModule++
        else {
          skipped++
          skips.push(`${module.moduleId.replace(/^.*?\/test\//, 'test/')} > ${test.fullName}`)
        }
      }
      failed += failedInModule === 0 && module.state() === 'failed' ? 1 : failedInModule
    }
    // Each skipped test says why in its name (the tool it needs, or the variable that names another Node).
    for (const skip of skips) process.stdout.write(`skipped: ${skip}\n`)
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`)
  }
}
