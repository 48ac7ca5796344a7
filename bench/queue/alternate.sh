#!/usr/bin/env bash
# Alternates the queue and D-Bus enqueue benchmarks of two builds (old, new),
# ROUNDS times (default 6), and prints the medians: on a noisy machine only an
# alternated comparison means anything (docs/queue.md).
#   bench/queue/alternate.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
set -euo pipefail
old=$1 new=$2 rounds=${3:-6}
out=$(mktemp -d)
for r in $(seq "$rounds"); do
  order="old new"; [ $((r % 2)) = 0 ] && order="new old"
  for w in $order; do
    b=$old; [ "$w" = new ] && b=$new
    "$b/bench/queue/bench_queue" \
      --benchmark_filter='EnqueueBatch1000|DurableSingleEnqueue8|ClaimComplete' \
      --benchmark_out_format=json --benchmark_out="$out/q-$w-$r.json" > /dev/null 2>&1
    if [ "$r" -le 4 ]; then
      XEROD_BIN_DIR=$b/src "$b/bench/dbus/bench_dbus_enqueue" \
        --benchmark_out_format=json --benchmark_out="$out/d-$w-$r.json" > /dev/null 2>&1
    fi
  done
done
/usr/bin/python3 - "$out" <<'PY'
import collections, glob, json, statistics, sys
res = collections.defaultdict(lambda: collections.defaultdict(list))
for f in glob.glob(sys.argv[1] + '/*.json'):
    which = f.split('/')[-1].split('-')[1]
    for b in json.load(open(f))['benchmarks']:
        if b.get('run_type') == 'aggregate':
            continue
        v = b.get('items_per_second') or b.get('invoices_per_s')
        if v:
            res[b['name']][which].append(v)
for name, w in sorted(res.items()):
    o, n = statistics.median(w['old']), statistics.median(w['new'])
    print(f"{name:55s} old {o:9.0f}/s new {n:9.0f}/s {100 * (n / o - 1):+.1f}%  "
          f"old {sorted(round(x) for x in w['old'])} new {sorted(round(x) for x in w['new'])}")
PY
rm -rf "$out"
