// The slow collectors' cost on a node with ~5,000 iptables rules (kube-proxy-like, 1,000 Services
// of test/lab/iptables-rules.mjs, loaded with iptables-restore into BOTH backends of a fresh
// network namespace: unshare --net, nothing of the host changes). Runs the real remote/slow.sh
// under `sh -c` and reads its children's CPU with the shell's `times`; bytes = its output.
// One slow read per --slow-every (default 60 s): per read = per minute. Needs root. Where nft exists,
// slow.sh also lists the native nft tables (none here: only iptables-nft's, which it skips).
// Usage: node bench/slow.mjs [SERVICES=714] [READS=5]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeProxyRestore } from '../test/lab/iptables-rules.mjs';

const services = Number(process.argv[2] ?? 714);
const reads = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'nw-bench-slow-'));
const rules = join(dir, 'rules');
writeFileSync(rules, kubeProxyRestore(services));
const slow = new URL('../src/sources/remote/slow.sh', import.meta.url).pathname;
// inside one netns: load, then READS reads with no hash, unchanged hashes, and after one Service changed
const inner = `
set -e
iptables-legacy-restore < "$1"; iptables-nft-restore < "$1"
n=$(iptables-legacy-save | grep -c '^-A')
echo "rules per backend: $n"
hr=
run() { nw_hl=$1 nw_hn=$2 nw_hr=$hr nw_to=5 sh "$3" > "$4"; }
hash() { sed -n "/^@@ [0-9]* $1\$/{n;p;}" "$2" | sed 's/^[a-z]* //'; }
run "" "" "$2" "$4/first"
hl=$(hash ipt_legacy "$4/first"); hn=$(hash ipt_nft "$4/first"); hr=$(hash nftrs "$4/first")
i=0; while [ $i -lt "$3" ]; do run "$hl" "$hn" "$2" "$4/same$i"; i=$((i+1)); done
times > "$4/times-same"
iptables-legacy -t nat -A KUBE-SERVICES -d 198.19.250.1/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
run "$hl" "$hn" "$2" "$4/changed"
times > "$4/times-all"
`;
const t0 = Date.now();
const out = execFileSync('unshare', ['--net', 'sh', '-c', inner, 'bench', rules, slow, String(reads), dir], { encoding: 'utf8' });
const cpu = (f) => {
  // `times`: shell user/sys, then children user/sys ("0m0.123s 0m0.045s")
  const l = readFileSync(join(dir, f), 'utf8').trim().split('\n')[1];
  return l.split(/\s+/).map((x) => { const m = /(\d+)m([\d.]+)s/.exec(x); return m ? Number(m[1]) * 60 + Number(m[2]) : 0; }).reduce((a, b) => a + b, 0);
};
const size = (f) => readFileSync(join(dir, f)).length;
const sameCpu = cpu('times-same');
// times-same covers the restores, the first read and READS unchanged reads: measure the restores + first read alone
const base = execFileSync('unshare', ['--net', 'sh', '-c', `iptables-legacy-restore < "$1"; iptables-nft-restore < "$1"; nw_to=5 sh "$2" > /dev/null; times`, 'b', rules, slow], { encoding: 'utf8' });
const baseCpu = base.trim().split('\n')[1].split(/\s+/).map((x) => { const m = /(\d+)m([\d.]+)s/.exec(x); return m ? Number(m[1]) * 60 + Number(m[2]) : 0; }).reduce((a, b) => a + b, 0);
const perUnchanged = (sameCpu - baseCpu) / reads;
const allCpu = cpu('times-all');
console.log(out.trim());
console.log(`services ${services}, reads ${reads}, wall ${Date.now() - t0} ms`);
console.log(`node CPU per unchanged read (= per minute at --slow-every 60): ${(perUnchanged * 1000).toFixed(1)} ms`);
console.log(`node CPU of the read after one Service changed (incl. one iptables -A): ${((allCpu - sameCpu) * 1000).toFixed(1)} ms`);
console.log(`bytes shipped: first read ${size('first')}, unchanged ${size('same0')}, one Service changed ${size('changed')}`);
