/** A problem writing an output; `path` is the final path the user asked for ('-' = stdout). */
export class OutputError extends Error {
  override name = 'OutputError';
  readonly path: string;

  constructor(path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}
