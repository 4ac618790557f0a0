// verify-triggers' pure pieces: which phase a proof needs, how results add up to a verdict and
// an exit code, and the TAP comments after the proofs.
import { describe, expect, it } from 'vitest'
import { footnotes } from '../../src/commands/verify-triggers.js'
import { PROOFS } from '../../src/lib/verify/behaviour.js'
import { type ProofResult, phaseOf } from '../../src/lib/verify/proofs.js'
import { advancedSequencesOf, tally, type VerifyResult, verdict } from '../../src/lib/verify/run.js'

const ok = (name: string): ProofResult => ({ name, ok: true, ms: 1 })
const broken = (name: string): ProofResult => ({ name, ok: false, ms: 1, error: 'x' })
const blocked = (name: string): ProofResult => ({
  name,
  ok: false,
  ms: 1,
  error: 'could not run: lock timeout',
  couldNotRun: { sqlstate: '55P03', message: 'lock timeout' },
})

describe('phaseOf', () => {
  it('is the newest phase among a proof’s tables, or its own phase', () => {
    expect(phaseOf({ name: 'a', tables: ['users', 'storage_usage'], run: async () => {} })).toBe(1)
    expect(phaseOf({ name: 'b', tables: ['users', 'posts'], run: async () => {} })).toBe(2)
    expect(phaseOf({ name: 'c', tables: ['users'], phase: 6, run: async () => {} })).toBe(6)
  })
  it('every behaviour proof needs a known phase', () => {
    for (const proof of PROOFS) expect(Number.isFinite(phaseOf(proof))).toBe(true)
  })
})

describe('verdict', () => {
  it('a proof that could not run is neither passed nor failed', () => {
    expect(tally([ok('a'), broken('b'), blocked('c')])).toEqual({ passed: 1, failed: 1 })
  })
  it('exit 3 when a guarantee is broken, even if the proofs stopped', () => {
    expect(verdict([broken('b'), blocked('c')], { message: 'm', hint: 'h' }).exitCode).toBe(3)
  })
  it('exit 1 when the proofs stopped without finding anything broken, else 0', () => {
    expect(verdict([ok('a'), blocked('c')], { message: 'm', hint: 'h' }).exitCode).toBe(1)
    expect(verdict([ok('a')]).exitCode).toBe(0)
  })
  it('lists each advanced sequence once, sorted', () => {
    const proofs = [
      { ...ok('a'), advancedSequences: ['users_id_seq', 'posts_id_seq'] },
      { ...ok('b'), advancedSequences: ['posts_id_seq'] },
    ]
    expect(advancedSequencesOf(proofs)).toEqual(['posts_id_seq', 'users_id_seq'])
  })
})

describe('footnotes', () => {
  const result: VerifyResult = {
    exitCode: 0,
    target: 'postgres://db/vrss',
    proofs: [],
    passed: 12,
    failed: 0,
    skippedPhases: ['5 feed'],
    advancedSequences: [],
    elapsedMs: 250,
    removedLeftovers: ['vrss_verify_0a1b2c3d'],
  }
  it('says what was cleaned up and skipped, then the summary', () => {
    expect(footnotes(result)).toEqual([
      '# removed vrss_verify_0a1b2c3d, the scratch schema of an earlier interrupted --concurrency run',
      '# not applied, so not verified: phase(s) 5 feed',
      '# 12 passed, 0 failed in 250 ms on postgres://db/vrss',
    ])
  })
  it('says the run stopped when a proof could not run', () => {
    const stopped = { ...result, couldNotRun: { message: 'm', hint: 'h' } }
    expect(footnotes(stopped).at(-1)).toContain(', stopped: could not run in')
  })
})
