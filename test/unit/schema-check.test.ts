// The one trigger-vs-manifest comparison, shared by status and verify-triggers.
import { describe, expect, it } from 'vitest'
import {
  compareTriggers,
  type ObjectRow,
  triggerEvents,
  triggerProblem,
} from '../../src/lib/schema/check.js'
import type { TriggerManifest } from '../../src/lib/schema/manifest.js'

const likes: TriggerManifest = {
  name: 'post_interactions_count_likes',
  table: 'post_interactions',
  function: 'vrss_count_likes',
  events: 'AFTER INSERT OR DELETE',
}

const row = (over: Partial<ObjectRow> = {}): ObjectRow => ({
  kind: 'trigger',
  name: likes.name,
  table: likes.table,
  valid: true,
  function: likes.function,
  enabled: 'O',
  definition: `CREATE TRIGGER ${likes.name} AFTER INSERT OR DELETE ON public.post_interactions FOR EACH ROW EXECUTE FUNCTION vrss_count_likes()`,
  ...over,
})

const problemOf = (rows: ObjectRow[]) => {
  const [state] = compareTriggers(rows, [likes])
  if (!state) throw new Error('no state')
  return triggerProblem(state)
}

describe('triggerEvents', () => {
  it('reads timing and events from a trigger definition, constraint triggers included', () => {
    expect(triggerEvents(row().definition)).toBe('AFTER INSERT OR DELETE')
    expect(
      triggerEvents('CREATE CONSTRAINT TRIGGER t AFTER UPDATE OF x ON s.t DEFERRABLE FOR EACH ROW'),
    ).toBe('AFTER UPDATE OF x')
    expect(triggerEvents(null)).toBeUndefined()
  })
})

describe('compareTriggers and triggerProblem', () => {
  it('finds nothing wrong with the trigger the phase creates', () => {
    const [state] = compareTriggers([row()], [likes])
    expect(state).toEqual({
      key: 'post_interactions.post_interactions_count_likes',
      expected: likes,
      found: { enabled: true, function: 'vrss_count_likes', events: 'AFTER INSERT OR DELETE' },
    })
    expect(problemOf([row()])).toBeUndefined()
  })

  it('a trigger of the same name on another table, or an index, is missing', () => {
    expect(problemOf([row({ table: 'posts' }), row({ kind: 'index' })])).toEqual({
      error: 'missing',
      actual: 'absent',
      expected: 'present',
    })
  })

  it('reports a disabled trigger before anything else about it', () => {
    expect(problemOf([row({ enabled: 'D', function: 'other' })])?.error).toBe(
      'disabled (ALTER TABLE … DISABLE TRIGGER)',
    )
  })

  it('then another function, then other events', () => {
    expect(problemOf([row({ function: 'other' })])).toEqual({
      error: 'calls another function',
      actual: 'other',
      expected: 'vrss_count_likes',
    })
    const insertOnly = row({ definition: row().definition?.replace(' OR DELETE', '') ?? null })
    expect(problemOf([insertOnly])).toEqual({
      error: 'fires on other events',
      actual: 'AFTER INSERT',
      expected: 'AFTER INSERT OR DELETE',
    })
  })

  it('counts replica-only and always-enabled triggers as enabled', () => {
    for (const enabled of ['O', 'R', 'A']) expect(problemOf([row({ enabled })])).toBeUndefined()
  })
})
