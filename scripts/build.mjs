// Bundles the CLI into dist/ so start-up reads a handful of files instead of hundreds in
// node_modules. Stages that are not always needed (the built-in server, reports) are split into
// chunks loaded on first use.
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })

await build({
  entryPoints: { reqchain: 'src/cli/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  minifySyntax: true,
  legalComments: 'none',
  define: { REQCHAIN_VERSION: JSON.stringify(version) },
  banner: {
    // CommonJS dependencies (handlebars, undici) call require() for Node built-ins.
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
