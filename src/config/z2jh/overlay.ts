// Several values files read as one, as `helm -f a.yaml -f b.yaml` reads them: mappings merge
// deeply, a later file's list or scalar replaces the earlier value, and `null` removes the key.
// Each key remembers the file it came from, so every message names that file and its line.
import type { ConfigPath, ConfigProblem } from '../errors.ts';
import { getIn, isPlainObject, type PlainObject } from '../dataPath.ts';
import type { Position, YamlSource } from '../yamlSource.ts';

export interface Place extends Position {
  file: string;
}

export interface SourceSet {
  /** The files, in the order given (later ones win). */
  files: string[];
  /** The merged data. */
  data: unknown;
  /** YAML syntax problems of every file. */
  problems: ConfigProblem[];
  /** Where a key was written: the last file that has it (or the nearest enclosing key that one of them has). */
  locate(path: ConfigPath, at?: 'key' | 'value'): Place;
}

/** Merges `over` into `base` (both as parsed from YAML); neither is modified. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : structuredClone(over);
  const out: PlainObject = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = mergeValues(out[key], value);
  }
  return out;
}

export function combineSources(sources: YamlSource[]): SourceSet {
  if (sources.length === 0) throw new Error('combineSources needs at least one source');
  const problems = sources.flatMap((s) => s.problems);
  let data: unknown = undefined;
  if (!problems.length) {
    data = sources[0].data;
    // A file with only comments is empty, not a mapping to merge.
    for (const s of sources.slice(1)) if (s.data !== null && s.data !== undefined) data = data === null || data === undefined ? s.data : mergeValues(data, s.data);
  }
  const locate = (path: ConfigPath, at?: 'key' | 'value'): Place => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      for (let i = sources.length - 1; i >= 0; i--) {
        if (n > 0 && getIn(sources[i].data, prefix) === undefined) continue;
        if (n === 0 && i !== sources.length - 1) continue;
        return { file: sources[i].file, ...sources[i].locate(path, at) };
      }
    }
    return { file: sources[sources.length - 1].file, line: 0, column: 0 };
  };
  return { files: sources.map((s) => s.file), data, problems, locate };
}
