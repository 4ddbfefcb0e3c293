/**
 * Where a V8 CPU profile (`npm run bench -- --profile`, `node --cpu-prof`)
 * spends its time: self time by package or platform file, by function, and
 * the inclusive time of the functions named on the command line.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 40] [--calls <n>] [--under name,name] [--callers name,name] [--skip <s>]
 *
 * `--calls n` divides by the calls the process served (e.g. a bench window's
 * ops), giving µs per call.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '40' },
    calls: { type: 'string' },
    under: { type: 'string' },
    callers: { type: 'string' },
    skip: { type: 'string' },
  },
});
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const top = Number(values.top);
const calls = values.calls ? Number(values.calls) : undefined;

/** Self time per node id, in µs; `--skip s` leaves out the first s seconds (start-up). */
const self = new Map<number, number>();
const skipUs = Number(values.skip ?? 0) * 1e6;
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= skipUs) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** "pkg" for node_modules/pkg (or @scope/pkg), the path after dist/ for the project's files. */
function owner(url: string, name: string): string {
  if (!url) return `(${name || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  const own = /\/(?:dist\/)?((?:platform|services|gen)\/.*)$/.exec(url);
  return own ? own[1] : url;
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
const busy = total - idle;

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  add(byOwner, owner(url, functionName), t);
  add(byFunction, `${functionName || '(anonymous)'} ${owner(url, functionName)}:${lineNumber + 1}`, t);
}

const fmt = (us: number) => {
  const pct = ((100 * us) / busy).toFixed(1).padStart(5);
  const per = calls ? `  ${(us / calls).toFixed(1).padStart(7)} µs/call` : '';
  return `${pct} %${per}`;
};
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n## ${title}\n`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${fmt(t)}  ${k}\n`);
};

process.stdout.write(`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s CPU\n`);
print('self time by package / file', byOwner);
print('self time by function', byFunction);

// Inclusive time of the named functions (a frame counted once per sample even when recursive).
if (values.under) {
  const wanted = values.under.split(',');
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { functionName, url } = byId.get(n)!.callFrame;
      for (const w of wanted) if (!seen.has(w) && (functionName === w || owner(url, functionName).includes(w))) seen.add(w);
    }
    for (const w of seen) add(inclusive, w, t);
  }
  print('inclusive time', inclusive);
}

// Who calls the named functions, by self time of the named frame.
if (values.callers) {
  for (const wanted of values.callers.split(',')) {
    const callers = new Map<string, number>();
    for (const [id, t] of self) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName !== wanted) continue;
      const up = parent.get(id);
      const p = up === undefined ? undefined : byId.get(up)!.callFrame;
      add(callers, p ? `${p.functionName || '(anonymous)'} ${owner(p.url, p.functionName)}:${p.lineNumber + 1}` : '(root)', t);
    }
    print(`callers of ${wanted}`, callers);
  }
}
