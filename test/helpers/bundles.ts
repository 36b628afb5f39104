// The scripts a build writes to dist/ beside the launcher: the CLI, the sandbox's thread, and each
// library bundled apart. The package test and the launch test both hold dist/ to this list.
export const BUNDLES = [
  'ajv',
  'cli',
  'csv-parse-sync',
  'csv-stringify-sync',
  'dotenv',
  'handlebars',
  'htmlparser2',
  'jsonpath-plus',
  'jsonpath-rfc9535',
  'quickjs-emscripten-core',
  'sandbox',
  'shell-quote',
  'tough-cookie',
  'xmldom-xmldom',
  'xpath',
  'yargs',
] as const
