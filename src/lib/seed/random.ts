/**
 * Weighted and proportional choices on top of the seeded PRNG (src/lib/random.ts).
 */
import type { Random } from '../random.js'

/** Draws indexes with given weights in O(log n) per draw. */
export class WeightedPicker {
  private readonly cumulative: Float64Array
  private readonly total: number

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((w, i) => {
      sum += w
      this.cumulative[i] = sum
    })
    this.total = sum
  }

  pick(random: Random): number {
    const target = random.next() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.cumulative[mid] as number) > target) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/** Splits `total` into parts proportional to `shares`, summing exactly to total. */
export function apportion(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((a, b) => a + b, 0)
  const raw = shares.map((s) => (total * s) / sum)
  const result = raw.map(Math.floor)
  let left = total - result.reduce((a, b) => a + b, 0)
  const order = raw
    .map((r, i) => [r - Math.floor(r), i] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
  for (const [, i] of order) {
    if (left-- <= 0) break
    result[i] = (result[i] as number) + 1
  }
  return result
}
