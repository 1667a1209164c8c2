#!/bin/sh
# chainbox up and the commands around it, with real supervisors and real
# confined nodes: up and down, status, logs, kill, restart, pause and
# resume, a seccomp violation, a log flood, two networks side by side, a
# supervisor killed with -9, and bad input.  Every run goes through both
# io paths: io_uring, then poll (CHAINBOX_NO_URING=1).  Ports are picked
# free by the supervisor; every process is stopped by pid.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || { echo "curl is needed"; exit 77; }
if [ "$(id -u)" -ne 0 ]; then
	echo "the sandbox needs root (namespaces, mounts)"
	exit 77
fi

# Supervisors this test started, killed at the end whatever happens.
supervisors=
cleanup() {
	for p in $supervisors; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$scratch"
}
trap cleanup EXIT

# json_int FILE KEY: the first integer value of KEY in FILE.
json_int() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }
# rpc_port DIR: the first node's RPC port from DIR/network.json.
rpc_port() { grep -o '"rpc": "http://127.0.0.1:[0-9]*' "$1/network.json" | head -1 | grep -o '[0-9]*$'; }
# rpc PORT METHOD [PARAMS]: one JSON-RPC call; the answer in $resp.
rpc() {
	resp=$(curl -s -m 2 -H 'content-type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$1/") || resp="(no answer)"
}
# gone NAME PID: checks that PID ends within 3 s.
gone() {
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	if kill -0 "$2" 2>/dev/null; then not_ok "$1 (pid $2 still runs)"; else ok "$1"; fi
}
# up_net NAME DIR [ARGS]: chainbox up -d, remembering the supervisor.
up_net() {
	name=$1 dir=$2
	shift 2
	run "up $name" 0 "$CHAINBOX" up -d --state-dir "$dir" "$@"
	if [ -f "$dir/network.json" ]; then
		supervisors="$supervisors $(json_int "$dir/network.json" supervisor_pid)"
	fi
}

# A node that misbehaves on cue: the sandbox's probe run as the node, with
# actions from the spec's args (after the --config FILE it is given).
PROBE=$(dirname "$CHAINBOX")/tests/sandbox/probe

cat >"$scratch/dev.yaml" <<EOF
version: 1
name: dev
extends: dev
EOF

for path in uring poll; do
	echo "# --- the $path io path ---"
	if [ $path = poll ]; then export CHAINBOX_NO_URING=1; else unset CHAINBOX_NO_URING; fi
	a=$scratch/$path-a
	b=$scratch/$path-b

	# --- up, status, logs ----------------------------------------------------
	up_net "a dev network" "$a" dev
	expect "the banner shows the accounts" "$scratch/out" \
		"(0) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (10000.000000000000000000 ETH)"
	expect "and the node's RPC URL" "$scratch/out" "http://127.0.0.1:"
	port=$(rpc_port "$a")
	rpc "$port" eth_chainId
	case $resp in *'"result":"0x7a69"'*) ok "the node answers JSON-RPC" ;; *) not_ok "eth_chainId: $resp" ;; esac
	run "status" 0 "$CHAINBOX" status --state-dir "$a"
	expect "shows the node running" "$scratch/out" "running"
	if [ $path = poll ]; then
		expect "on the poll path" "$scratch/out" "io path: poll (CHAINBOX_NO_URING=1)"
	else
		expect "on io_uring" "$scratch/out" "io path: io_uring"
	fi
	run "status --json" 0 "$CHAINBOX" status --json --state-dir "$a"
	expect "has the height" "$scratch/out" '"height": 0'
	run "logs" 0 "$CHAINBOX" logs --state-dir "$a"
	expect "has the node's output, prefixed" "$scratch/out" "node | Listening on 127.0.0.1:$port"
	if [ $path = uring ]; then
		run "logs --bundle of a running network" 0 "$CHAINBOX" logs --bundle "$scratch/up.tar.gz" \
			--state-dir "$a"
		run "which tar -tzf lists" 0 tar -tzf "$scratch/up.tar.gz"
		for m in logs/node.log network.json spec.yaml genesis.json supervisor.log status.json; do
			expect "with dev-logs/$m" "$scratch/out" "dev-logs/$m"
		done
		tar -xzOf "$scratch/up.tar.gz" dev-logs/status.json >"$scratch/status.json" 2>&1
		expect "status.json is the supervisor's answer" "$scratch/status.json" '"supervisor_pid"'
	fi

	# --- pause, resume, kill, start, restart ----------------------------------------
	run "pause" 0 "$CHAINBOX" pause node --state-dir "$a"
	rpc "$port" eth_chainId
	case $resp in "(no answer)") ok "a paused node does not answer" ;; *) not_ok "paused, yet: $resp" ;; esac
	run "resume" 0 "$CHAINBOX" resume node --state-dir "$a"
	rpc "$port" eth_chainId
	case $resp in *0x7a69*) ok "a resumed node answers" ;; *) not_ok "resumed: $resp" ;; esac
	pid=$(json_int "$a/network.json" pid)
	run "kill" 0 "$CHAINBOX" kill node --state-dir "$a"
	expect "says so" "$scratch/out" "node node killed"
	gone "the node is gone" "$pid"
	run "status after kill" 0 "$CHAINBOX" status --state-dir "$a"
	expect "shows it stopped" "$scratch/out" "stopped"
	expect "and why" "$scratch/out" "killed by SIGKILL"
	run "start" 0 "$CHAINBOX" start node --state-dir "$a"
	rpc "$port" eth_chainId
	case $resp in *0x7a69*) ok "a started node answers" ;; *) not_ok "started: $resp" ;; esac
	run "restart" 0 "$CHAINBOX" restart node --state-dir "$a"
	expect "says so" "$scratch/out" "node node restarted"
	rpc "$port" eth_blockNumber
	case $resp in *'"result":"0x'*) ok "a restarted node answers" ;; *) not_ok "restarted: $resp" ;; esac
	run "an unknown node" 1 "$CHAINBOX" stop validator-9 --state-dir "$a"
	expect "is named" "$scratch/err" "has no node named 'validator-9' (its nodes: node)"

	# --- two networks side by side --------------------------------------------------
	up_net "a second network beside it" "$b" dev
	port_b=$(rpc_port "$b")
	if [ -n "$port_b" ] && [ "$port_b" != "$port" ]; then ok "on another port"; else not_ok "ports $port and $port_b"; fi
	rpc "$port_b" eth_chainId
	case $resp in *0x7a69*) ok "the second answers" ;; *) not_ok "second: $resp" ;; esac
	rpc "$port" eth_chainId
	case $resp in *0x7a69*) ok "and the first still does" ;; *) not_ok "first: $resp" ;; esac
	run "the same state dir twice" 1 "$CHAINBOX" up -d --state-dir "$b" dev
	expect "is refused" "$scratch/err" "is already running in $b"

	# --- down ------------------------------------------------------------------------
	pid=$(json_int "$b/network.json" pid)
	spid=$(json_int "$b/network.json" supervisor_pid)
	run "down" 0 "$CHAINBOX" down --state-dir "$b"
	gone "its node is gone" "$pid"
	gone "its supervisor is gone" "$spid"
	run "status of a network that is down" 1 "$CHAINBOX" status --state-dir "$b"
	expect "says none runs" "$scratch/err" "no network named $path-b is running"
	[ -d "$b/nodes/node/data" ] && ok "down keeps the data" || not_ok "down keeps the data"
	if [ $path = uring ]; then
		run "logs --bundle after down" 0 "$CHAINBOX" logs --bundle "$scratch/down.tar.gz" \
			--state-dir "$b"
		run "which tar -tzf lists" 0 tar -tzf "$scratch/down.tar.gz"
		for m in logs/node.log network.json spec.yaml genesis.json supervisor.log status.txt; do
			expect "with dev-logs/$m" "$scratch/out" "dev-logs/$m"
		done
		tar -xzOf "$scratch/down.tar.gz" dev-logs/status.txt >"$scratch/status.txt" 2>&1
		expect "status.txt says no supervisor ran" "$scratch/status.txt" "no supervisor ran in $b"
	fi
	run "down --purge of a stopped network" 0 "$CHAINBOX" down --purge --state-dir "$b"
	[ -d "$b" ] && not_ok "--purge removes the state dir" || ok "--purge removes the state dir"

	# --- the supervisor killed with -9 ----------------------------------------------
	pid=$(json_int "$a/network.json" pid)
	spid=$(json_int "$a/network.json" supervisor_pid)
	kill -9 "$spid"
	gone "a supervisor killed with -9 leaves no node behind" "$pid"
	up_net "the next up of that network" "$a" dev
	expect "cleans up and says so" "$scratch/err" "cleaned up the stale state of network"
	run "down again" 0 "$CHAINBOX" down --purge --state-dir "$a"

	# --- a seccomp violation, and a log flood ------------------------------------------
	if [ -x "$PROBE" ]; then
		cat >"$scratch/probe.yaml" <<EOF
version: 1
name: probe
chain: {id: 31337, consensus: solo}
nodes:
  - name: flood
    rpc: false
    args: [write-stdout:8388608, sleep:60000]
  - name: bad
    role: full
    rpc: false
    args: [sleep:300, ptrace, sleep:60000]
  - name: crash
    role: full
    rpc: false
    restart: on-failure
    args: [sleep:200, exit:3]
EOF
		p=$scratch/$path-p
		CHAINBOX_NODE=$PROBE up_net "a network of probes" "$p" "$scratch/probe.yaml"
		i=0
		until grep -q "stopped by its seccomp policy" "$p/supervisor.log" 2>/dev/null ||
			[ $i -ge 300 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		run "status" 0 "$CHAINBOX" status --state-dir "$p"
		expect "reports the violation" "$scratch/out" "stopped by its seccomp policy: syscall ptrace (101)"
		expect "and so does the supervisor's log" "$p/supervisor.log" \
			"node bad stopped by its seccomp policy: syscall ptrace (101)"
		i=0
		until [ "$(grep -c 'node crash restarts in' "$p/supervisor.log")" -ge 2 ] ||
			[ $i -ge 300 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		expect "a crash is reported with its status" "$p/supervisor.log" "node crash exited with status 3"
		expect "and restarted (restart: on-failure)" "$p/supervisor.log" "node crash restarts in 250 ms"
		expect "with a growing delay" "$p/supervisor.log" "node crash restarts in 500 ms"
		size=$(wc -c <"$p/logs/flood.log")
		if [ "$size" -ge 8388608 ]; then
			ok "a node's 8 MiB flood is in its log, nothing lost ($size bytes)"
		else
			not_ok "the flood's log has $size bytes of 8388608"
		fi
		run "down the probes" 0 "$CHAINBOX" down --purge --state-dir "$p"
	else
		not_ok "tests/sandbox/probe is not built"
	fi
done
unset CHAINBOX_NO_URING

# --- bad input leaves nothing behind ----------------------------------------------
printf 'version: 1\nnodes: [{name: v, cuont: 2}]\n' >"$scratch/bad.yaml"
run "a bad spec" 1 "$CHAINBOX" up -d --state-dir "$scratch/bad" "$scratch/bad.yaml"
expect "is reported as FILE:LINE:COL" "$scratch/err" "bad.yaml:2:19: unknown key 'cuont'"
[ -e "$scratch/bad" ] && not_ok "a bad spec creates nothing" || ok "a bad spec creates nothing"
CHAINBOX_NODE=$scratch/missing run "a missing node binary" 1 "$CHAINBOX" up -d --state-dir "$scratch/m" dev
expect "is named" "$scratch/err" "CHAINBOX_NODE=$scratch/missing: No such file or directory"
printf 'not a program\n' >"$scratch/notexec"
chmod 644 "$scratch/notexec"
CHAINBOX_NODE=$scratch/notexec run "a node binary that cannot run" 1 "$CHAINBOX" up -d --state-dir "$scratch/n" dev
expect "is reported" "$scratch/err" "cannot execute"
[ -e "$scratch/n/control.sock" ] && not_ok "and no supervisor stays" || ok "and no supervisor stays"
up_net "a network holding a port" "$scratch/h" dev
port=$(rpc_port "$scratch/h")
printf 'version: 1\nname: clash\nextends: dev\nnodes: [{name: node, rpc: %s}]\n' "$port" >"$scratch/clash.yaml"
run "a port that is taken" 1 "$CHAINBOX" up -d --state-dir "$scratch/c" "$scratch/clash.yaml"
expect "is named" "$scratch/err" "port $port is in use"
run "down" 0 "$CHAINBOX" down --purge --state-dir "$scratch/h"
run "a network that never ran" 1 "$CHAINBOX" status --state-dir "$scratch/never"
expect "says none runs" "$scratch/err" "no network named never is running"

finish
