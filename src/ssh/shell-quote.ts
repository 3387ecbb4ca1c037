/**
 * Over SSH a command is one string that the remote user's shell splits, so
 * every argument goes in single quotes, where the shell expands nothing.
 * Only our own values (paths oned chose, fixed program names) are ever
 * passed here; quoting is the second line of defence, not the first.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a shell argument cannot hold a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The argument vector as one command line for a POSIX shell. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('an empty command');
  return argv.map(shellQuote).join(' ');
}
