export { InputError, displayPath, isGzipPath, resolveInputs } from './inputs.js';
export {
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_LINE_BYTES,
  LineSplitter,
  firstInvalidUtf8,
  readLineBatches,
  readLines,
  type RawLine,
  type ReadLinesOptions,
} from './line-reader.js';
export {
  MAX_RAW_IN_ERROR_BYTES,
  errorRecord,
  jsonTypeName,
  parseDocLine,
  parseLabelledLine,
  type ParsedDoc,
  type ParsedLabelled,
} from './records.js';
export { formatErrors, readLabelled, type ReadLabelledResult } from './labelled.js';
export { AtomicWriter, OutputError, writeFileAtomic, type AtomicWriterOptions } from './atomic-writer.js';
