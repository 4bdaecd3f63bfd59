import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;

/** The yaml package, loaded on first use (only label sets, mappings and targets are YAML). */
export function loadYaml(): typeof Yaml {
  return (yaml ??= require('yaml') as typeof Yaml);
}
