const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

/**
 * Parse a token/document amount such as `100B`, `2.5T`, `300M`, `50k`, `1e11` or `100_000_000`
 * (decimal suffixes: k = 1e3, M = 1e6, B/G = 1e9, T = 1e12). Returns null when it is not one.
 */
export function parseAmount(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input > 0 ? input : null;
  const s = input.trim().replace(/[_,]/g, '');
  const m = /^(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)\s*([kmbgt])?$/i.exec(s);
  if (m === null) return null;
  const v = Number(m[1]) * (m[2] === undefined ? 1 : SUFFIX[m[2].toLowerCase()]!);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** Short human form: 1.23B, 456.7M, 12.3k, 42. */
export function formatAmount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toPrecision(3)}T`;
  if (a >= 1e9) return `${(n / 1e9).toPrecision(3)}B`;
  if (a >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(3)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatPercent(share: number, digits = 2): string {
  return `${(share * 100).toFixed(digits)}%`;
}
