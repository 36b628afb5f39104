// Preloaded by the benchmark (node --expose-gc -r): the live heap when the process exits, after a
// full collection — what a run still holds, as opposed to the peak RSS, which also counts garbage
// V8 had not collected yet.
process.on('exit', () => {
  global.gc()
  process.stderr.write(`\nlive heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(2)} MiB\n`)
})
