/**
 * A small seeded PRNG (sfc32): the same seed gives the same sequence on every machine and
 * Node version, and it is far faster than calling faker per row.
 */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    this.a = 0x9e3779b9
    this.b = 0x243f6a88
    this.c = 0xb7e15162
    this.d = seed >>> 0
    for (let i = 0; i < 15; i++) this.next()
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** k distinct items (k ≤ items.length), in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.sampleInPlace(items.slice(), k)
  }

  /**
   * k distinct items by a partial Fisher–Yates shuffle of `items` itself: O(k), not O(n), so a
   * large array can be reused for many draws (its order changes, which is fine for sampling).
   */
  sampleInPlace<T>(items: T[], k: number): T[] {
    const n = Math.min(k, items.length)
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (items.length - i))
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items.slice(0, n)
  }

  /** A child generator for one table, so that tables do not shift each other's sequences. */
  fork(label: string): Random {
    let h = this.d ^ 0x811c9dc5
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619)
    return new Random(h >>> 0)
  }
}
