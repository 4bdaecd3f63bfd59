/**
 * A wrong option value or combination given to a library call (the CLI prints it as one line, exit code 1).
 * Messages name options as the library does (`maxErrors`); `option` lets a front end name its own flag.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super(message);
  }
}
