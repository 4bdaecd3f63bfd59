/**
 * JSON with two-space indentation, except that arrays holding only numbers, strings, booleans or
 * null stay on one line (histograms, [term, count] pairs), which keeps reports readable and diffable.
 */
export function prettyJson(value: unknown): string {
  // JSON strings never contain raw newlines, so whitespace runs with a newline are pure layout.
  return `${JSON.stringify(value, null, 2).replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_, inner: string) => `[${inner.replace(/,\n\s+/g, ', ')}]`)}\n`;
}
