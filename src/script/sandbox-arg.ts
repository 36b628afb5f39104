// The argument that makes the launcher (dist/reqchain.js) run the script sandbox's thread instead
// of the CLI: its own module, so the launcher imports nothing else of the sandbox.
export const SANDBOX_ARG = '--reqchain-sandbox-thread'
