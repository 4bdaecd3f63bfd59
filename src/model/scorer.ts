import { tf } from './backend.js';
import { SparseScorer } from './sparse-scorer.js';
import type { ModelFiles } from './weight-data.js';

/** The Node classifier's scorer: SparseScorer (sparse-scorer.ts) on the backend that backend.ts selected. */
export class TfjsScorer extends SparseScorer {
  constructor(files: ModelFiles) {
    super(tf, files);
  }
}
