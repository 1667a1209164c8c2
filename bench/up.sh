#!/bin/sh
# bench/up.sh [RUNS]: how fast `chainbox up -d` brings a network to ready,
# and `chainbox down` takes it away, and how much memory the supervisor
# holds.  It prints figures (medians of RUNS, default 9); it passes or
# fails nothing.
#   dev     one node, automine: ready when it answers JSON-RPC
#   bft4    four validators agreeing by tbft: ready when every node has
#           committed block 1
# Run from the build directory (it uses ./chainbox and ./chainbox-node), as
# root (the sandbox needs namespaces).
set -eu

runs=${1:-9}
chainbox=${CHAINBOX:-./chainbox}
[ -x "$chainbox" ] || { echo "bench/up.sh: no $chainbox; run it from the build directory" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-bench-up.XXXXXX")
trap 'for d in "$work"/net-*; do [ -d "$d" ] && "$chainbox" down --purge --state-dir "$d" >/dev/null 2>&1; done; rm -rf "$work"' EXIT


now_us() { echo $(($(date +%s%N) / 1000)); }

# median FILE: the middle of the numbers in FILE.
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench() {
	label=$1 spec=$2
	: >"$work/up" && : >"$work/down" && : >"$work/rss"
	for i in $(seq "$runs"); do
		dir=$work/net-$label-$i
		t0=$(now_us)
		"$chainbox" up -d --state-dir "$dir" "$spec" >/dev/null 2>"$work/err" ||
			{ cat "$work/err" >&2; exit 1; }
		t1=$(now_us)
		spid=$(grep -o '"supervisor_pid": [0-9]*' "$dir/network.json" | grep -o '[0-9]*$')
		grep VmRSS "/proc/$spid/status" | awk '{ print $2 }' >>"$work/rss"
		t2=$(now_us)
		"$chainbox" down --purge --state-dir "$dir" >/dev/null 2>&1
		t3=$(now_us)
		echo $((t1 - t0)) >>"$work/up"
		echo $((t3 - t2)) >>"$work/down"
	done
	awk -v l="$label" -v u="$(median "$work/up")" -v d="$(median "$work/down")" \
		-v r="$(median "$work/rss")" 'BEGIN {
		printf "%-6s  up -d to ready %6.1f ms   down to all gone %6.1f ms   supervisor RSS %5.1f MiB\n",
			l, u / 1000, d / 1000, r / 1024 }'
}

if [ -n "${CHAINBOX_NO_URING:-}" ]; then path=poll; else path=io_uring; fi
echo "chainbox up/down, medians of $runs runs ($(nproc) CPUs, io path: $path)"
bench dev dev
bench bft4 bft4
