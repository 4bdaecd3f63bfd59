/** Small inline-SVG chart builders for the self-contained HTML report (no scripts, no external assets). */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Tableau 20: its ten dark hues first, then their light partners, so neighbours never share a hue.
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b6992d',
  '#499894',
  '#e15759',
  '#79706e',
  '#d37295',
  '#b07aa1',
  '#9d7660',
  '#a0cbe8',
  '#ffbe7d',
  '#8cd17d',
  '#f1ce63',
  '#86bcb6',
  '#ff9d9a',
  '#bab0ac',
  '#fabfd2',
  '#d4a6c8',
  '#d7b5a6',
];

/** A stable colour per key: the palette in key order, then golden-angle hues. */
export function colorScale(keys: readonly string[]): (key: string) => string {
  const map = new Map<string, string>();
  keys.forEach((k, i) => map.set(k, i < PALETTE.length ? PALETTE[i]! : `hsl(${Math.round((i * 137.508) % 360)}, 55%, 55%)`));
  return (key) => map.get(key) ?? '#999999';
}

/** Dark or light text for a fill colour given as #rrggbb (hsl fills get dark text). */
function textOn(fill: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(fill);
  if (m === null) return '#111';
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16));
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 150 ? '#111' : '#fff';
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Noto Sans CJK SC, sans-serif"';

export interface StackedRow {
  label: string;
  segments: Array<{ key: string; value: number }>;
}

/**
 * Horizontal stacked bars. With `normalise` every bar fills the width (shares within the row);
 * otherwise lengths are relative to `scaleMax` (default: the largest row total), e.g. shares of a grand total.
 */
export function stackedBars(
  rows: StackedRow[],
  color: (key: string) => string,
  opts: {
    width?: number;
    normalise: boolean;
    scaleMax?: number;
    valueLabel?: (v: number, rowTotal: number) => string;
    /** Text after a bar that is not normalised (default: its length relative to scaleMax). */
    totalLabel?: (rowTotal: number) => string;
  },
): string {
  const width = opts.width ?? 900;
  const labelW = 170;
  const barH = 24;
  const gap = 8;
  const right = 56;
  const barW = width - labelW - right;
  const totals = rows.map((r) => r.segments.reduce((s, x) => s + x.value, 0));
  const scaleMax = opts.scaleMax ?? Math.max(...totals, 0);
  const height = rows.length * (barH + gap) + gap;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y = gap + i * (barH + gap);
    const total = totals[i]!;
    const denom = opts.normalise ? total : scaleMax;
    parts.push(`<text x="${labelW - 8}" y="${y + barH / 2 + 4}" text-anchor="end" font-size="12" ${FONT}><title>${esc(row.label)}</title>${esc(truncate(row.label, 26))}</text>`);
    parts.push(`<rect x="${labelW}" y="${y}" width="${barW}" height="${barH}" fill="#f3f3f3"/>`);
    let x = labelW;
    for (const seg of row.segments) {
      if (!(seg.value > 0) || !(denom > 0)) continue;
      const w = (seg.value / denom) * barW;
      const fill = color(seg.key);
      const share = seg.value / (opts.normalise ? total : scaleMax);
      const text = opts.valueLabel ? opts.valueLabel(seg.value, total) : `${(share * 100).toFixed(1)}%`;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${barH}" fill="${fill}" stroke="#fff" stroke-width="0.5"><title>${esc(row.label)} · ${esc(seg.key)}: ${esc(text)}</title></rect>`,
      );
      if (w >= 38) {
        parts.push(`<text x="${(x + w / 2).toFixed(2)}" y="${y + barH / 2 + 4}" text-anchor="middle" font-size="11" fill="${textOn(fill)}" ${FONT} pointer-events="none">${esc(text)}</text>`);
      }
      x += w;
    }
    if (!opts.normalise && denom > 0) {
      const label = opts.totalLabel ? opts.totalLabel(total) : `${((total / denom) * 100).toFixed(1)}%`;
      parts.push(`<text x="${(x + 6).toFixed(2)}" y="${y + barH / 2 + 4}" font-size="11" fill="#444" ${FONT}>${esc(label)}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}</svg>`;
}

export interface GroupedRow {
  label: string;
  values: number[];
}

/** Horizontal grouped bars: for each row one thin bar per series (e.g. current / target / achieved share). */
export function groupedBars(rows: GroupedRow[], series: Array<{ name: string; color: string }>, opts: { width?: number; format: (v: number) => string; marks?: boolean[] }): string {
  const width = opts.width ?? 900;
  const labelW = 170;
  const right = 64;
  const barW = width - labelW - right;
  const thin = 9;
  const groupH = series.length * (thin + 2) + 10;
  const max = Math.max(...rows.flatMap((r) => r.values), 0);
  const height = rows.length * groupH + 6;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y0 = 4 + i * groupH;
    const mark = opts.marks?.[i] === true;
    parts.push(
      `<text x="${labelW - 8}" y="${y0 + (series.length * (thin + 2)) / 2 + 4}" text-anchor="end" font-size="12" ${FONT}${mark ? ' fill="#b42318" font-weight="600"' : ''}><title>${esc(row.label)}</title>${esc(truncate(row.label, 26))}${mark ? ' ⚠' : ''}</text>`,
    );
    row.values.forEach((v, j) => {
      const s = series[j]!;
      const y = y0 + j * (thin + 2);
      const w = max > 0 ? (v / max) * barW : 0;
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(2)}" height="${thin}" fill="${s.color}"><title>${esc(row.label)} · ${esc(s.name)}: ${esc(opts.format(v))}</title></rect>`);
      parts.push(`<text x="${(labelW + w + 4).toFixed(2)}" y="${y + thin - 1}" font-size="10" fill="#444" ${FONT}>${esc(opts.format(v))}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}</svg>`;
}

/** A tiny histogram (e.g. confidence bins 0..1). */
export function miniHistogram(hist: number[], opts: { width?: number; height?: number; color?: string } = {}): string {
  const width = opts.width ?? 80;
  const height = opts.height ?? 18;
  const max = Math.max(...hist, 0);
  const w = width / hist.length;
  const bars = hist
    .map((v, i) => {
      const h = max > 0 ? (v / max) * (height - 1) : 0;
      return `<rect x="${(i * w + 0.5).toFixed(2)}" y="${(height - h).toFixed(2)}" width="${(w - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="${opts.color ?? '#4e79a7'}"><title>${(i / hist.length).toFixed(1)}–${((i + 1) / hist.length).toFixed(1)}: ${v}</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" stroke="#ccc"/>${bars}</svg>`;
}

export function legend(keys: readonly string[], color: (key: string) => string): string {
  return `<div class="legend">${keys.map((k) => `<span><i style="background:${color(k)}"></i>${esc(k)}</span>`).join('')}</div>`;
}
