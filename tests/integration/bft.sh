#!/bin/sh
# Four validators agreeing by tbft, and a full node following them, with
# faults: a real network of confined chainbox-node processes under one
# supervisor.  After each case, every node that runs holds the same block
# hash at every height they share.
#   kill 1: the chain keeps committing
#   kill 2: it halts; start one again: it resumes, without a fork
#   partition 2|2: it halts; heal: it resumes
#   partition 3|1: the 3 go on; after heal the 1 catches up
#   a restarted node catches up hundreds of blocks
#   a transaction sent to any node is included
#   a full (non-validator) node follows the chain
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

command -v curl >/dev/null 2>&1 || { echo "curl is needed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "the sandbox needs root"; exit 77; }

net=$scratch/bft
cleanup() {
	"$CHAINBOX" down --state-dir "$net" >/dev/null 2>&1
	rm -rf "$scratch"
}
trap cleanup EXIT

cat >"$scratch/bft.yaml" <<EOF
version: 1
name: bft
extends: bft4
chain: {block_time: 50ms}
nodes:
  - {name: validator, count: 4, role: validator, rpc: true}
  - {name: full, role: full, rpc: true}
EOF

# highest NODE...: the highest head among them.
highest() {
	t=0
	for node in "$@"; do
		h=$(height "$node")
		[ "$h" -gt "$t" ] && t=$h
	done
	echo "$t"
}
# halted NODE...: checks that no new block is committed among them for a
# second.  A node may still catch up to a block its peers had decided.
halted() {
	# A block whose precommits were already out may still land.
	sleep 0.3
	a=$(highest "$@")
	sleep 1
	b=$(highest "$@")
	if [ "$a" -eq "$b" ]; then ok "$* commit nothing new ($a)"; else not_ok "$* went from $a to $b"; fi
}
cmd() { run "chainbox $*" 0 "$CHAINBOX" "$@" --state-dir "$net"; }

run "up a bft4 network" 0 "$CHAINBOX" up -d --state-dir "$net" "$scratch/bft.yaml"
[ -f "$net/network.json" ] || { finish; exit 1; }
advances validator-1 10 10
agree "at start, with a full node following" validator-1 validator-2 validator-3 validator-4 full

# A transaction sent to any node is included, and every node sees it.
rpc validator-3 eth_sendTransaction \
	'[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","value":"0x1"}]'
tx=$(printf '%s' "$resp" | grep -o '"result":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*')
i=0
until rpc validator-1 eth_getTransactionReceipt "[\"$tx\"]" &&
	printf '%s' "$resp" | grep -q '"status":"0x1"' || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
case $resp in *'"status":"0x1"'*) ok "a transaction sent to validator-3 is in validator-1's chain" ;;
*) not_ok "the transaction sent to validator-3 ($tx): $resp" ;; esac

rpc validator-2 evm_mine
case $resp in *'"code":-32000'*'consensus'*) ok "evm_mine is refused: blocks come from consensus" ;;
*) not_ok "evm_mine on a tbft node: $resp" ;; esac

cmd kill validator-4
advances validator-1 10 10
agree "with one killed" validator-1 validator-2 validator-3

cmd kill validator-3
halted validator-1 validator-2
cmd start validator-3
advances validator-1 5 10
agree "after two were killed and one came back" validator-1 validator-2 validator-3

cmd start validator-4
advances validator-4 1 10
wait_height validator-4 "$(height validator-1)" 10
agree "with the fourth back" validator-1 validator-2 validator-3 validator-4

cmd partition validator-1,validator-2 validator-3,validator-4
halted validator-1 validator-2 validator-3 validator-4
cmd heal
advances validator-1 5 10
agree "after a 2|2 partition" validator-1 validator-2 validator-3 validator-4

cmd partition validator-1,validator-2,validator-3 validator-4
advances validator-1 10 10
h4=$(height validator-4)
sleep 1
[ "$(height validator-4)" -le "$h4" ] && ok "validator-4 alone commits nothing" ||
	not_ok "validator-4 alone went from $h4 to $(height validator-4)"
cmd heal
wait_height validator-4 "$(height validator-1)" 10 && ok "the one cut off catches up" ||
	not_ok "the one cut off catches up"
agree "after a 3|1 partition" validator-1 validator-2 validator-3 validator-4

cmd stop validator-2
h=$(height validator-1)
advances validator-1 200 40
cmd start validator-2
if wait_height validator-2 "$(height validator-1)" 20; then
	ok "a restarted node catches up $(($(height validator-2) - h)) blocks"
else
	not_ok "a restarted node catches up (at $(height validator-2) of $(height validator-1))"
fi
agree "after the catch-up" validator-1 validator-2 validator-3 validator-4 full

run "down" 0 "$CHAINBOX" down --state-dir "$net"
finish
