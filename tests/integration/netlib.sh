# Helpers for tests of a running network whose state directory is $net:
# its nodes' RPC, heights, and whether they agree on every block.  Sourced
# after lib.sh.

# port NODE: the node's RPC port, from network.json.
port() {
	sed -n "/\"name\": \"$1\"/,/}/p" "$net/network.json" | grep -o '"rpc": "http://127.0.0.1:[0-9]*' |
		grep -o '[0-9]*$'
}
# rpc NODE METHOD [PARAMS]: the answer in $resp ("" when none).
rpc() {
	resp=$(curl -s -m 2 -H 'content-type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$(port "$1")/") || resp=
}
# height NODE: its head's number, or -1 when it does not answer.
height() {
	rpc "$1" eth_blockNumber
	h=$(printf '%s' "$resp" | grep -o '"result":"0x[0-9a-f]*"' | grep -o '0x[0-9a-f]*')
	if [ -n "$h" ]; then echo $((h)); else echo -1; fi
}
# wait_height NODE H SECS: waits until NODE is at H or more.  Returns: 0 or 1.
wait_height() {
	i=0
	while [ "$(height "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($3 * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}
# hashes NODE FROM TO: the block hashes FROM..TO, one a line, by one batch.
hashes() {
	batch= k=$2
	while [ "$k" -le "$3" ]; do
		batch="$batch${batch:+,}{\"jsonrpc\":\"2.0\",\"id\":$k,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$(printf '0x%x' "$k")\",false]}"
		k=$((k + 1))
	done
	curl -s -m 10 -H 'content-type: application/json' -d "[$batch]" \
		"http://127.0.0.1:$(port "$1")/" | grep -o '"hash":"0x[0-9a-f]*"'
}
# agree NAME NODE...: checks that the nodes hold the same hash at every
# height up to the lowest head among them.
agree() {
	name=$1
	shift
	low=
	for node in "$@"; do
		h=$(height "$node")
		if [ -z "$low" ] || [ "$h" -lt "$low" ]; then low=$h; fi
	done
	first=
	for node in "$@"; do
		hashes "$node" 1 "$low" >"$scratch/hashes-$node"
		if [ -z "$first" ]; then
			first=$node
		elif ! cmp -s "$scratch/hashes-$first" "$scratch/hashes-$node"; then
			not_ok "$name: $first and $node differ below height $low"
			return
		fi
	done
	if [ "$(wc -l <"$scratch/hashes-$first")" -eq "$low" ] && [ "$low" -gt 0 ]; then
		ok "$name: $* agree on all $low blocks"
	else
		not_ok "$name: only $(wc -l <"$scratch/hashes-$first") of $low blocks answered"
	fi
}
# advances NODE N SECS: checks that NODE's chain grows by N within SECS.
advances() {
	start=$(height "$1")
	if wait_height "$1" $((start + $2)) "$3"; then
		ok "$1 commits $2 more blocks within $3 s"
	else
		not_ok "$1 commits $2 more blocks within $3 s (stuck at $(height "$1"))"
	fi
}
