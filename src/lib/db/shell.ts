/**
 * Quoting for commands that hints suggest: a name is pasted into a shell by whoever reads the
 * hint, so a database called `x; rm -rf ~` must stay one argument.
 */

/** The name as one shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  // Inside single quotes nothing is special except the quote itself: end, escape, reopen.
  return `'${word.replace(/'/g, `'\\''`)}'`
}
