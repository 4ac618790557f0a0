import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { shellQuote } from '../../src/lib/db/shell.js'

describe('shellQuote', () => {
  it.each(['vrss', 'my_db-2', 'x; rm -rf ~', "it's", '$(id)', 'a b', '', '`x`\\'])(
    'the shell reads %j back as exactly one word',
    (word) => {
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(word)}`]).toString()
      expect(echoed).toBe(word)
    },
  )

  it('leaves plain names bare', () => {
    expect(shellQuote('vrss_test')).toBe('vrss_test')
  })
})
