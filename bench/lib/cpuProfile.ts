// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package
// (node_modules/<pkg>, nbhub's src/<dir>, node's internals, native/GC), and the inclusive time of
// nbhub's own functions. Samples from the first --skip seconds (start-up) are left out, and idle
// time is not counted, so the percentages are shares of the busy CPU time in the window.
//
//   node --import tsx bench/lib/cpuProfile.ts FILE.cpuprofile [--skip 5] [--top 40]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { skip: { type: 'string', default: '5' }, top: { type: 'string', default: '40' } },
  allowPositionals: true,
});
if (positionals.length !== 1) throw new Error('usage: cpuProfile.ts FILE.cpuprofile [--skip S] [--top N]');
const file = positionals[0];
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const skipUs = Number(values.skip) * 1e6;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/src/');
  if (src >= 0) {
    const parts = url.slice(src + 5).split('/');
    return parts.length > 1 ? `nbhub src/${parts[0]}` : `nbhub src/${parts[0]}`;
  }
  return url;
}
const label = (f: CallFrame) => {
  const where = f.url ? f.url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^file:\/\//, '') : '';
  return `${f.functionName || '(anonymous)'} ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
};

const self = new Map<number, number>();
let t = profile.startTime;
let busy = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t - profile.startTime < skipUs) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i])!;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  self.set(node.id, (self.get(node.id) ?? 0) + dt);
}

const selfByFn = new Map<string, number>();
const selfByPkg = new Map<string, number>();
const inclusiveOwn = new Map<string, number>();
/** Self time charged to the nearest frame outside node's internals and native code. */
const byCaller = new Map<string, number>();
const byCallerFn = new Map<string, number>();
const byCallerFile = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  selfByFn.set(label(f), (selfByFn.get(label(f)) ?? 0) + us);
  const pkg = packageOf(f.url, f.functionName);
  selfByPkg.set(pkg, (selfByPkg.get(pkg) ?? 0) + us);
  let owner: CallFrame | null = null;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur)!.callFrame;
    if (cf.url && !cf.url.startsWith('node:')) {
      owner = cf;
      break;
    }
  }
  const ownerPkg = owner ? packageOf(owner.url, owner.functionName) : pkg;
  byCaller.set(ownerPkg, (byCaller.get(ownerPkg) ?? 0) + us);
  const ownerFile = owner && owner.url.includes('/src/') && !owner.url.includes('/node_modules/') ? `nbhub ${owner.url.slice(owner.url.lastIndexOf('/src/') + 1)}` : ownerPkg;
  byCallerFile.set(ownerFile, (byCallerFile.get(ownerFile) ?? 0) + us);
  const ownerFn = owner ? label(owner) : label(f);
  byCallerFn.set(ownerFn, (byCallerFn.get(ownerFn) ?? 0) + us);
  // inclusive time of nbhub's own functions: each distinct one on the stack once
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur)!.callFrame;
    if (!cf.url.includes('/src/') || cf.url.includes('/node_modules/')) continue;
    const l = label(cf);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusiveOwn.set(l, (inclusiveOwn.get(l) ?? 0) + us);
  }
}

// piped into head: stop quietly when the reader goes away
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const msOf = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title: string, m: Map<string, number>, n: number) => {
  process.stdout.write(`\n## ${title}\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${pct(us)} ${msOf(us)}  ${k}\n`);
};
process.stdout.write(`${file}: busy ${msOf(busy)}, idle ${msOf(idle)} after the first ${values.skip} s\n`);
print('self time by package', selfByPkg, top);
print('self time by function', selfByFn, top);
print("self time by package, node's internals charged to the package that called them", byCaller, top);
print("self time by package or nbhub file, node's internals charged to the caller", byCallerFile, top);
print("self time by function, node's internals charged to the function that called them", byCallerFn, top);
print("inclusive time of nbhub's own functions", inclusiveOwn, top);
