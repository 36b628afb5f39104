// Preloaded into a spawned reqchain (`node -r …/peak-rss.cjs`): at exit, writes the process's peak
// resident memory in KiB to the file named by REQCHAIN_PEAK_RSS_FILE.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.REQCHAIN_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS))
})
