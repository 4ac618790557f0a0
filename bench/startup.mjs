// `vrss-db --help` start-up time next to a bare `node -e 0`, measured side by side.
// Usage: npm run bench:startup [-- runs]
import { execFileSync } from 'node:child_process'
import { BIN, fmt, median } from './lib.mjs'

const runs = Number(process.argv[2] ?? 21)
const time = (args) => {
  const started = performance.now()
  execFileSync(process.execPath, args, { stdio: 'ignore' })
  return performance.now() - started
}
const cli = []
const bare = []
for (let i = 0; i < runs; i++) {
  bare.push(time(['-e', '0']))
  cli.push(time([BIN, '--help']))
}
console.log(`runs: ${runs} (interleaved)`)
console.log(`node -e 0         median ${fmt(median(bare))}`)
console.log(`vrss-db --help    median ${fmt(median(cli))}  (target < 150 ms)`)
console.log(`vrss-db's own share     ${fmt(median(cli) - median(bare))}`)
