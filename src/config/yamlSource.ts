// A parsed config file that remembers where each key is, so problems can name file:line:col.
// YAML 1.1 rules are used because Helm (go-yaml) reads z2jh values that way: yes/no/on/off are
// booleans and `<<` merge keys work, so one file means the same to nbhub and to the chart.
// Like go-yaml reading into plain values, dates and 1:20-style numbers stay strings (an image
// tag 2024-01-15 is a tag, not a Date).
import { LineCounter, parseDocument, visit, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import { formatPath, type ConfigPath, type ConfigProblem } from './errors.ts';

export interface Position {
  line: number;
  column: number;
}

export interface YamlSource {
  file: string;
  /** The document as plain data; undefined when it could not be parsed. */
  data: unknown;
  /** YAML syntax problems (file:line:col), empty when the text parsed. */
  problems: ConfigProblem[];
  /**
   * Where a key is: its key (`at: 'key'`, for unknown keys) or its value (the default). A path
   * that is not in the file resolves to the nearest enclosing key that is.
   */
  locate(path: ConfigPath, at?: 'key' | 'value'): Position;
}

const NOWHERE: Position = { line: 0, column: 0 };

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    version: '1.1',
    uniqueKeys: true,
    customTags: (tags) => tags.filter((t) => !(typeof t === 'object' && (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME'))),
  });
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problem = (offset: number, message: string, path: ConfigPath = []): ConfigProblem => ({
    file,
    path: formatPath(path),
    ...pos(offset),
    message,
  });

  const problems: ConfigProblem[] = doc.errors.map((e) => problem(e.pos[0], `YAML syntax error: ${firstLine(e.message)}`));
  if (!problems.length) problems.push(...unresolvedAliases(doc, problem));
  let data: unknown;
  if (!problems.length) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      problems.push(problem(0, `YAML error: ${firstLine((e as Error).message)}`));
    }
  }

  const locate = (path: ConfigPath, at: 'key' | 'value' = 'value'): Position => {
    let node: unknown = doc.contents;
    const top = rangeOf(node);
    let best: Position = top ? pos(top[0]) : NOWHERE;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      let child: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return best;
        const keyRange = rangeOf(pair.key);
        if (keyRange) best = pos(keyRange[0]);
        child = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        child = node.items[seg];
        const r = rangeOf(child);
        if (r) best = pos(r[0]);
      } else {
        return best;
      }
      node = child;
    }
    // The value itself, unless it is empty (`key:` with nothing after it).
    const r = rangeOf(node);
    if (at === 'value' && path.length && r && r[1] > r[0]) return pos(r[0]);
    return best;
  };

  return { file, data, problems, locate };
}

/** Config given as data rather than text: nothing to point at. */
export function dataSource(data: unknown, file: string): YamlSource {
  return { file, data, problems: [], locate: () => NOWHERE };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  const r = (node as Node | null)?.range;
  return r ?? undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function unresolvedAliases(doc: Document, problem: (offset: number, message: string) => ConfigProblem): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && !node.resolve(doc)) {
        out.push(
          problem(
            node.range?.[0] ?? 0,
            `YAML: *${node.source} refers to an anchor that is not defined (a value starting with * must be quoted, e.g. "${'*'}${node.source}")`,
          ),
        );
      }
    },
  });
  return out;
}
