// Loaded with `node --import` by bench/seed-scale.mjs: at exit, writes this process's peak RSS
// (process.resourceUsage().maxRSS, in KB; it covers every thread of the process, worker
// threads included) to the file named by VRSS_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs'

const file = process.env.VRSS_BENCH_RSS_FILE
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }))
  })
}
