/**
 * Bounded, mergeable frequency counter (Misra-Gries with lazy pruning). The table grows to
 * 2 x capacity; then the (capacity+1)-th largest count is subtracted from every entry and entries
 * at or below zero are dropped. Each prune lowers any one count by at most the subtracted amount,
 * so `maxError` (the sum of those amounts) bounds how far every stored count is below the truth.
 *
 * While the total number of distinct terms stays at or under 2 x capacity nothing is pruned and
 * the counts are exact, for one pass and for any merge alike. Beyond that, a merged summary and a
 * single-pass one may differ, each within its own `maxError`.
 */
export class TermCounter {
  readonly counts = new Map<string, number>();
  maxError = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`term capacity must be a positive integer, got ${capacity}`);
  }

  add(term: string, n = 1): void {
    this.counts.set(term, (this.counts.get(term) ?? 0) + n);
    if (this.counts.size > 2 * this.capacity) this.prune();
  }

  merge(entries: Iterable<[string, number]>, maxError: number): void {
    for (const [term, n] of entries) this.counts.set(term, (this.counts.get(term) ?? 0) + n);
    this.maxError += maxError;
    if (this.counts.size > 2 * this.capacity) this.prune();
  }

  private prune(): void {
    const values = [...this.counts.values()].sort((a, b) => b - a);
    const cut = values[this.capacity]!;
    for (const [term, n] of this.counts) {
      if (n <= cut) this.counts.delete(term);
      else this.counts.set(term, n - cut);
    }
    this.maxError += cut;
  }

  /** Entries most frequent first, ties broken by term, so the output does not depend on insertion order. */
  sorted(): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}
