// Reading and writing nested plain data by key path (the config before it has its final type).
import type { ConfigPath } from './errors.ts';

export type PlainObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getIn(data: unknown, path: ConfigPath): unknown {
  let node = data;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isPlainObject(node)) node = node[String(seg)];
    else return undefined;
  }
  return node;
}

/** Sets a value, creating mappings on the way. Returns false if a non-mapping is in the way. */
export function setIn(data: PlainObject, path: ConfigPath, value: unknown): boolean {
  let node: PlainObject = data;
  for (const seg of path.slice(0, -1)) {
    const key = String(seg);
    if (node[key] === undefined || node[key] === null) node[key] = {};
    const next = node[key];
    if (!isPlainObject(next)) return false;
    node = next;
  }
  node[String(path[path.length - 1])] = value;
  return true;
}

export function deleteIn(data: unknown, path: ConfigPath): void {
  const parent = getIn(data, path.slice(0, -1));
  if (isPlainObject(parent)) delete parent[String(path[path.length - 1])];
}

/** True when `path` is `prefix` or lies under it. */
export function isUnder(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}
