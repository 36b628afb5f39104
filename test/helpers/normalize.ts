// Scrubs what changes from run to run, so goldens compare behaviour: ports, durations, rates, times.
export function normalize(text: string): string {
  return text
    .replace(/(127\.0\.0\.1|localhost):\d+/g, '$1:<port>')
    .replace(/\b\d+(\.\d+)? (ms|s)\b/g, '<time>')
    .replace(/\b\d+(\.\d+)? tok\/s/g, '<rate> tok/s')
    .replace(/"created":\s*\d+/g, '"created": <created>')
    .replace(/"created_at":\s*"[^"]+"/g, '"created_at": "<date>"')
    .replace(/\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/g, '<http-date>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<date>')
}
