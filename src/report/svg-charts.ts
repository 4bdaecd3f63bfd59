/** Small inline-SVG chart builders for the self-contained HTML report (no scripts, no external assets). */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * One palette per meaning, so no colour on a page stands for two things: topics, languages and measures
 * (current / target / achieved) never share a colour, and a topic keeps its colour in every chart.
 *
 * Topics: Paul Tol's muted, light and medium-contrast schemes (chosen to stay apart for colour-blind
 * readers), dark and light hues interleaved so neighbouring bar segments differ in lightness too; no 20
 * hues are all distinguishable for everyone, so every segment also carries its name in a tooltip.
 */
export const TOPIC_PALETTE: readonly string[] = [
  '#332288',
  '#ee8866',
  '#117733',
  '#ffaabb',
  '#882255',
  '#88ccee',
  '#999933',
  '#77aadd',
  '#994455',
  '#ddcc77',
  '#004488',
  '#bbcc33',
  '#aa4499',
  '#44aa99',
  '#663333',
  '#cc6677',
  '#225555',
  '#ddaa33',
  '#666633',
  '#997700',
];
/** Languages: Okabe-Ito (colour-blind safe), none of them a topic colour. */
export const LANG_PALETTE: readonly string[] = ['#d55e00', '#0072b2', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442'];
/** Measures of a comparison: greys told apart by lightness alone (safe for every kind of colour blindness). */
export const MEASURE_COLORS = { current: '#c7c7c7', target: '#7a7a7a', achieved: '#1a1a1a' } as const;
/** Confidence histograms (documents per confidence bin). */
export const HIST_COLOR = '#8c7a6b';

/**
 * A stable colour per key: `palette` in key order, then golden-angle hues at a lightness (`fallbackLightness`)
 * that differs per meaning, so even the overflow colours of two meanings never coincide.
 */
export function colorScale(keys: readonly string[], palette: readonly string[], fallbackLightness: number): (key: string) => string {
  const map = new Map<string, string>();
  keys.forEach((k, i) => map.set(k, i < palette.length ? palette[i]! : `hsl(${Math.round(((i - palette.length) * 137.508) % 360)}, 55%, ${fallbackLightness}%)`));
  return (key) => map.get(key) ?? '#999999';
}

/** Dark or light text for a fill colour given as #rrggbb (hsl fills get dark text). */
function textOn(fill: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(fill);
  if (m === null) return '#111';
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16));
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 150 ? '#111' : '#fff';
}

/** Wide (CJK, full-width) characters take about two columns of a narrow one. */
function columns(ch: string): number {
  return /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
}

/** `s` cut to at most `max` columns (see columns()), with an ellipsis when cut. */
function truncate(s: string, max: number): string {
  let used = 0;
  let out = '';
  for (const ch of s) {
    used += columns(ch);
    if (used > max - 1) return `${out}…`;
    out += ch;
  }
  return s;
}

const LABEL_W = 230;
const LABEL_COLS = 34;

/** A row's label right-aligned before its bar: one line, or the label over a smaller sublabel. */
function rowLabel(row: { label: string; sublabel?: string | undefined; title?: string | undefined }, yMid: number, attrs = '', suffix = ''): string {
  const title = `<title>${esc(row.title ?? (row.sublabel ? `${row.label} / ${row.sublabel}` : row.label))}</title>`;
  if (!row.sublabel) {
    return `<text x="${LABEL_W - 8}" y="${yMid + 4}" text-anchor="end" font-size="12" ${FONT}${attrs}>${title}${esc(truncate(row.label, LABEL_COLS))}${suffix}</text>`;
  }
  return (
    `<text x="${LABEL_W - 8}" y="${yMid - 2}" text-anchor="end" font-size="12" ${FONT}${attrs}>${title}${esc(truncate(row.label, LABEL_COLS))}${suffix}</text>` +
    `<text x="${LABEL_W - 8}" y="${yMid + 11}" text-anchor="end" font-size="11" fill="#555" ${FONT}>${title}${esc(truncate(row.sublabel, LABEL_COLS))}</text>`
  );
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Noto Sans CJK SC, sans-serif"';

export interface StackedRow {
  label: string;
  /** A second, smaller line under the label (e.g. the Chinese name). */
  sublabel?: string;
  /** Tooltip of the label (default: label / sublabel). */
  title?: string;
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
    /** Display name of a segment key in tooltips (default: the key). */
    keyName?: (key: string) => string;
  },
): string {
  const width = opts.width ?? 900;
  const labelW = LABEL_W;
  const barH = rows.some((r) => r.sublabel) ? 30 : 24;
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
    parts.push(rowLabel(row, y + barH / 2));
    parts.push(`<rect x="${labelW}" y="${y}" width="${barW}" height="${barH}" fill="#f3f3f3"/>`);
    let x = labelW;
    for (const seg of row.segments) {
      if (!(seg.value > 0) || !(denom > 0)) continue;
      const w = (seg.value / denom) * barW;
      const fill = color(seg.key);
      const share = seg.value / (opts.normalise ? total : scaleMax);
      const text = opts.valueLabel ? opts.valueLabel(seg.value, total) : `${(share * 100).toFixed(1)}%`;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${barH}" fill="${fill}" stroke="#fff" stroke-width="0.5"><title>${esc(row.title ?? row.label)} · ${esc(opts.keyName ? opts.keyName(seg.key) : seg.key)}: ${esc(text)}</title></rect>`,
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
  sublabel?: string;
  title?: string;
  values: number[];
}

/** Horizontal grouped bars: for each row one thin bar per series (e.g. current / target / achieved share). */
export function groupedBars(rows: GroupedRow[], series: Array<{ name: string; color: string }>, opts: { width?: number; format: (v: number) => string; marks?: boolean[] }): string {
  const width = opts.width ?? 900;
  const labelW = LABEL_W;
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
    parts.push(rowLabel(row, y0 + (series.length * (thin + 2)) / 2, mark ? ' fill="#b42318" font-weight="600"' : '', mark ? ' ⚠' : ''));
    row.values.forEach((v, j) => {
      const s = series[j]!;
      const y = y0 + j * (thin + 2);
      const w = max > 0 ? (v / max) * barW : 0;
      parts.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(2)}" height="${thin}" fill="${s.color}"><title>${esc(row.title ?? row.label)} · ${esc(s.name)}: ${esc(opts.format(v))}</title></rect>`,
      );
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
      return `<rect x="${(i * w + 0.5).toFixed(2)}" y="${(height - h).toFixed(2)}" width="${(w - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="${opts.color ?? HIST_COLOR}"><title>${(i / hist.length).toFixed(1)}–${((i + 1) / hist.length).toFixed(1)}: ${v}</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" stroke="#ccc"/>${bars}</svg>`;
}

export function legend(keys: readonly string[], color: (key: string) => string, name: (key: string) => string = (k) => k): string {
  return `<div class="legend">${keys.map((k) => `<span title="${esc(k)}"><i style="background:${color(k)}"></i>${esc(name(k))}</span>`).join('')}</div>`;
}
