// Preloaded into a CLI run by the hostile-file tests (`node --import tsx --import ./test/cli/peakRss.ts …`):
// prints the process's peak resident memory as its last line on stderr.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
