#!/bin/sh
# bench/net.sh: multi-node networks.  It prints figures; it passes or fails
# nothing.  Run it from the build directory, as root.
#   - bft4 (1 s blocks) and bft4 at 100 ms blocks: 2000 signed transfers
#     from 10 accounts (bench/rpc --url), sent and committed per second, all
#     receipts checked; then the median time to finality of single
#     transfers (send, then poll the receipt every 2 ms);
#   - up -d to ready for bft4;
#   - a 32-validator network at 250 ms blocks: whether it commits, its
#     block time over 10 s, and each node's RSS.
# For scale, bench/rpc prints anvil's single-node figures.
set -eu

chainbox=${CHAINBOX:-./chainbox}
[ -x "$chainbox" ] && [ -x bench/rpc ] ||
	{ echo "bench/net.sh: run it from the build directory" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-bench-net.XXXXXX")
trap 'for d in "$work"/net-*; do [ -d "$d" ] && "$chainbox" down --purge --state-dir "$d" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

now_us() { echo $(($(date +%s%N) / 1000)); }
first_url() { grep -o '"rpc": "http://127.0.0.1:[0-9]*' "$1/network.json" | head -1 | cut -d'"' -f4; }
call() {
	curl -s -m 5 -H 'content-type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "$1"
}

# finality URL N: the median milliseconds from sending a transfer to its
# receipt, over N transfers sent one after the other.
finality() {
	: >"$work/fin"
	for i in $(seq "$2"); do
		t0=$(now_us)
		tx=$(call "$1" eth_sendTransaction '[{"from":"0xa0ee7a142d267c1f36714e4a8f75612f20a79720","to":"0x00000000000000000000000000000000000000aa","value":"0x1"}]' |
			grep -o '"result":"0x[0-9a-f]*"' | cut -d'"' -f4)
		until call "$1" eth_getTransactionReceipt "[\"$tx\"]" | grep -q '"status"'; do
			sleep 0.002
		done
		echo $(($(now_us) - t0)) >>"$work/fin"
	done
	sort -n "$work/fin" | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] / 1000 }'
}

net() {
	label=$1 spec=$2
	dir=$work/net-$label
	t0=$(now_us)
	"$chainbox" up -d --state-dir "$dir" "$spec" >/dev/null
	t1=$(now_us)
	echo "== $label: up -d to ready $(((t1 - t0) / 1000)) ms"
	bench/rpc --url "$(first_url "$dir")" | sed 's/^/   /'
	echo "   time to finality, median of 15 transfers: $(finality "$(first_url "$dir")" 15) ms"
	"$chainbox" down --purge --state-dir "$dir" >/dev/null
}

printf 'version: 1\nname: fast\nextends: bft4\nchain: {block_time: 100ms}\n' >"$work/fast.yaml"
net bft4 bft4
net bft4-100ms "$work/fast.yaml"

printf 'version: 1\nname: v32\nextends: bft4\nchain: {block_time: 250ms}\nnodes: [{name: validator, count: 32}]\n' \
	>"$work/v32.yaml"
dir=$work/net-v32
t0=$(now_us)
if "$chainbox" up -d --timeout 120 --state-dir "$dir" "$work/v32.yaml" >/dev/null 2>"$work/err"; then
	t1=$(now_us)
	url=$(first_url "$dir")
	h0=$(call "$url" eth_blockNumber '[]' | grep -o '0x[0-9a-f]*')
	sleep 10
	h1=$(call "$url" eth_blockNumber '[]' | grep -o '0x[0-9a-f]*')
	rss=$(for p in $(grep -o '"pid": [0-9]*' "$dir/network.json" | grep -o '[0-9]*$'); do
		# The node is the sandbox init's child.
		c=$(cat "/proc/$p/task/$p/children" 2>/dev/null | awk '{ print $1 }')
		grep VmRSS "/proc/${c:-$p}/status" 2>/dev/null | awk '{ print $2 }'
	done | sort -n)
	echo "== 32 validators, 250 ms blocks: up -d to ready $(((t1 - t0) / 1000)) ms"
	awk -v a="$((h0))" -v b="$((h1))" 'BEGIN { n = b - a
		if (n > 0)
			printf "   %d blocks in 10 s: it keeps committing, block time %.0f ms\n", n, 10000 / n
		else
			printf "   no block in 10 s: it does NOT commit\n" }'
	echo "$rss" | awk '{ v[NR] = $1; s += $1 } END {
		printf "   node RSS: median %.1f MiB, max %.1f MiB, mean %.1f MiB\n",
			v[int((NR + 1) / 2)] / 1024, v[NR] / 1024, s / NR / 1024 }'
	"$chainbox" down --purge --state-dir "$dir" >/dev/null
else
	echo "== 32 validators: did not come up: $(head -3 "$work/err")"
fi
