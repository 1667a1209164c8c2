#!/bin/sh
# ci/: the shell steps of the CI workflows users copy, run here as a CI job
# runs them.  ci/run-suite.sh on the token example's suite passes: status
# 0, a JUnit report, no log bundle.  On a failing copy of it, it fails:
# status 1, the failure in the report, and a bundle of every node's log.
# Neither run leaves a network running, checked by the pids in each
# network's network.json.  Both workflow files parse as YAML, call
# ci/run-suite.sh, and install every package quickstart installs.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "the sandbox needs root (namespaces, mounts)"
	exit 77
fi
command -v tar >/dev/null 2>&1 || { echo "tar is needed"; exit 77; }

# pids FILE: the supervisor's and the nodes' pids in a network.json.
pids() { grep -o '"\(supervisor_\)\{0,1\}pid": [0-9]*' "$1" | grep -o '[0-9]*$'; }
# names PID DIR: whether process PID runs with DIR in its command line,
# as a network's supervisor (--state-dir DIR) and nodes (--config
# DIR/nodes/...) do; a pid used again since is some other process.
names() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$2"; }
# naming DIR: the pids of every process that names DIR.
naming() {
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		names "$p" "$1" && echo "$p"
	done
}
# Whatever a failed run left up is killed by pid: the processes that name
# a network's state dir.
cleanup() {
	for dir in $(cat "$scratch"/*/kept 2>/dev/null); do
		for p in $(naming "$dir"); do kill -9 "$p" 2>/dev/null; done
	done
	rm -rf "$scratch"
}
trap cleanup EXIT

# A chainbox that keeps each network's network.json just before taking it
# down, so that its pids can be checked once the state dir is purged.
mkdir -p "$scratch/seen"
cat >"$scratch/chainbox" <<EOF
#!/bin/sh
if [ "\$1" = down ]; then
	prev=
	for a in "\$@"; do
		[ "\$prev" = --state-dir ] &&
			cp "\$a/network.json" "$scratch/seen/\$(printf %s "\$a" | tr / _).json" 2>/dev/null
		prev=\$a
	done
fi
exec "$CHAINBOX" "\$@"
EOF
chmod +x "$scratch/chainbox"

# suite NAME SUITE: runs ci/run-suite.sh SUITE in $scratch/NAME, as a CI
# job does; TAP in tap, standard error in err, the networks it kept listed
# in kept, the exit status in $status.
suite() {
	mkdir -p "$scratch/$1"
	(cd "$scratch/$1" && CHAINBOX="$scratch/chainbox" sh "$TOP_SRCDIR/ci/run-suite.sh" "$2" \
		>tap 2>err)
	status=$?
	sed -n 's/^chainbox test: suite .*: network kept in //p' "$scratch/$1/err" >"$scratch/$1/kept"
}
# junit NAME DIR WANT: checks that DIR/report.xml parses and has WANT
# ("no" or "some") failures.
junit() {
	if ! command -v python3 >/dev/null 2>&1; then
		ok "# skip $1: no python3 to parse JUnit"
		return
	fi
	if python3 - "$2/report.xml" "$3" >"$scratch/py" 2>&1 <<'EOF'; then
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
cases = doc.getElementsByTagName("testcase")
failures = doc.getElementsByTagName("failure") + doc.getElementsByTagName("error")
assert cases, "no testcase"
assert (len(failures) == 0) == (sys.argv[2] == "no"), "%d failures" % len(failures)
EOF
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$scratch/py" | tail -5
	fi
}
# down NAME DIR: checks that the network run NAME kept in DIR is down: its
# state dir purged, and no pid of its network.json running.
down() {
	if [ -e "$2" ]; then
		not_ok "$1: $2 is still there"
		return
	fi
	seen="$scratch/seen/$(printf %s "$2" | tr / _).json"
	if [ ! -f "$seen" ]; then
		not_ok "$1: it was never taken down"
		return
	fi
	left=
	for p in $(pids "$seen"); do
		i=0
		while names "$p" "$2" && [ $i -lt 300 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		names "$p" "$2" && left="$left $p"
	done
	if [ -z "$left" ]; then ok "$1: no pid of its network.json runs"; else
		not_ok "$1: pids$left still run"
	fi
	left=$(naming "$2")
	[ -z "$left" ] && ok "$1: no process names its state dir" ||
		not_ok "$1: pids $(echo $left) still name $2"
}

# --- a suite that passes ---------------------------------------------------------
suite pass "$TOP_SRCDIR/examples/token/suite.yaml"
if [ "$status" -eq 0 ]; then ok "run-suite.sh of the token suite exits 0"; else
	not_ok "run-suite.sh of the token suite exits $status"
	sed 's/^/#   /' "$scratch/pass/err" | tail -20
fi
if grep -q '^ok ' "$scratch/pass/tap" && ! grep -q '^not ok' "$scratch/pass/tap"; then
	ok "its TAP on standard output passes"
else
	not_ok "its TAP on standard output passes"
fi
grep -q '^chainbox test:' "$scratch/pass/tap" && not_ok "progress stays off standard output" ||
	ok "progress stays off standard output"
junit "its JUnit report parses, without failures" "$scratch/pass" no
ls "$scratch/pass"/logs*.tar.gz >/dev/null 2>&1 && not_ok "a pass bundles no logs" ||
	ok "a pass bundles no logs"
[ -s "$scratch/pass/kept" ] && ok "chainbox test kept its network" ||
	not_ok "chainbox test kept its network"
for dir in $(cat "$scratch/pass/kept"); do down "the passing run's network" "$dir"; done

# --- a suite that fails, on the token's artifacts ---------------------------------
cat >"$scratch/fails.yaml" <<EOF
version: 1
name: token-fails
network: $TOP_SRCDIR/examples/token/network.yaml
contracts:
  Token: $TOP_SRCDIR/examples/token/artifacts/ChainboxToken.json
accounts: {owner: 0}
setup:
  - deploy: {contract: Token, args: [1000000 ether], from: owner, as: token}
tests:
  - name: nothing is minted yet
    steps:
      - call: {to: token, function: totalSupply, equals: 0}
  - name: a wrong supply fails
    steps:
      - call: {to: token, function: totalSupply, equals: 1 ether}
EOF
suite fail "$scratch/fails.yaml"
if [ "$status" -eq 1 ]; then ok "run-suite.sh of a failing suite exits 1"; else
	not_ok "run-suite.sh of a failing suite exits $status"
	sed 's/^/#   /' "$scratch/fail/err" | tail -20
fi
expect "its TAP has the failure" "$scratch/fail/tap" "not ok 2 - token-fails: a wrong supply fails"
junit "its JUnit report parses, with the failure" "$scratch/fail" some
if [ -f "$scratch/fail/logs.tar.gz" ]; then
	ok "a failure bundles the logs in logs.tar.gz"
	run "which tar -tzf lists" 0 tar -tzf "$scratch/fail/logs.tar.gz"
	for m in validator-1.log validator-2.log validator-3.log validator-4.log; do
		expect "with logs/$m" "$scratch/out" "-logs/logs/$m"
	done
	expect "and the status of the running network" "$scratch/out" "-logs/status.json"
else
	not_ok "a failure bundles the logs in logs.tar.gz"
fi
expect "run-suite.sh says where" "$scratch/fail/err" "in logs.tar.gz"
[ -s "$scratch/fail/kept" ] || not_ok "chainbox test kept the failing network"
for dir in $(cat "$scratch/fail/kept"); do down "the failing run's network" "$dir"; done

run "run-suite.sh without a suite" 2 sh "$TOP_SRCDIR/ci/run-suite.sh"

# --- the workflow files -----------------------------------------------------------
gh=$TOP_SRCDIR/ci/github-actions.yml
gl=$TOP_SRCDIR/ci/gitlab-ci.yml
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
	if python3 - "$gh" "$gl" >"$scratch/py" 2>&1 <<'EOF'; then
import sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
# YAML 1.1 reads the key "on" as true.
on = gh.get("on", gh.get(True))
assert "push" in on and "pull_request" in on, "not on push and pull_request"
steps = [s for job in gh["jobs"].values() for s in job["steps"]]
uses = lambda s, a: s.get("uses", "").startswith(a)
assert any(uses(s, "actions/cache@") for s in steps), "no actions/cache"
assert any(uses(s, "actions/upload-artifact@") and s.get("if") == "failure()"
           for s in steps), "no upload-artifact if: failure()"
assert any("ci/run-suite.sh" in s.get("run", "") for s in steps), "no ci/run-suite.sh"
gl = yaml.safe_load(open(sys.argv[2]))
job = gl["chainbox-suites"]
assert any("ci/run-suite.sh" in line for line in job["script"]), "no ci/run-suite.sh"
assert job["artifacts"]["reports"]["junit"] == "report.xml", "no JUnit report"
EOF
		ok "both workflow files parse as YAML, as workflows"
	else
		not_ok "the workflow files"
		sed 's/^/#   /' "$scratch/py" | tail -5
	fi
elif command -v ruby >/dev/null 2>&1; then
	run "both workflow files parse as YAML" 0 ruby -ryaml -e 'ARGV.each { |f| YAML.load_file(f) }' \
		"$gh" "$gl"
else
	ok "# skip parsing the workflow files: no python3-yaml nor ruby"
fi
missing=
for p in $(sed -n '/^PACKAGES="/,/"$/p' "$TOP_SRCDIR/quickstart" | tr -d '"' | sed 's/^PACKAGES=//'); do
	grep -qw -- "$p" "$gh" || missing="$missing $p (github)"
	grep -qw -- "$p" "$gl" || missing="$missing $p (gitlab)"
done
[ -z "$missing" ] && ok "both install quickstart's packages" || not_ok "missing:$missing"

finish
