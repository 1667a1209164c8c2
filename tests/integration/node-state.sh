#!/bin/sh
# chainbox-node's state files, as anvil has them: --dump-state writes the
# state on exit (and every --state-interval seconds), --load-state starts
# from it, and --state does both; files go to and from anvil when anvil is
# at hand.  Each node runs on a free port and is stopped by its PID.
. "$(dirname "$0")/lib.sh"
: "${CHAINBOX_NODE:?run through make check, which sets CHAINBOX_NODE}"

ACCT0=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
ACCT1=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
SETME=0x00000000000000000000000000000000000c0de5
WORD2A=0x000000000000000000000000000000000000000000000000000000000000002a
ANVIL=/root/.cache/chainbox/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil

# Every node is killed by its PID whatever happens to the script.
node_pid=
anvil_pid=
stop_node() {
	if [ -n "$node_pid" ]; then
		kill "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
		node_pid=
	fi
}
stop_anvil() {
	if [ -n "$anvil_pid" ]; then
		kill "$anvil_pid" 2>/dev/null
		wait "$anvil_pid" 2>/dev/null
		anvil_pid=
	fi
}
trap 'stop_node; stop_anvil; rm -rf "$scratch"' EXIT

# wait_listening PID OUT ERR: waits for the Listening line in OUT; sets url.
wait_listening() {
	tries=0
	until grep -q '^Listening on ' "$2" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$1" 2>/dev/null; then
			not_ok "the node starts within 10 seconds"
			sed 's/^/#   /' "$3" | head -20
			finish
			exit 1
		fi
		sleep 0.1
	done
	url="http://$(sed -n 's/^Listening on \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$2")"
}
# start_node ARGS...: starts a dev node on a free port with ARGS.
start_node() {
	: >"$scratch/node.out"
	"$CHAINBOX_NODE" --dev --port 0 "$@" >"$scratch/node.out" 2>"$scratch/node.err" &
	node_pid=$!
	wait_listening "$node_pid" "$scratch/node.out" "$scratch/node.err"
}
# term_node WHAT: stops the node with SIGTERM and checks that it exits 0.
term_node() {
	kill -TERM "$node_pid"
	wait "$node_pid"
	st=$?
	node_pid=
	if [ "$st" -eq 0 ]; then ok "$1"; else
		not_ok "$1 (exit $st)"
		sed 's/^/#   /' "$scratch/node.err" | head -20
	fi
}
# rpc METHOD PARAMS: calls the node at $url; sets $resp.
rpc() {
	resp=$(curl -s --max-time 5 -H 'Content-Type: application/json' \
		--data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$url")
}
# field NAME: prints the last response's string field NAME.
field() {
	printf '%s' "$resp" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}
# has NAME TEXT: checks that the last response contains TEXT.
has() {
	case "$resp" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1: '$2' not in the response"; printf '#   %s\n' "$resp" | cut -c1-300 ;;
	esac
}
# same NAME WANT: checks that the last response's result is WANT.
same() {
	got=$(field result)
	if [ -n "$2" ] && [ "$got" = "$2" ]; then ok "$1"; else
		not_ok "$1: '$got', wanted '$2'"
		printf '#   %s\n' "$resp" | cut -c1-300
	fi
}
# snapshot: records what the node at $url holds, to compare with check_same.
snapshot() {
	rpc eth_blockNumber '[]'
	want_block=$(field result)
	rpc eth_getBalance "[\"$ACCT0\",\"latest\"]"
	want_bal0=$(field result)
	rpc eth_getBalance "[\"$ACCT1\",\"latest\"]"
	want_bal1=$(field result)
	rpc eth_getTransactionCount "[\"$ACCT0\",\"latest\"]"
	want_nonce=$(field result)
	rpc eth_getStorageAt "[\"$SETME\",\"0x1\",\"latest\"]"
	want_slot=$(field result)
}
# check_same WHAT [NOBLOCK]: checks that the node at $url holds what
# snapshot recorded (but for the block number, given NOBLOCK).
check_same() {
	if [ $# -lt 2 ]; then
		rpc eth_blockNumber '[]'
		same "$1: the block number" "$want_block"
	fi
	rpc eth_getBalance "[\"$ACCT0\",\"latest\"]"
	same "$1: the sender's balance" "$want_bal0"
	rpc eth_getBalance "[\"$ACCT1\",\"latest\"]"
	same "$1: the receiver's balance" "$want_bal1"
	rpc eth_getTransactionCount "[\"$ACCT0\",\"latest\"]"
	same "$1: the sender's nonce" "$want_nonce"
	rpc eth_getStorageAt "[\"$SETME\",\"0x1\",\"latest\"]"
	same "$1: the storage slot" "$want_slot"
}
# is_json FILE: whether FILE parses as JSON, by whichever checker is here.
json_checker=
if command -v jq >/dev/null 2>&1; then
	json_checker=jq
elif command -v python3 >/dev/null 2>&1; then
	json_checker=python3
fi
is_json() {
	case $json_checker in
	jq) jq empty "$1" >/dev/null 2>&1 ;;
	python3) python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ;;
	esac
}
# best_block FILE: prints FILE's best_block_number.
best_block() {
	sed -n 's/.*"best_block_number": *\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null
}

# --- the command line --------------------------------------------------------
run "--help" 0 "$CHAINBOX_NODE" --help
expect "--help shows --dump-state" "$scratch/out" "--dump-state PATH"
expect "and --load-state" "$scratch/out" "--load-state PATH"
expect "and --state" "$scratch/out" "--state PATH"
expect "and --state-interval" "$scratch/out" "-s, --state-interval SECS"
run "--state-interval alone is a usage error" 2 "$CHAINBOX_NODE" --dev --state-interval 5
expect "saying what it needs" "$scratch/err" "--state-interval needs --dump-state or --state"
run "a bad --state-interval is a usage error" 2 "$CHAINBOX_NODE" --dev --dump-state "$scratch/x" -s 0
expect "naming the option" "$scratch/err" "option '--state-interval' expects a number"
run "--state with --load-state is a usage error" 2 \
	"$CHAINBOX_NODE" --dev --state "$scratch/x" --load-state "$scratch/y"
run "--dump-state with --config is a usage error" 2 \
	"$CHAINBOX_NODE" --config "$scratch/node.json" --dump-state "$scratch/x"
expect "saying they are for dev nodes" "$scratch/err" "are for dev nodes, not --config"
run "--load-state with --config is a usage error" 2 \
	"$CHAINBOX_NODE" --config "$scratch/node.json" --load-state "$scratch/x"

# --- --dump-state on SIGTERM ---------------------------------------------------
dump=$scratch/dump.json
start_node --dump-state "$dump"
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0xde0b6b3a7640000\"}]"
rpc eth_getTransactionReceipt "[\"$(field result)\"]"
has "a transfer succeeds" '"status":"0x1"'
# The contract that returns 42, as in node.sh.
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"data\":\"0x69602a60005260206000f3600052600a6016f3\"}]"
rpc eth_getTransactionReceipt "[\"$(field result)\"]"
contract=$(field contractAddress)
if [ ${#contract} -eq 42 ]; then ok "a contract is deployed"; else
	not_ok "a contract is deployed: $resp"; fi
rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"$WORD2A\"]"
has "a slot is set" '"result":true'
rpc anvil_mine '[3]'
snapshot
if [ "$want_block" = 0x5 ]; then ok "the chain is at block 5"; else
	not_ok "the chain is at block 5 ($want_block)"; fi
rpc eth_getCode "[\"$contract\",\"latest\"]"
want_code=$(field result)
if [ -e "$dump" ]; then not_ok "no file is written before exit"; else
	ok "no file is written before exit"; fi
term_node "SIGTERM stops a node with --dump-state cleanly"

if [ -s "$dump" ]; then ok "the dump is written on exit"; else
	not_ok "the dump is written on exit"; fi
if [ -z "$json_checker" ]; then
	echo "# skip: neither jq nor python3 here to check the JSON (loading it checks it below)"
elif is_json "$dump"; then
	ok "the dump is valid JSON"
else
	not_ok "the dump is valid JSON"
	head -c 300 "$dump" | sed 's/^/#   /'
fi
case "$(head -c 1 "$dump" 2>/dev/null)" in
'{') ok "the dump is plain JSON, not gzip" ;;
*) not_ok "the dump is plain JSON, not gzip" ;;
esac
expect "the dump has \"block\" (null: its blocks are not in it) and \"accounts\"" "$dump" \
	'{"block":null,"accounts":{'
expect "and \"blocks\" and \"transactions\", empty" "$dump" '"blocks":[],"transactions":[]'
expect "with the receiver" "$dump" "\"$ACCT1\":{\"nonce\":0,\"balance\":\"$want_bal1\""
expect "and the set slot" "$dump" "\"$SETME\":{"
if [ "$(best_block "$dump")" = 5 ]; then ok "best_block_number is the head's, 5"; else
	not_ok "best_block_number is the head's, 5 ($(best_block "$dump"))"; fi
if [ -n "$(find "$scratch" -name 'dump.json.tmp.*')" ]; then
	not_ok "no temporary file is left"
else
	ok "no temporary file is left"
fi

# --- --load-state ----------------------------------------------------------------
start_node --load-state "$dump"
check_same "--load-state"
rpc eth_getCode "[\"$contract\",\"latest\"]"
same "--load-state: the contract's code" "$want_code"
rpc eth_call "[{\"to\":\"$contract\",\"input\":\"0x\"},\"latest\"]"
same "--load-state: the contract runs" "$WORD2A"
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
rpc eth_getTransactionByHash "[\"$(field result)\"]"
case "$resp" in
*'"blockNumber":"0x6"'*'"nonce":"0x2"'* | *'"nonce":"0x2"'*'"blockNumber":"0x6"'*)
	ok "the loaded chain goes on: block 6, nonce 2" ;;
*) not_ok "the loaded chain goes on: block 6, nonce 2: $resp" ;;
esac
stop_node

if command -v gzip >/dev/null 2>&1; then
	gzip -c "$dump" >"$scratch/dump.json.gz"
	start_node --load-state "$scratch/dump.json.gz"
	check_same "a gzip'd file"
	stop_node
else
	echo "# skip: no gzip here, so no gzip'd file is loaded"
fi

# A directory holds state.json.
mkdir "$scratch/dir"
start_node --load-state "$dump" --dump-state "$scratch/dir"
term_node "a node dumping into a directory stops cleanly"
if [ -s "$scratch/dir/state.json" ]; then ok "a directory gets state.json"; else
	not_ok "a directory gets state.json"; fi
start_node --load-state "$scratch/dir"
check_same "--load-state from a directory"
stop_node

# --- --state: load if there, dump on exit ------------------------------------------------
both=$scratch/both.json
start_node --state "$both"
rpc eth_blockNumber '[]'
same "--state with no file yet starts afresh" 0x0
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0x2\"}]"
rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"$WORD2A\"]"
snapshot
term_node "the first --state run stops cleanly"
start_node --state "$both"
check_same "the second --state run"
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0x3\"}]"
snapshot
term_node "the second --state run stops cleanly"
if [ "$(best_block "$both")" = 2 ]; then ok "--state writes the second run's head, 2"; else
	not_ok "--state writes the second run's head, 2 ($(best_block "$both"))"; fi
start_node --state "$both"
check_same "a third --state run"
stop_node

# --- --state-interval: dumps while the node runs ---------------------------------------
ival=$scratch/interval.json
start_node --dump-state "$ival" -s 1
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
# wait_best N: waits up to 5 seconds for ival's best block to be N.
wait_best() {
	tries=0
	until [ "$(best_block "$ival")" = "$1" ] || [ "$tries" -gt 50 ]; do
		tries=$((tries + 1))
		sleep 0.1
	done
	[ "$(best_block "$ival")" = "$1" ]
}
if wait_best 1; then ok "--state-interval writes the file within its interval"; else
	not_ok "--state-interval writes the file within its interval ($(best_block "$ival"))"; fi
if kill -0 "$node_pid" 2>/dev/null; then ok "while the node runs"; else
	not_ok "while the node runs"; fi
rpc anvil_mine '[2]'
if wait_best 3; then ok "and writes it again as the chain moves"; else
	not_ok "and writes it again as the chain moves ($(best_block "$ival"))"; fi
# kill -9 at any moment leaves the last whole file, never half of one.
kill -KILL "$node_pid"
wait "$node_pid" 2>/dev/null
node_pid=
start_node --load-state "$ival"
rpc eth_blockNumber '[]'
case "$(field result)" in
0x3 | 0x4) ok "after kill -9 the file is whole and loads" ;;
*) not_ok "after kill -9 the file is whole and loads: $resp" ;;
esac
stop_node

# --- the RPC methods share the files' JSON -------------------------------------------------
# hexof TEXT: prints TEXT's bytes as 0x-hex.
hexof() {
	printf '0x'
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}
start_node --dump-state "$scratch/same.json"
rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"$WORD2A\"]"
rpc anvil_mine '[2]'
rpc anvil_dumpState '[]'
rpc_dump=$(field result)
term_node "a node stops cleanly after anvil_dumpState"
if command -v xxd >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1; then
	printf '%s' "${rpc_dump#0x}" | xxd -r -p | gzip -dc >"$scratch/rpc.json" 2>/dev/null
	if cmp -s "$scratch/rpc.json" "$scratch/same.json"; then
		ok "anvil_dumpState gzips the JSON --dump-state writes"
	else
		not_ok "anvil_dumpState gzips the JSON --dump-state writes"
		head -c 200 "$scratch/rpc.json" | sed 's/^/#   /'
	fi
else
	echo "# skip: no xxd or gzip here to open anvil_dumpState's answer"
fi
start_node
rpc anvil_loadState "[\"$rpc_dump\"]"
has "anvil_loadState takes it" '"result":true'
rpc eth_blockNumber '[]'
same "and moves a fresh node to its best block, as --load-state does" 0x2
rpc eth_getStorageAt "[\"$SETME\",\"0x1\",\"latest\"]"
same "with its state" "$WORD2A"
rpc anvil_loadState "[\"$(hexof '{"accounts":{},"best_block_number":200002}')\"]"
has "over RPC a best block more than 100000 ahead is refused" \
	'is more than 100000 blocks past block 2'
rpc eth_blockNumber '[]'
same "and changes nothing" 0x2
stop_node

# --- bad files ----------------------------------------------------------------------------
printf '{"accounts": {\n  "0x12": }\n' >"$scratch/bad.json"
run "a malformed file exits 1" 1 "$CHAINBOX_NODE" --dev --port 0 --load-state "$scratch/bad.json"
expect "naming the file" "$scratch/err" "cannot load state file '$scratch/bad.json'"
expect "and jansson's line and column" "$scratch/err" "line 2, column"
run "a missing file exits 1" 1 "$CHAINBOX_NODE" --dev --port 0 --load-state "$scratch/none.json"
expect "naming the file and why" "$scratch/err" \
	"cannot read state file '$scratch/none.json': No such file or directory"
printf '{"accounts": {"0x12": {}}}' >"$scratch/badaddr.json"
run "a file with a bad account exits 1" 1 \
	"$CHAINBOX_NODE" --dev --port 0 --load-state "$scratch/badaddr.json"
expect "saying what is wrong" "$scratch/err" "account '0x12': an address is not 0x and 40 hex digits"
printf '{"accounts": {}, "best_block_number": 99999999999}' >"$scratch/far.json"
run "a best block absurdly far ahead exits 1" 1 \
	"$CHAINBOX_NODE" --dev --port 0 --load-state "$scratch/far.json"
expect "saying so" "$scratch/err" "is more than 10000000 blocks past block 0"
run "--state with a malformed file exits 1 too" 1 \
	"$CHAINBOX_NODE" --dev --port 0 --state "$scratch/bad.json"
start_node --dump-state "$scratch/no/such/dir/state.json"
kill -TERM "$node_pid"
wait "$node_pid"
st=$?
node_pid=
if [ "$st" -eq 1 ]; then ok "a dump that cannot be written exits 1"; else
	not_ok "a dump that cannot be written exits 1 (exit $st)"; fi
expect "naming the file" "$scratch/node.err" \
	"cannot write state file '$scratch/no/such/dir/state.json': No such file or directory"

# --- anvil, when at hand ----------------------------------------------------------------
if [ -x "$ANVIL" ]; then
	"$ANVIL" --port 0 --host 127.0.0.1 --dump-state "$scratch/anvil.json" \
		>"$scratch/anvil.out" 2>&1 &
	anvil_pid=$!
	wait_listening "$anvil_pid" "$scratch/anvil.out" "$scratch/anvil.out"
	rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0xde0b6b3a7640000\"}]"
	rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"$WORD2A\"]"
	snapshot
	kill -TERM "$anvil_pid"
	wait "$anvil_pid" 2>/dev/null
	anvil_pid=
	start_node --load-state "$scratch/anvil.json"
	check_same "anvil's file in chainbox-node"
	stop_node

	"$ANVIL" --port 0 --host 127.0.0.1 --load-state "$dump" >"$scratch/anvil.out" 2>&1 &
	anvil_pid=$!
	wait_listening "$anvil_pid" "$scratch/anvil.out" "$scratch/anvil.out"
	start_node --load-state "$dump"
	snapshot
	stop_node
	# anvil keeps its own head for a file without blocks, so only the
	# state is compared.
	url="http://$(sed -n 's/^Listening on \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$scratch/anvil.out")"
	check_same "chainbox-node's file in anvil" noblock
	rpc eth_getCode "[\"$contract\",\"latest\"]"
	same "chainbox-node's file in anvil: the contract's code" "$want_code"
	stop_anvil
fi

finish
