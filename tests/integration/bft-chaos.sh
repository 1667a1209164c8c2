#!/bin/sh
# A randomised fault schedule on a bft4 network, seeded and reproducible:
# BFT_SEED=N replays a run (every run prints its seed).  For 200 heights,
# while each validator's own account sends transfers through it, faults
# come and go: a validator killed and started again, partitions and heals,
# delays, message loss.  Then everything is healed and two invariants are
# checked:
#   - never two committed blocks at one height: every node holds the same
#     hash at every height;
#   - every transfer acknowledged as committed (its receipt seen on the
#     node it was sent to) is on every node.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || { echo "curl is needed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "the sandbox needs root"; exit 77; }

seed=${BFT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $seed (BFT_SEED=$seed replays this run)"
net=$scratch/chaos
trap '"$CHAINBOX" down --state-dir "$net" >/dev/null 2>&1; rm -rf "$scratch"' EXIT
printf 'version: 1\nname: chaos\nextends: bft4\nseed: %s\nchain: {block_time: 50ms}\n' "$seed" \
	>"$scratch/chaos.yaml"
nodes="validator-1 validator-2 validator-3 validator-4"
# The dev accounts each validator sends from: validator-K uses account K-1.
set -- 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 \
	0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc 0x90f79bf6eb2c4f870365e785982e1f101e93b906

port() {
	sed -n "/\"name\": \"$1\"/,/}/p" "$net/network.json" | grep -o '"rpc": "http://127.0.0.1:[0-9]*' |
		grep -o '[0-9]*$'
}
rpc() {
	resp=$(curl -s -m 2 -H 'content-type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$(port "$1")/") || resp=
}
result() { printf '%s' "$resp" | grep -o '"result":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*'; }
height() { rpc "$1" eth_blockNumber; h=$(result); echo $((${h:-0x0})); }
# top: the highest head among the nodes (a killed one answers nothing).
top() {
	t=0
	for n in $nodes; do
		h=$(height "$n")
		[ "$h" -gt "$t" ] && t=$h
	done
	echo "$t"
}
# rand N: the next number in [0, N) of the seeded sequence, in $r.  Not
# through $(...): a subshell would advance a copy of the state, and every
# step would draw the same fault.
state=$seed
rand() { state=$(((state * 1103515245 + 12345) % 2147483648)); r=$(((state / 65536) % $1)); }

run "up" 0 "$CHAINBOX" up -d --state-dir "$net" "$scratch/chaos.yaml"
[ -f "$net/network.json" ] || { finish; exit 1; }
down=
start=$(top)
: >"$scratch/acked"
: >"$scratch/sent"
steps=0
# At least 200 heights and 30 rounds of faults.
while { [ "$(top)" -lt $((start + 200)) ] || [ $steps -lt 30 ]; } &&
	[ $steps -lt 400 ]; do
	steps=$((steps + 1))
	# A transfer from each running validator's account, through it.
	k=1
	for n in $nodes; do
		eval "from=\${$k}"
		k=$((k + 1))
		[ "$n" = "$down" ] && continue
		rpc "$n" eth_sendTransaction "[{\"from\":\"$from\",\"to\":\"0x00000000000000000000000000000000000000aa\",\"value\":\"0x1\"}]"
		tx=$(result)
		[ -n "$tx" ] && echo "$n $tx" >>"$scratch/sent"
	done
	rand 4
	v=validator-$((r + 1))
	rand 8
	case $r in
	0) if [ -z "$down" ]; then "$CHAINBOX" kill "$v" --state-dir "$net" >/dev/null 2>&1 && down=$v; fi ;;
	1) if [ -n "$down" ]; then "$CHAINBOX" start "$down" --state-dir "$net" >/dev/null 2>&1 && down=; fi ;;
	2) rand 3
	   x=$((r + 2))
	   rest=$(for n in $nodes; do case $n in validator-1 | "validator-$x") ;; *) printf '%s,' "$n" ;; esac; done)
	   "$CHAINBOX" partition "validator-1,validator-$x" "${rest%,}" --state-dir "$net" >/dev/null 2>&1 ;;
	3) "$CHAINBOX" heal --state-dir "$net" >/dev/null 2>&1 ;;
	4) rand 150
	   "$CHAINBOX" delay "$v" "$((r + 10))ms" 20ms --state-dir "$net" >/dev/null 2>&1 ;;
	5) rand 30
	   "$CHAINBOX" loss "$v" "$r" --state-dir "$net" >/dev/null 2>&1 ;;
	*) ;;
	esac
	sleep 0.1
	# Acknowledged: the sending node shows the receipt.  The others wait
	# for the next step.
	: >"$scratch/waiting"
	while read -r n tx; do
		if [ "$n" != "$down" ] && rpc "$n" eth_getTransactionReceipt "[\"$tx\"]" &&
			printf '%s' "$resp" | grep -q '"blockNumber":"0x'; then
			echo "$tx" >>"$scratch/acked"
		else
			echo "$n $tx" >>"$scratch/waiting"
		fi
	done <"$scratch/sent"
	mv "$scratch/waiting" "$scratch/sent"
done
echo "# $steps steps, $(wc -l <"$scratch/acked") transfers acknowledged"
[ $steps -lt 400 ] && ok "200 heights under faults" || not_ok "200 heights under faults (stuck at $(top))"

# Heal everything, then check the invariants.
"$CHAINBOX" heal --state-dir "$net" >/dev/null 2>&1
for n in $nodes; do
	"$CHAINBOX" delay "$n" 0 --state-dir "$net" >/dev/null 2>&1
	"$CHAINBOX" loss "$n" 0 --state-dir "$net" >/dev/null 2>&1
done
[ -n "$down" ] && "$CHAINBOX" start "$down" --state-dir "$net" >/dev/null 2>&1
i=0
target=$(top)
for n in $nodes; do
	while [ "$(height "$n")" -lt "$target" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
done
low=$target
first=
for n in $nodes; do
	b= k=1
	while [ $k -le "$low" ]; do
		b="$b${b:+,}{\"jsonrpc\":\"2.0\",\"id\":$k,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$(printf '0x%x' $k)\",false]}"
		k=$((k + 1))
	done
	curl -s -m 20 -H 'content-type: application/json' -d "[$b]" "http://127.0.0.1:$(port "$n")/" |
		grep -o '"hash":"0x[0-9a-f]*"' >"$scratch/h-$n"
	if [ -z "$first" ]; then first=$n; elif ! cmp -s "$scratch/h-$first" "$scratch/h-$n"; then
		not_ok "one block per height: $first and $n differ"; first=bad; fi
done
[ "$first" != bad ] && [ "$(wc -l <"$scratch/h-validator-1")" -eq "$low" ] &&
	ok "one block per height: the four nodes agree on all $low blocks"
missing=0
while read -r tx; do
	for n in $nodes; do
		rpc "$n" eth_getTransactionReceipt "[\"$tx\"]"
		case $resp in *'"blockNumber":"0x'*) ;; *) missing=$((missing + 1)) ;; esac
	done
done <"$scratch/acked"
[ $missing -eq 0 ] && ok "every acknowledged transfer is on every node" ||
	not_ok "$missing acknowledged transfers missing from some node (seed $seed)"
run "down" 0 "$CHAINBOX" down --state-dir "$net"
finish
