import { build } from 'esbuild'
const r = await build({ entryPoints: ['src/cli/bin.ts'], bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, outfile: '/tmp/x.js', metafile: true, minifyWhitespace: true, minifySyntax: true, logLevel: 'silent' })
const out = Object.values(r.metafile.outputs)[0].inputs
for (const [k, v] of Object.entries(out).filter(([k]) => k.includes(process.argv[2])).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 40)) console.log(String(v.bytesInOutput).padStart(8), k)
// who imports a file
if (process.argv[3]) for (const [f, i] of Object.entries(r.metafile.inputs)) for (const imp of i.imports) if (imp.path.includes(process.argv[3])) console.log('imported by', f, imp.kind)
