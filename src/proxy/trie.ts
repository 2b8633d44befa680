// Path-segment trie with longest-prefix match, CHP semantics (configurable-http-proxy lib/trie.js):
// keys and lookups are compared whole segment by whole segment, '/' (no segments) matches every
// path, and a key stored at '/user/alice' matches '/user/alice', '/user/alice/' and
// '/user/alice/lab' but never '/user/alicex'. Removing a key keeps the keys below it.

/**
 * Normalizes a route key the way CHP does: a leading '/' is added and trailing '/'s are removed,
 * except for '/' itself. (CHP removes a single trailing '/'; removing all of them keeps
 * '/a//' and '/a' from becoming two keys for the same trie node.)
 */
export function normalizeRouteKey(key: string): string {
  let end = key.length;
  while (end > 0 && key.charCodeAt(end - 1) === 47 /* / */) end--;
  if (end === 0) return '/';
  const body = end === key.length ? key : key.slice(0, end);
  return body.charCodeAt(0) === 47 ? body : '/' + body;
}

/** Splits a key into its segments: '/a/b/' → ['a', 'b'], '/' → []. */
export function keySegments(key: string): string[] {
  let start = 0;
  let end = key.length;
  while (start < end && key.charCodeAt(start) === 47) start++;
  while (end > start && key.charCodeAt(end - 1) === 47) end--;
  return start === end ? [] : key.slice(start, end).split('/');
}

class TrieNode<T> {
  children: Map<string, TrieNode<T>> | null = null;
  value: T | undefined = undefined;
}

export class PathTrie<T> {
  private readonly root = new TrieNode<T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores `value` at `key` (any form; segments are what count), replacing what was there. */
  set(key: string, value: T): void {
    let node = this.root;
    for (const segment of keySegments(key)) {
      let children = node.children;
      if (children === null) children = node.children = new Map();
      let child = children.get(segment);
      if (child === undefined) {
        child = new TrieNode<T>();
        children.set(segment, child);
      }
      node = child;
    }
    if (node.value === undefined) this.count++;
    node.value = value;
  }

  /** Exact lookup. */
  get(key: string): T | undefined {
    let node: TrieNode<T> | undefined = this.root;
    for (const segment of keySegments(key)) {
      node = node.children?.get(segment);
      if (node === undefined) return undefined;
    }
    return node.value;
  }

  /** Removes the value at exactly `key`; nodes left empty are pruned, deeper keys stay. */
  delete(key: string): boolean {
    const segments = keySegments(key);
    const path: TrieNode<T>[] = [this.root];
    let node: TrieNode<T> | undefined = this.root;
    for (const segment of segments) {
      node = node.children?.get(segment);
      if (node === undefined) return false;
      path.push(node);
    }
    if (node.value === undefined) return false;
    node.value = undefined;
    this.count--;
    for (let i = segments.length; i > 0; i--) {
      const current = path[i];
      if (current.value !== undefined || (current.children !== null && current.children.size > 0)) break;
      const parent = path[i - 1];
      parent.children!.delete(segments[i - 1]);
      if (parent.children!.size === 0) parent.children = null;
    }
    return true;
  }

  /**
   * Longest-prefix match of a request path (already percent-decoded). Walks the path without
   * splitting it into an array: one substring per segment until the trie runs out of branches.
   */
  match(path: string): T | undefined {
    let node = this.root;
    let best = node.value;
    const length = path.length;
    let i = 0;
    while (i < length && path.charCodeAt(i) === 47) i++;
    while (i < length) {
      const children = node.children;
      if (children === null) break;
      let j = path.indexOf('/', i);
      if (j === -1) j = length;
      const child = children.get(path.slice(i, j));
      if (child === undefined) break;
      node = child;
      if (node.value !== undefined) best = node.value;
      i = j + 1;
      // a trailing '/' ends the path: '/user/alice/' is the same node as '/user/alice'
      if (i === length) break;
    }
    return best;
  }

  /** Every stored value (order unspecified). */
  values(): T[] {
    const out: T[] = [];
    const stack: TrieNode<T>[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.value !== undefined) out.push(node.value);
      if (node.children !== null) for (const child of node.children.values()) stack.push(child);
    }
    return out;
  }
}
