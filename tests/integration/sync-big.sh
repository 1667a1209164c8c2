#!/bin/sh
# A validator that falls behind blocks of several MiB catches up: sync
# replies carry as many blocks as fit one P2P frame (16 MiB), not a fixed
# count whose total would not fit and would be dropped.
#   stop validator-4; grow the chain by ~30 MiB of 100 KiB-calldata
#   transfers in blocks of up to ~10 MiB (bench/chainload); start it; it
#   reaches the others' height with the same blocks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

command -v curl >/dev/null 2>&1 || { echo "curl is needed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "the sandbox needs root"; exit 77; }
chainload=$(dirname "$CHAINBOX")/bench/chainload
[ -x "$chainload" ] || { echo "bench/chainload is not built"; exit 77; }

net=$scratch/big
cleanup() {
	"$CHAINBOX" down --purge --state-dir "$net" >/dev/null 2>&1
	rm -rf "$scratch"
}
trap cleanup EXIT

cat >"$scratch/big.yaml" <<EOF
version: 1
name: big
extends: bft4
chain: {block_time: 100ms, gas_limit: 170000000, base_fee: 0}
EOF
run "up bft4 with room for 10 MiB blocks" 0 "$CHAINBOX" up "$scratch/big.yaml" -d --any-port \
	--state-dir "$net"
run "stop validator-4" 0 "$CHAINBOX" stop validator-4 --state-dir "$net"
urls=
for n in validator-1 validator-2 validator-3; do urls="$urls http://127.0.0.1:$(port "$n")/"; done
# shellcheck disable=SC2086
run "grow the chain by ~30 MiB" 0 "$chainload" fill --size 31457280 --max-seconds 120 \
	--file "$net/nodes/validator-1/data/chain.mdb" $urls
expect "the chain grew" "$scratch/out" "reached 1"
# Blocks bigger than half a frame make a 64-block reply overflow.
big=0
h=$(height validator-1)
k=1
while [ $k -le "$h" ]; do
	rpc validator-1 eth_getBlockByNumber "[\"$(printf '0x%x' $k)\",false]"
	s=$(printf '%s' "$resp" | grep -o '"size":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*')
	[ -n "$s" ] && [ $((s)) -gt 4194304 ] && big=$((big + 1))
	k=$((k + 1))
done
[ "$big" -ge 3 ] && ok "$big blocks are over 4 MiB" || not_ok "only $big blocks are over 4 MiB"
run "start validator-4" 0 "$CHAINBOX" start validator-4 --state-dir "$net"
target=$(height validator-1)
if wait_height validator-4 "$target" 60; then
	ok "validator-4 catches up to block $target"
else
	not_ok "validator-4 is stuck at $(height validator-4), the others at $target or more"
fi
agree "after the catch-up" validator-1 validator-2 validator-3 validator-4
cmd_down() { run "down" 0 "$CHAINBOX" down --purge --state-dir "$net"; }
cmd_down
finish
