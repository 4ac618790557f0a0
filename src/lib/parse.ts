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

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

export interface DurationOptions {
  /**
   * What 0 means for this flag when it is allowed (e.g. "try once"); without it, 0 is refused:
   * for a timeout PostgreSQL reads 0 as "no limit", which silently disables the protection.
   */
  zeroMeans?: string
}

/**
 * "250ms", "5s", "2m", "1h". The unit is required: a bare number was read as milliseconds,
 * so `--lock-wait 300` meant 0.3 s where 300 s was meant.
 */
export function parseDuration(flag: string, value: unknown, options: DurationOptions = {}): number {
  const text = String(value).trim()
  if (/^\d+(?:\.\d+)?$/.test(text) && Number(text) !== 0) {
    throw usageError(
      `${flag} needs a unit, got "${text}": write ${text}s, ${text}ms, ${text}m or ${text}h`,
    )
  }
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text)
  if (!match)
    throw usageError(`${flag} must be a duration like 500ms, 10s, 2m or 1h, got "${String(value)}"`)
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] as number))
  if (ms === 0 && options.zeroMeans === undefined) {
    throw usageError(`${flag} 0 disables the protection; use a positive duration`)
  }
  return ms
}

/** --migrations-table: a table name, optionally schema-qualified (quoted when used). */
export function parseMigrationsTable(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  const parts = text.split('.')
  if (parts.length > 2 || parts.some((p) => p.length === 0 || p.length > 63)) {
    throw usageError(
      `--migrations-table must be a table name or schema.table (each at most 63 characters), got "${String(value)}"`,
    )
  }
  return text
}
