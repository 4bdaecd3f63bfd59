import {
  AMOUNT_SCALE,
  DOC_SCALE,
  HIST_BINS,
  TERM_SCRIPTS,
  REPORT_SCHEMA,
  type HardCell,
  type ModelIdentity,
  type Report,
  type ReportCounts,
  type ReportSettings,
  type SoftCell,
  type TagCell,
  type TermScript,
} from './report-types.js';
import { PartCounter } from './parts-count.js';
import { withSummary } from './summary.js';
import type { TaggedDoc } from './tagged-doc.js';
import { TermCounter } from './term-summary.js';
import { extractTerms } from './terms.js';

/** A partial report cannot be merged into this one; the message names the file and the key. */
export class ReportMergeError extends Error {
  override name = 'ReportMergeError';
}

export interface DocAmounts {
  chars: number;
  tokens: number;
  text: string;
  group: string | null;
}

function cellKey(group: string | null, lang: string, topic: string | null): string {
  return JSON.stringify([group, lang, topic]);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkedAdd(a: number, b: number, what: string): number {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw new RangeError(`${what} overflowed the exact integer range (2^53); split the report`);
  return s;
}

function histBin(score: number): number {
  return Math.min(HIST_BINS - 1, Math.max(0, Math.floor(score * HIST_BINS)));
}

function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort(compareKeys);
}

/**
 * Accumulates documents (or partial reports) into a report. Every counter is an integer: probabilities
 * are summed in fixed point (1e-6 docs, 1e-3 chars/tokens, rounded per document), so adding documents
 * in any order and merging partial reports in any grouping give identical numbers.
 */
export class ReportBuilder {
  private readonly cells = new Map<string, HardCell>();
  private readonly soft = new Map<string, SoftCell>();
  private readonly tags = new Map<string, TagCell>();
  private readonly terms = new Map<string, { topic: string; script: TermScript; docs: number; counter: TermCounter }>();
  private readonly parts = new PartCounter();
  private readonly inputs = new Set<string>();
  private readonly seenLabels = new Set<string>();
  private model: ModelIdentity;
  readonly counts: ReportCounts = { read: 0, counted: 0, errors: 0, errors_by_code: {}, full_scores_docs: 0, top_k_docs: 0 };
  readonly warnings: string[] = [];
  /** The first tokenizer version recorded by this builder's settings or a merged report. */
  private tokenizerVersion: string | undefined;
  /** Set when a merged report did not record its tokenizer version: the merged version is then unknown too. */
  private tokenizerVersionUnknown = false;

  constructor(
    readonly settings: ReportSettings,
    model: ModelIdentity | null,
  ) {
    this.model = model ?? { name: null, data_hash: null, id: null, labels: [], labels_source: 'data' };
    this.tokenizerVersion = settings.tokenizer_version;
  }

  addInput(file: string): void {
    this.inputs.add(file);
  }

  addError(code: string): void {
    this.counts.errors++;
    this.counts.errors_by_code[code] = (this.counts.errors_by_code[code] ?? 0) + 1;
  }

  addDoc(doc: TaggedDoc, amounts: DocAmounts): void {
    const { chars, tokens, group } = amounts;
    this.counts.counted++;
    // a tagged document's soft counts come from its tags, neither from full scores nor from the top-k
    if (!doc.tags) {
      if (doc.truncated) this.counts.top_k_docs++;
      else this.counts.full_scores_docs++;
    }

    const cell = this.hardCell(group, doc.lang, doc.topic);
    cell.docs++;
    cell.chars += chars;
    cell.tokens += tokens;
    cell.confidence_e6 += Math.round(doc.topScore * DOC_SCALE);
    cell.hist[histBin(doc.topScore)]!++;
    if (doc.belowThreshold) cell.below_threshold_docs++;
    if (doc.belowThreshold || doc.topScore < this.settings.uncertain_below) {
      cell.uncertain_docs++;
      cell.uncertain_tokens += tokens;
    }

    if (doc.tags) {
      this.counts.multi_label_docs = (this.counts.multi_label_docs ?? 0) + 1;
      for (const [label] of doc.tags) {
        const t = this.tagCell(group, doc.lang, label);
        t.docs++;
        t.chars += chars;
        t.tokens += tokens;
      }
      // a multi-label document's scores are not a distribution: its one unit of mass is split over its tags
      // in proportion to their scores (all of it on the top topic when it has none)
      const split = doc.tags.length > 0 ? doc.tags : [[doc.topic, 1] as [string, number]];
      let total = 0;
      for (const [, p] of split) total += p;
      for (const [label, p] of split) this.addSoft(group, doc.lang, label, total > 0 ? p / total : 1 / split.length, chars, tokens);
    } else {
      let mass = 0;
      for (const [label, p] of doc.dist) {
        mass += p;
        this.addSoft(group, doc.lang, label, p, chars, tokens);
      }
      if (doc.truncated && mass < 1) this.addSoft(group, doc.lang, null, 1 - mass, chars, tokens);
    }

    if (doc.parts) this.parts.add(doc.lang, doc.topic, doc.parts);
    if (this.model.labels_source === 'data') {
      this.seenLabels.add(doc.topic);
      for (const [label] of doc.dist) this.seenLabels.add(label);
      for (const label of doc.parts ?? []) this.seenLabels.add(label);
    }
    if (this.settings.term_capacity > 0) {
      const found = extractTerms(amounts.text);
      for (const script of TERM_SCRIPTS) this.addTerms(doc.topic, script, found[script]);
    }
  }

  private hardCell(group: string | null, lang: string, topic: string): HardCell {
    const key = cellKey(group, lang, topic);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = {
        group,
        lang,
        topic,
        docs: 0,
        chars: 0,
        tokens: 0,
        confidence_e6: 0,
        hist: new Array<number>(HIST_BINS).fill(0),
        uncertain_docs: 0,
        uncertain_tokens: 0,
        below_threshold_docs: 0,
      };
      this.cells.set(key, cell);
    }
    return cell;
  }

  private tagCell(group: string | null, lang: string, topic: string): TagCell {
    const key = cellKey(group, lang, topic);
    let cell = this.tags.get(key);
    if (cell === undefined) {
      cell = { group, lang, topic, docs: 0, chars: 0, tokens: 0 };
      this.tags.set(key, cell);
    }
    return cell;
  }

  private softCell(group: string | null, lang: string, topic: string | null): SoftCell {
    const key = cellKey(group, lang, topic);
    let cell = this.soft.get(key);
    if (cell === undefined) {
      cell = { group, lang, topic, docs_e6: 0, chars_e3: 0, tokens_e3: 0 };
      this.soft.set(key, cell);
    }
    return cell;
  }

  private addSoft(group: string | null, lang: string, topic: string | null, p: number, chars: number, tokens: number): void {
    const cell = this.softCell(group, lang, topic);
    cell.docs_e6 += Math.round(p * DOC_SCALE);
    cell.chars_e3 += Math.round(p * chars * AMOUNT_SCALE);
    cell.tokens_e3 += Math.round(p * tokens * AMOUNT_SCALE);
  }

  private termSummary(topic: string, script: TermScript): { docs: number; counter: TermCounter } {
    const key = JSON.stringify([topic, script]);
    let s = this.terms.get(key);
    if (s === undefined) {
      s = { topic, script, docs: 0, counter: new TermCounter(this.settings.term_capacity) };
      this.terms.set(key, s);
    }
    return s;
  }

  private addTerms(topic: string, script: TermScript, found: Set<string>): void {
    if (found.size === 0) return;
    const s = this.termSummary(topic, script);
    s.docs++;
    for (const term of found) s.counter.add(term);
  }

  /** Add a partial report. `file` names it in error messages. */
  merge(part: Report, file: string): void {
    this.checkSettings(part.settings, file);
    this.mergeModel(part.model, file);
    for (const input of part.inputs) {
      if (input !== '-' && this.inputs.has(input)) {
        this.warnings.push(`${file}: input ${input} is also in another partial report; its documents are counted twice`);
      }
      this.inputs.add(input);
    }
    const c = this.counts;
    c.read = checkedAdd(c.read, part.counts.read, `${file}: counts.read`);
    c.counted = checkedAdd(c.counted, part.counts.counted, `${file}: counts.counted`);
    c.errors = checkedAdd(c.errors, part.counts.errors, `${file}: counts.errors`);
    c.full_scores_docs = checkedAdd(c.full_scores_docs, part.counts.full_scores_docs, `${file}: counts.full_scores_docs`);
    c.top_k_docs = checkedAdd(c.top_k_docs, part.counts.top_k_docs, `${file}: counts.top_k_docs`);
    if (part.counts.multi_label_docs !== undefined) {
      c.multi_label_docs = checkedAdd(c.multi_label_docs ?? 0, part.counts.multi_label_docs, `${file}: counts.multi_label_docs`);
    }
    for (const [code, n] of Object.entries(part.counts.errors_by_code)) {
      c.errors_by_code[code] = checkedAdd(c.errors_by_code[code] ?? 0, n, `${file}: counts.errors_by_code.${code}`);
    }
    for (const src of part.state.cells) {
      const cell = this.hardCell(src.group, src.lang, src.topic);
      const at = `${file}: state.cells ${src.topic}/${src.lang}`;
      cell.docs = checkedAdd(cell.docs, src.docs, at);
      cell.chars = checkedAdd(cell.chars, src.chars, at);
      cell.tokens = checkedAdd(cell.tokens, src.tokens, at);
      cell.confidence_e6 = checkedAdd(cell.confidence_e6, src.confidence_e6, at);
      for (let i = 0; i < HIST_BINS; i++) cell.hist[i] = checkedAdd(cell.hist[i]!, src.hist[i]!, at);
      cell.uncertain_docs = checkedAdd(cell.uncertain_docs, src.uncertain_docs, at);
      cell.uncertain_tokens = checkedAdd(cell.uncertain_tokens, src.uncertain_tokens, at);
      cell.below_threshold_docs = checkedAdd(cell.below_threshold_docs, src.below_threshold_docs, at);
    }
    for (const src of part.state.soft) {
      const cell = this.softCell(src.group, src.lang, src.topic);
      const at = `${file}: state.soft ${src.topic ?? '(rest)'}/${src.lang}`;
      cell.docs_e6 = checkedAdd(cell.docs_e6, src.docs_e6, at);
      cell.chars_e3 = checkedAdd(cell.chars_e3, src.chars_e3, at);
      cell.tokens_e3 = checkedAdd(cell.tokens_e3, src.tokens_e3, at);
    }
    for (const src of part.state.tags ?? []) {
      const cell = this.tagCell(src.group, src.lang, src.topic);
      const at = `${file}: state.tags ${src.topic}/${src.lang}`;
      cell.docs = checkedAdd(cell.docs, src.docs, at);
      cell.chars = checkedAdd(cell.chars, src.chars, at);
      cell.tokens = checkedAdd(cell.tokens, src.tokens, at);
    }
    for (const src of part.state.terms) {
      const s = this.termSummary(src.topic, src.script);
      s.docs += src.docs;
      s.counter.merge(src.counts, src.max_error);
    }
    if (part.state.parts) this.parts.merge(part.state.parts, checkedAdd, file);
  }

  private checkSettings(other: ReportSettings, file: string): void {
    const keys: Array<keyof ReportSettings> = ['tokenizer', 'group_by', 'text_field', 'uncertain_below', 'hist_bins', 'term_capacity'];
    for (const key of keys) {
      if (other[key] !== this.settings[key]) {
        throw new ReportMergeError(
          `${file}: settings.${key} is ${JSON.stringify(other[key])}, but the reports merged before it have ${JSON.stringify(this.settings[key])}; ` +
            'partial reports must be made with the same options',
        );
      }
    }
    this.checkTokenizerVersion(other.tokenizer_version, file);
  }

  /**
   * Token counts of different tokenizer versions do not add up, so they do not merge. A report from before
   * versions were recorded merges with a warning, and the merged report's version is unknown.
   */
  private checkTokenizerVersion(theirs: string | undefined, file: string): void {
    if (theirs === undefined) {
      if (!this.tokenizerVersionUnknown) {
        this.warnings.push(`${file}: settings.tokenizer_version is not recorded (a report from an older topicmix); the merged report's tokenizer version is unknown`);
      }
      this.tokenizerVersionUnknown = true;
      return;
    }
    if (this.tokenizerVersion === undefined) {
      this.tokenizerVersion = theirs;
    } else if (theirs !== this.tokenizerVersion) {
      throw new ReportMergeError(
        `${file}: settings.tokenizer_version is ${JSON.stringify(theirs)}, but the reports merged before it have ${JSON.stringify(this.tokenizerVersion)}; ` +
          'token counts of different tokenizer versions do not add up: count all parts with the same version',
      );
    }
  }

  private mergedSettings(): ReportSettings {
    if (this.tokenizerVersionUnknown || this.tokenizerVersion === undefined) {
      const { tokenizer_version: _, ...rest } = this.settings;
      return rest;
    }
    return { ...this.settings, tokenizer_version: this.tokenizerVersion };
  }

  private mergeModel(other: ModelIdentity, file: string): void {
    const mine = this.model;
    // Parts counted with a model and parts made without one (labels only from the data) do not mix: the
    // merged report would name a model that never saw some of its documents.
    if (other.labels_source !== mine.labels_source) {
      throw new ReportMergeError(
        other.labels_source === 'data'
          ? `${file}: was made without \`model\` (labels from the data), but the reports merged before it were counted with model ${mine.id ?? '?'}; make every partial report with the same \`model\``
          : `${file}: was counted with model ${other.id ?? '?'}, but the reports merged before it were made without \`model\`; make every partial report with the same \`model\``,
      );
    }
    if (other.labels_source === 'data') {
      for (const l of other.labels) this.seenLabels.add(l);
      return;
    }
    if (other.name !== mine.name || other.data_hash !== mine.data_hash) {
      throw new ReportMergeError(`${file}: model.id is ${JSON.stringify(other.id)}, but the reports merged before it have ${JSON.stringify(mine.id)}`);
    }
    if (sortLabels(other.labels).join('\n') !== mine.labels.join('\n')) {
      throw new ReportMergeError(`${file}: model.labels differ from the reports merged before it (same model id ${JSON.stringify(mine.id)})`);
    }
  }

  build(): Report {
    const model: ModelIdentity = this.model.labels_source === 'data' ? { ...this.model, labels: sortLabels(this.seenLabels) } : this.model;
    const cells = [...this.cells.entries()].sort((a, b) => compareKeys(a[0], b[0])).map((e) => e[1]);
    const soft = [...this.soft.entries()].sort((a, b) => compareKeys(a[0], b[0])).map((e) => e[1]);
    const terms = [...this.terms.entries()]
      .sort((a, b) => compareKeys(a[0], b[0]))
      .map(([, s]) => ({ topic: s.topic, script: s.script, docs: s.docs, max_error: s.counter.maxError, counts: s.counter.sorted() }));
    const counts: ReportCounts = {
      ...this.counts,
      errors_by_code: Object.fromEntries(Object.entries(this.counts.errors_by_code).sort((a, b) => compareKeys(a[0], b[0]))),
    };
    const parts = this.parts.build();
    const tags = [...this.tags.entries()].sort((a, b) => compareKeys(a[0], b[0])).map((e) => e[1]);
    const state = { cells, soft, terms, ...(parts && { parts }), ...(tags.length > 0 && { tags }) };
    const partial = {
      schema: REPORT_SCHEMA,
      model,
      settings: this.mergedSettings(),
      inputs: [...this.inputs].sort(compareKeys),
      counts,
      state,
    } as const;
    return withSummary(partial);
  }
}
