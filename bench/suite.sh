#!/bin/sh
# bench/suite.sh: what test isolation costs.  It prints figures; it passes
# or fails nothing.  Run it from the build directory, as root.
#
# One suite of 100 small tests (each one eth_call with an expectation),
# after a setup that deploys the example token, runs with isolation: fresh
# and with isolation: shared, on a dev network (solo, evm_snapshot and
# evm_revert) and on bft4 at 100 ms blocks (a network snapshot restored
# before each test).  The per-test overhead of isolation is
# (fresh - shared) / 99 runs, since the first test needs no restore;
# medians of RUNS runs (default 3).  Targets: 10 ms on dev, 100 ms on bft4.
set -eu

chainbox=${CHAINBOX:-./chainbox}
srcdir=${TOP_SRCDIR:-$(dirname "$0")/..}
runs=${RUNS:-3}
[ -x "$chainbox" ] || { echo "bench/suite.sh: run it from the build directory" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-bench-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifact=$(cd "$srcdir/examples/token/artifacts" && pwd)/ChainboxToken.json

# suite NET ISOLATION: writes the suite and prints its path.
suite() {
	f=$work/$1-$2.yaml
	{
		echo "version: 1"
		echo "name: $1-$2"
		if [ "$1" = dev ]; then
			echo "network: dev"
		else
			echo "network: {version: 1, name: b, extends: bft4, chain: {block_time: 100ms}}"
		fi
		echo "contracts: {Token: $artifact}"
		echo "isolation: $2"
		echo "setup:"
		echo "  - deploy: {contract: Token, args: [1000 ether], as: token}"
		echo "tests:"
		i=0
		while [ $i -lt 100 ]; do
			echo "  - name: t$i"
			echo "    steps: [{call: {to: token, function: totalSupply, equals: 0}}]"
			i=$((i + 1))
		done
	} >"$f"
	echo "$f"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# median_ms SUITE: the median wall time of RUNS runs, in ms.
median_ms() {
	: >"$work/times"
	r=0
	while [ $r -lt "$runs" ]; do
		t0=$(now_ms)
		"$chainbox" test -q "$1" >/dev/null 2>&1 || { echo "bench/suite.sh: $1 failed" >&2; exit 1; }
		echo $(($(now_ms) - t0)) >>"$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "chainbox test: 100 tests of one eth_call each, medians of $runs runs"
printf '%-6s %12s %12s %22s %8s\n' network fresh shared "isolation per test" target
for net in dev bft4; do
	fresh=$(median_ms "$(suite "$net" fresh)")
	shared=$(median_ms "$(suite "$net" shared)")
	per=$(awk -v f="$fresh" -v s="$shared" 'BEGIN { printf "%.1f ms", (f - s) / 99 }')
	target=10
	[ "$net" = bft4 ] && target=100
	printf '%-6s %9s ms %9s ms %22s %5s ms\n' "$net" "$fresh" "$shared" "$per" "$target"
done
