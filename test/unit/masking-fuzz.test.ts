import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeSpec, resolveTarget } from '../../src/lib/db/target.js'
import { errorDocument, toVrssError } from '../../src/lib/errors.js'

/**
 * Random URLs with random passwords in every position and encoding, well-formed or not: no
 * message may show any 3 characters of the password. Password letters are upper case Q, X, Z,
 * which nothing else in a URL or a message here uses, so a hit is a leak, not a coincidence.
 */
const SPECIALS = ' #?@/%:&=+!$;,[]\'"\\'
const LETTERS = 'QXZ'

function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
}

function password(random: () => number): string {
  const alphabet = `${LETTERS}${LETTERS}0123456789${SPECIALS}`
  const length = 6 + Math.floor(random() * 12)
  let text = ''
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]
  // At least three marker letters, so there is always something to look for.
  return `${text.slice(0, 2)}QXZ${text.slice(2)}`
}

function encodeSome(text: string, random: () => number): string {
  return [...text].map((c) => (random() < 0.5 ? encodeURIComponent(c) : c)).join('')
}

function urls(pw: string, random: () => number): string[] {
  const forms = [pw, encodeURIComponent(pw), encodeSome(pw, random), `${encodeURIComponent(pw)}%zz`]
  return forms.flatMap((p) => [
    `postgres://user:${p}@host.example:5432/db`,
    `postgresql://user:${p}@/db?host=/sock`,
    `postgres://user:${p}@host.example:99x/db`,
    `mysql://user:${p}@host.example/db`,
    // With no host, a raw "@" in the password followed by a valid host name is, in URL syntax,
    // that host: only encoded passwords can be told apart there.
    ...(p.startsWith(encodeURIComponent(pw)) ? [`postgres://user:${p}`] : []),
    `postgres://user:${p}@h1,h2/db`,
    `postgres://user:${p}@host.example/db?bogus=1`,
    `postgres://user@host.example/db?password=${p}`,
    `postgres://user@host.example/db?password=${p}&sslmode=verify-full&unknown=2`,
    `postgres://user@host.example/db?sslmode=never&password=${p}`,
    `${p}`,
  ])
}

/** Every substring of length 3 holding a marker letter. */
function secrets(pw: string): string[] {
  const parts: string[] = []
  for (let i = 0; i + 3 <= pw.length; i++) {
    const part = pw.slice(i, i + 3)
    if (/[QXZ]/.test(part)) parts.push(part)
  }
  return parts
}

describe('no password fragment in any message (fuzz)', () => {
  const HOME = mkdtempSync(join(tmpdir(), 'vrss-fuzz-'))

  it('masks passwords in 4000 random URLs', () => {
    const random = seeded(20261126)
    let checked = 0
    for (let round = 0; round < 100; round++) {
      const pw = password(random)
      for (const url of urls(pw, random)) {
        let shown: string
        try {
          const target = resolveTarget(url, { HOME })
          shown = [
            target.kind === 'server' ? describeSpec(target.spec) : '',
            ...target.warnings,
          ].join('\n')
        } catch (err) {
          const error = toVrssError(err)
          shown = `${error.message}\n${error.hint}\n${JSON.stringify(errorDocument(error))}`
        }
        for (const part of secrets(pw)) {
          if (shown.includes(part)) {
            throw new Error(
              `"${part}" of password ${JSON.stringify(pw)} shown for ${JSON.stringify(url)}: ${shown}`,
            )
          }
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThan(4000)
  })

  it('a percent-encoded password is read exactly', () => {
    const random = seeded(7)
    for (let i = 0; i < 200; i++) {
      const pw = password(random)
      const url = `postgres://user:${encodeURIComponent(pw)}@h/db`
      const target = resolveTarget(url, { HOME })
      expect(target.kind === 'server' && target.spec.password).toBe(pw)
      const query = `postgres://user@h/db?password=${encodeURIComponent(pw)}`
      const fromQuery = resolveTarget(query, { HOME })
      expect(fromQuery.kind === 'server' && fromQuery.spec.password).toBe(pw)
    }
  })
})
