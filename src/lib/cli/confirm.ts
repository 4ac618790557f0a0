/**
 * docs/cli.md rules for destructive operations (rollback, reset): show the target, and refuse
 * without --yes when nobody can be asked (stdin is not a terminal) or the host is not local.
 */
import { createInterface } from 'node:readline/promises'
import { usageError, VrssError } from '../errors.js'
import type { Context } from './context.js'

export async function confirmDestructive(
  ctx: Context,
  action: string,
  yes: boolean,
): Promise<void> {
  const where = `${ctx.target.display}${ctx.target.embedded ? ' (embedded)' : ''}`
  if (yes) {
    ctx.out.info(`${action} on ${where}`)
    return
  }
  if (!ctx.interactive) {
    throw usageError(
      `Refusing to ${action} on ${where} without --yes (no terminal to confirm on)`,
      'Check the target, then add --yes.',
    )
  }
  if (!ctx.target.local) {
    throw usageError(
      `Refusing to ${action} on the remote database ${where} without --yes`,
      'Check the target, then add --yes.',
    )
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await prompt.question(`${action} on ${where}? Type "yes" to continue: `)
    if (answer.trim().toLowerCase() !== 'yes') {
      throw new VrssError('Cancelled: nothing was changed', { code: 'CANCELLED' })
    }
  } finally {
    prompt.close()
  }
}
