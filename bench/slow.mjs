// The slow collectors' cost on a node with ~5,000 iptables rules (kube-proxy-like, 1,000 Services
// of test/lab/iptables-rules.mjs, loaded with iptables-restore into BOTH backends of a fresh
// network namespace: unshare --net, nothing of the host changes). Runs the real remote/slow.sh
// under `sh -c` the way the sampler does (hashes and the nft watcher's mark from the answer
// before) and reads each read's CPU from the shell's `times` (children), plus the CPU the nft
// watcher (xtables-monitor, left running between reads) used over the whole run.
// One slow read per --slow-every (default 60 s): per read = per minute; every NFT_FULL_EVERY-th
// read saves nft in full (the bound), so the per-minute average is given too. Where nft exists,
// slow.sh also lists the native nft tables (none here: only iptables-nft's, which it skips).
// Usage: node bench/slow.mjs [SERVICES=714] [READS=5] [BACKENDS=both|legacy|nft] (which backends get the rules)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeProxyRestore } from '../test/lab/iptables-rules.mjs';

const services = Number(process.argv[2] ?? 714);
const reads = Number(process.argv[3] ?? 5);
const backends = process.argv[4] ?? 'both';
if (!['both', 'legacy', 'nft'].includes(backends)) throw new Error('BACKENDS: both, legacy or nft');
const FULL_EVERY = 20; // NFT_FULL_EVERY in src/sources/parsers/iptables.ts
const dir = mkdtempSync(join(tmpdir(), 'nw-bench-slow-'));
const rules = join(dir, 'rules');
writeFileSync(rules, kubeProxyRestore(services));
const slow = new URL('../src/sources/remote/slow.sh', import.meta.url).pathname;
// inside one netns: load; the parts alone; then reads: first (no hash), READS unchanged, the
// bound's nft read, one Service changed in legacy, one in nft. "T LABEL" + `times` after each.
const inner = `
set -e
case $5 in both|legacy) iptables-legacy-restore < "$1";; esac
case $5 in both|nft) iptables-nft-restore < "$1";; esac
echo "rules: legacy $(iptables-legacy-save | grep -c '^-A'), nft $(iptables-nft-save 2>/dev/null | grep -c '^-A')"
mark() { echo "T $1"; times; }
part() { l=$1; shift; i=0; while [ $i -lt 5 ]; do sh -c "$*" > /dev/null 2>&1; i=$((i+1)); done; mark "part $l"; }
mark start
part legacy-save 'iptables-legacy-save'
part nft-save 'iptables-nft-save'
part legacy-save+strip+md5 'iptables-legacy-save | awk "/^#/ { next } { sub(/ \\\\[[0-9]+:[0-9]+\\\\]\\$/, \\"\\"); print }" | md5sum'
part iptables-V 'iptables -V'
hr=
run() { nw_hl=$1 nw_hn=$2 nw_mn=$3 nw_hr=$hr nw_to=5 sh "$4" > "$5"; }
get() { sed -n "/^@@ [0-9]* $1\\$/{n;p;}" "$2" | sed 's/^[a-z]* //'; }
run "" "" "" "$2" "$4/first"; mark first
hl=$(get ipt_legacy "$4/first"); hn=$(get ipt_nft "$4/first"); mn=$(get nftmark "$4/first"); hr=$(get nftrs "$4/first")
echo "nft watcher mark: $mn"
# (nothing changed: the mark stays; a read that found otherwise would show as a full read's CPU)
i=0; while [ $i -lt "$3" ]; do run "$hl" "$hn" "$mn" "$2" "$4/same$i"; i=$((i+1)); done
mark same
for f in "$4"/same*; do [ "$(get nftmark "$f")" = "$mn" ] || echo "NOTE: the watcher mark moved in $f"; done
run "$hl" "$hn" "\${mn%.*}.0" "$2" "$4/bound"; mark bound
# one Service's rule more (kube-proxy's chain; FORWARD when that backend has no rules loaded)
svc() { "$1" -t nat -A KUBE-SERVICES -d 198.19.250.1/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ 2>/dev/null || "$1" -A FORWARD -d 198.19.250.1/32 -p tcp -m tcp --dport 80 -j ACCEPT 2>/dev/null; }
svc iptables-legacy; mark add-legacy
run "$hl" "$hn" "$mn" "$2" "$4/changed"; mark changed-legacy
hl=$(get ipt_legacy "$4/changed")
svc iptables-nft; mark add-nft
run "$hl" "$hn" "$mn" "$2" "$4/changednft"; mark changed-nft
w=\${mn%%.*}
read -r st < /proc/$w/stat; set -- \${st##*) }; echo "watcher cpu ticks: $(( \${12} + \${13} ))"; kill "$w"
`;
const t0 = Date.now();
const out = execFileSync('unshare', ['--net', 'sh', '-c', inner, 'bench', rules, slow, String(reads), dir, backends], { encoding: 'utf8' });
const secs = (l) => l.trim().split(/\s+/).map((x) => { const m = /(\d+)m([\d.]+)s/.exec(x); return m ? Number(m[1]) * 60 + Number(m[2]) : 0; }).reduce((a, b) => a + b, 0);
// "T LABEL", then `times`: the shell's line, then the children's line (cumulative)
const lines = out.trim().split('\n');
const cum = new Map();
const order = [];
for (let i = 0; i < lines.length; i++) {
  if (lines[i].startsWith('T ')) {
    cum.set(lines[i].slice(2), secs(lines[i + 2]));
    order.push(lines[i].slice(2));
  }
}
const delta = (label) => {
  const k = order.indexOf(label);
  return (cum.get(label) - cum.get(order[k - 1])) * 1000;
};
const size = (f) => readFileSync(join(dir, f)).length;
const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const watcherMs = (Number(/watcher cpu ticks: (\d+)/.exec(out)?.[1] ?? NaN) * 1000) / hz;
for (const l of lines) if (!/^T |^\d+m[\d.]+s /.test(l)) console.log(l);
console.log(`services ${services}, rules in ${backends}, reads ${reads}, wall ${Date.now() - t0} ms`);
console.log('parts, CPU per run (5 runs each):');
for (const p of order.filter((l) => l.startsWith('part '))) console.log(`  ${p.slice(5)}: ${(delta(p) / 5).toFixed(1)} ms`);
const same = delta('same') / reads;
const bound = delta('bound');
console.log(`node CPU per unchanged read: ${same.toFixed(1)} ms`);
console.log(`node CPU of the bound's read (nft saved in full, unchanged): ${bound.toFixed(1)} ms`);
console.log(`node CPU per minute at --slow-every 60, nothing changed (${FULL_EVERY - 1} unchanged + 1 bound read per ${FULL_EVERY}): ${(((FULL_EVERY - 1) * same + bound) / FULL_EVERY).toFixed(1)} ms`);
console.log(`nft watcher (xtables-monitor) CPU over the whole run: ${watcherMs.toFixed(0)} ms`);
console.log(`node CPU of the first read (no hashes): ${delta('first').toFixed(1)} ms`);
console.log(`node CPU of the read after one Service changed in legacy: ${delta('changed-legacy').toFixed(1)} ms`);
console.log(`node CPU of the read after one Service changed in nft: ${delta('changed-nft').toFixed(1)} ms`);
console.log(`bytes shipped: first read ${size('first')}, unchanged ${size('same0')}, bound ${size('bound')}, legacy changed ${size('changed')}, nft changed ${size('changednft')}`);
rmSync(dir, { recursive: true, force: true });
