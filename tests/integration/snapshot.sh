#!/bin/sh
# Network snapshots on a real four-validator network:
#   save, more transactions, restore: every node is back at the saved block
#     with its hash, the later transactions are gone, balances and nonces are
#     the saved ones, and the chain goes on
#   a save under a stream of transfers restores to a consistent network
#   a corrupt or truncated snapshot is refused, naming the file, and the
#     network runs on
#   a full disk during a save leaves nothing behind, and the network runs on
#   a snapshot of another spec is refused with the reason
#   export, then `up --from-snapshot` elsewhere: the new network starts at
#     the saved block; a damaged export is refused
# Saves and restores run through io_uring and through the plain path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

command -v curl >/dev/null 2>&1 || { echo "curl is needed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "the sandbox needs root"; exit 77; }

net=$scratch/snap
other=$scratch/other
imported=$scratch/imported
tiny=
cleanup() {
	[ -n "$tiny" ] && umount "$tiny" 2>/dev/null
	for d in "$net" "$other" "$imported"; do
		"$CHAINBOX" down --state-dir "$d" >/dev/null 2>&1
	done
	rm -rf "$scratch"
}
trap cleanup EXIT

cat >"$scratch/snap.yaml" <<EOF
version: 1
name: snap
extends: bft4
chain: {block_time: 100ms}
EOF

alice=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
bob=0x00000000000000000000000000000000000000b0
cmd() { run "chainbox $*" 0 "$CHAINBOX" "$@" --state-dir "$net"; }
# send NODE: a transfer of 1 wei to bob through NODE; its hash in $tx.
send() {
	rpc "$1" eth_sendTransaction "[{\"from\":\"$alice\",\"to\":\"$bob\",\"value\":\"0x1\"}]"
	tx=$(printf '%s' "$resp" | grep -o '"result":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*')
}
# value NODE METHOD PARAMS: a quantity's value in decimal.
value() {
	rpc "$1" "$2" "$3"
	v=$(printf '%s' "$resp" | grep -o '"result":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*')
	echo $((${v:-0x0}))
}
balance() { value "$1" eth_getBalance "[\"$bob\",\"latest\"]"; }
nonce() { value "$1" eth_getTransactionCount "[\"$alice\",\"latest\"]"; }
# manifest_height SNAP: the height the snapshot holds.
manifest_height() {
	grep -o '"height": [0-9]*' "$net/snapshots/$1/manifest.json" | head -1 | grep -o '[0-9]*$'
}
# hash_at NODE N: block N's hash.
hash_at() { hashes "$1" "$2" "$2" | grep -o '0x[0-9a-f]*'; }
# restored SNAP BALANCE NONCE: every node holds the snapshot's block at its
# height, with the saved balance and nonce, and agrees with the others.
restored() {
	h=$(manifest_height "$1")
	want=$(grep -o '"hash": "0x[0-9a-f]*"' "$net/snapshots/$1/manifest.json" | head -1 |
		grep -o '0x[0-9a-f]*')
	for node in validator-1 validator-2 validator-3 validator-4; do
		got=$(hash_at "$node" "$h")
		if [ "$got" = "$want" ]; then
			ok "$1: $node holds block $h with the saved hash"
		else
			not_ok "$1: $node holds '$got' at $h, not the saved $want"
		fi
		[ "$(balance "$node")" = "$2" ] && ok "$1: $node has bob's saved balance $2" ||
			not_ok "$1: $node has bob's balance $(balance "$node"), not $2"
		[ "$(nonce "$node")" = "$3" ] && ok "$1: $node has alice's saved nonce $3" ||
			not_ok "$1: $node has alice's nonce $(nonce "$node"), not $3"
	done
	advances validator-1 3 10
	agree "$1" validator-1 validator-2 validator-3 validator-4
}

run "up bft4 (100 ms blocks)" 0 "$CHAINBOX" up "$scratch/snap.yaml" -d --state-dir "$net"
wait_height validator-1 2 20

# --- save, more, restore -------------------------------------------------------------
for i in 1 2 3 4 5; do send "validator-$(((i % 4) + 1))"; done
wait_height validator-1 $(($(height validator-1) + 3)) 10
saved_balance=$(balance validator-1)
saved_nonce=$(nonce validator-1)
cmd snapshot save base
expect "save says where it pinned" "$scratch/out" "saved snapshot 'base': block"
[ -f "$net/snapshots/base/manifest.json" ] && ok "the manifest is written" ||
	not_ok "no manifest in $net/snapshots/base"
h=$(manifest_height base)
[ "$(balance validator-2)" -ge "$saved_balance" ] && ok "the network runs on after the save" ||
	not_ok "bob's balance fell after the save"
for i in 1 2 3 4 5 6; do send validator-2; done
later=$tx
wait_height validator-1 $((h + 10)) 10
[ "$(balance validator-1)" -gt "$saved_balance" ] && ok "later transfers are in" ||
	not_ok "the later transfers did not land"
cmd snapshot list
expect "list shows the snapshot" "$scratch/out" "base"
cmd snapshot restore base
expect "restore says it restored" "$scratch/out" "restored snapshot 'base': block $h"
restored base "$saved_balance" "$saved_nonce"
rpc validator-3 eth_getTransactionByHash "[\"$later\"]"
case $resp in
*'"result":null'*) ok "a transaction after the save is gone" ;;
*) not_ok "the transaction $later after the save is still there: $resp" ;;
esac

# --- the same through the plain path, saved under load -------------------------------
(
	while :; do
		for n in 1 2 3 4; do send "validator-$n"; done
		sleep 0.02
	done
) >/dev/null 2>&1 &
loader=$!
sleep 1
run "save under load (plain copy)" 0 env CHAINBOX_NO_URING=1 \
	"$CHAINBOX" snapshot save busy --state-dir "$net"
kill "$loader"
wait "$loader" 2>/dev/null
sleep 0.5
# The saved block's balance: what every node's state was at its height.
hb=$(manifest_height busy)
busy_balance=$(value validator-1 eth_getBalance "[\"$bob\",\"$(printf '0x%x' "$hb")\"]")
busy_nonce=$(value validator-1 eth_getTransactionCount "[\"$alice\",\"$(printf '0x%x' "$hb")\"]")
[ "$busy_balance" -gt "$saved_balance" ] && ok "transfers landed during the save" ||
	not_ok "no transfer landed while saving under load"
run "restore (plain copy)" 0 env CHAINBOX_NO_URING=1 "$CHAINBOX" snapshot restore busy \
	--state-dir "$net"
restored busy "$busy_balance" "$busy_nonce"

# --- corruption: refused, and the network runs on ------------------------------------
cp -r "$net/snapshots/base" "$net/snapshots/bad"
sed -i 's/"name": "base"/"name": "bad"/' "$net/snapshots/bad/manifest.json"
printf 'x' | dd of="$net/snapshots/bad/nodes/validator-2/chain.mdb" bs=1 seek=20000 \
	conv=notrunc 2>/dev/null
run "a corrupt snapshot is refused" 1 "$CHAINBOX" snapshot restore bad --state-dir "$net"
expect "the refusal names the file" "$scratch/err" "nodes/validator-2/chain.mdb does not match its checksum"
cp "$net/snapshots/base/nodes/validator-2/chain.mdb" "$net/snapshots/bad/nodes/validator-2/"
truncate -s 8192 "$net/snapshots/bad/nodes/validator-3/chain.mdb"
run "a truncated snapshot is refused" 1 "$CHAINBOX" snapshot restore bad --state-dir "$net"
expect "the refusal names the truncated file" "$scratch/err" "nodes/validator-3/chain.mdb is 8192 bytes"
advances validator-1 3 10
cmd snapshot rm bad

# --- a full disk during a save -------------------------------------------------------
mkdir -p "$net/snapshots"
if mount -t tmpfs -o size=96k tmpfs "$net/snapshots" 2>/dev/null; then
	tiny=$net/snapshots
	run "a save onto a full disk fails" 1 "$CHAINBOX" snapshot save full --state-dir "$net"
	expect "it says the disk is full" "$scratch/err" "No space left on device"
	left=$(ls -A "$net/snapshots")
	[ -z "$left" ] && ok "nothing of the partial snapshot is left" ||
		not_ok "the full disk left '$left' behind"
	advances validator-2 3 10
	umount "$tiny" && tiny=
else
	ok "# skip a full disk: this machine cannot mount a tmpfs"
fi

# --- another spec --------------------------------------------------------------------
cat >"$scratch/other.yaml" <<EOF
version: 1
name: other
extends: bft4
chain: {id: 1337, block_time: 100ms}
EOF
run "up a bft4 network of chain id 1337" 0 "$CHAINBOX" up "$scratch/other.yaml" -d --state-dir "$other"
mkdir -p "$other/snapshots"
cp -r "$net/snapshots/base" "$other/snapshots/"
run "a snapshot of another chain is refused" 1 "$CHAINBOX" snapshot restore base --state-dir "$other"
expect "the refusal gives the reason" "$scratch/err" "is of chain id 31337, this network's is 1337"
"$CHAINBOX" down --state-dir "$other" --purge >/dev/null 2>&1

# --- export, and a new network from it ------------------------------------------------
cmd snapshot export base "$scratch/base.tar"
expect "export says where" "$scratch/out" "exported snapshot 'base' to"
run "up --from-snapshot" 0 "$CHAINBOX" up --from-snapshot "$scratch/base.tar" -d \
	--state-dir "$imported" --name imported
want=$(grep -o '"hash": "0x[0-9a-f]*"' "$net/snapshots/base/manifest.json" | head -1 |
	grep -o '0x[0-9a-f]*')
hbase=$(manifest_height base)
net=$imported
got=$(hash_at validator-4 "$hbase")
[ "$got" = "$want" ] && ok "the imported network holds the saved block $hbase" ||
	not_ok "the imported network holds '$got' at $hbase, not $want"
advances validator-1 3 10
net=$scratch/snap
[ -f "$imported/snapshots/base/manifest.json" ] && ok "the import keeps the snapshot" ||
	not_ok "the imported network has no snapshot 'base'"
"$CHAINBOX" down --state-dir "$imported" --purge >/dev/null 2>&1
# A byte inside validator-2's chain: its header's offset, plus the header.
at=$(grep -abo 'nodes/validator-2/chain.mdb' "$scratch/base.tar" | cut -d: -f1 |
	awk '$1 % 512 == 0 { print; exit }')
printf 'x' | dd of="$scratch/base.tar" bs=1 seek=$((at + 512 + 5000)) conv=notrunc 2>/dev/null
run "a damaged export is refused" 1 "$CHAINBOX" up --from-snapshot "$scratch/base.tar" -d \
	--state-dir "$imported"
expect "the refusal names the damaged member" "$scratch/err" "does not match its checksum"
[ ! -e "$imported/genesis.json" ] && ok "nothing is started from a damaged export" ||
	not_ok "a damaged export left a network behind"

cmd down
finish
