/**
 * Flag value parsers shared by the commands. Each throws a usage error (exit 2) naming the flag.
 */
import { usageError } from './errors.js'

export function parseInteger(
  flag: string,
  value: unknown,
  { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const text = String(value).trim()
  if (!/^[+-]?\d+$/.test(text)) {
    throw usageError(`${flag} must be a whole number, got "${String(value)}"`)
  }
  const n = Number(text)
  if (n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`
    throw usageError(`${flag} must be ${range}, got ${n}`)
  }
  return n
}

/** "250ms", "5s", "2m" or a bare number of milliseconds. */
export function parseDuration(flag: string, value: unknown): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(String(value).trim())
  if (!match)
    throw usageError(`${flag} must be a duration like 500ms, 10s or 2m, got "${String(value)}"`)
  const amount = Number(match[1])
  const unit = match[2] ?? 'ms'
  return Math.round(amount * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1))
}
