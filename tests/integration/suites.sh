#!/bin/sh
# chainbox test on real networks:
#   the three example suites pass, three at once (-j 3), and their JUnit
#   parses as XML with the right counts
#   a failing test exits 1 and says which step, what was expected and got,
#   the transaction, the decoded revert reason and the node's last lines
#   a suite that fails at its second setup step still tears its network down
#   a malformed suite gets FILE:LINE:COL errors and starts nothing
#   --filter runs only the matching tests; --keep leaves the network up
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "the sandbox needs root"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed to parse the JUnit XML"; exit 77; }

ex=$TOP_SRCDIR/examples
kept=
cleanup() {
	[ -n "$kept" ] && "$CHAINBOX" down --purge --state-dir "$kept" >/dev/null 2>&1
	rm -rf "$scratch"
}
trap cleanup EXIT

# junit FILE TESTS FAILURES: the file parses, and its <testsuites> counts.
junit() {
	got=$(python3 -c 'import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1]).documentElement
print(d.getAttribute("tests"), d.getAttribute("failures"))' "$1" 2>&1)
	if [ "$got" = "$2 $3" ]; then
		ok "$1 parses as JUnit with $2 tests, $3 failed"
	else
		not_ok "$1: wanted '$2 $3' (tests, failures), got '$got'"
	fi
}
# The runner's temporary directories go under $TMPDIR: work_dirs counts
# them.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"
work_dirs() { find "$TMPDIR" -mindepth 1 -maxdepth 1 | wc -l; }

# --- the examples ------------------------------------------------------------------------
run "the example suites pass, three at once" 0 "$CHAINBOX" test -q -j 3 \
	--junit "$scratch/examples.xml" "$ex/token/suite.yaml" "$ex/supply-chain/suite.yaml" \
	"$ex/evidence/suite.yaml"
expect "TAP starts with its version" "$scratch/out" "TAP version 13"
expect "the plan counts every test" "$scratch/out" "1..16"
expect "a token test is reported" "$scratch/out" "ok 1 - token: a transfer moves tokens and says so"
expect "the supply chain's fault test passes" "$scratch/out" "supply-chain: the trail stays correct while a validator is down"
if grep -q '^not ok' "$scratch/out"; then not_ok "no test fails"; else ok "no test fails"; fi
junit "$scratch/examples.xml" 16 0
[ "$(work_dirs)" -eq 0 ] && ok "every example network is gone" ||
	not_ok "$(work_dirs) test networks were left behind"

# --- failures ------------------------------------------------------------------------------
cat >"$scratch/fail.yaml" <<EOF
version: 1
name: failing
network: dev
contracts:
  Token: $ex/token/artifacts/ChainboxToken.json
accounts: {owner: 0, alice: 1, bob: 2}
setup:
  - deploy: {contract: Token, args: [1000 ether], from: owner, as: token}
tests:
  - name: a wrong balance
    steps:
      - send: {to: token, function: mint, args: [bob, 7], from: owner}
      - call: {to: token, function: balanceOf, args: [bob], equals: 8}
  - name: an unexpected revert
    steps:
      - send: {to: token, function: transfer, args: [alice, 1 ether], from: bob}
  - name: a passing test
    steps:
      - call: {to: token, function: balanceOf, args: [bob], equals: 0}
EOF
run "a failing suite exits 1" 1 "$CHAINBOX" test -q "$scratch/fail.yaml" --junit "$scratch/fail.xml"
expect "the failure is not ok" "$scratch/out" "not ok 1 - failing: a wrong balance"
expect "it names the step and its place" "$scratch/out" "step 2: call balanceOf(address) (${scratch}/fail.yaml:13:9)"
expect "it gives what was expected" "$scratch/out" 'expected: "8"'
expect "and what it got" "$scratch/out" 'actual: "7"'
expect "the revert is decoded" "$scratch/out" "reverted with InsufficientBalance(0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC, 0, 1000000000000000000)"
expect "the transaction is named" "$scratch/out" 'tx: "0x'
expect "the node's last lines come with it" "$scratch/out" "==> node <=="
expect "fresh isolation: the next test starts clean" "$scratch/out" "ok 3 - failing: a passing test"
junit "$scratch/fail.xml" 3 2

# A setup that fails at its second step: reported, and the network is gone.
sed 's/^setup:$/setup:\n  - send: {to: token, function: mint, args: [bob, 1], from: alice}/' \
	"$scratch/fail.yaml" | sed '0,/  - deploy:.*/{/  - deploy:.*/d}' >"$scratch/setup.yaml"
sed -i 's/^setup:$/setup:\n  - deploy: {contract: Token, args: [1000 ether], from: owner, as: token}/' "$scratch/setup.yaml"
run "a suite whose setup fails exits 1" 1 "$CHAINBOX" test -q "$scratch/setup.yaml"
expect "it says the setup failed at step 2" "$scratch/out" "the setup failed at step 2"
[ "$(work_dirs)" -eq 0 ] && ok "the failed suite's network is torn down" ||
	not_ok "the failed suite left its network behind"

# --- mistakes in the suite ------------------------------------------------------------------
cat >"$scratch/bad.yaml" <<EOF
version: 1
network: dev
contracts:
  Token: $ex/token/artifacts/ChainboxToken.json
accounts: {owner: 0}
setup:
  - deploy: {contract: Tokn, from: owner, as: token}
tests:
  - name: t
    steps:
      - call: {to: token, function: balanceOff, args: [carol]}
      - sned: {}
EOF
run "a malformed suite exits 1" 1 "$CHAINBOX" test "$scratch/bad.yaml"
expect "an unknown contract at its place" "$scratch/err" "bad.yaml:7:24: deploy: no contract named 'Tokn'"
expect "an unknown step at its place" "$scratch/err" "bad.yaml:12:9: unknown step 'sned'"
if grep -q 'TAP version' "$scratch/out"; then not_ok "nothing runs for a malformed suite"; else ok "nothing runs for a malformed suite"; fi
cat >"$scratch/fn.yaml" <<EOF
version: 1
network: dev
contracts:
  Token: $ex/token/artifacts/ChainboxToken.json
setup:
  - deploy: {contract: Token, args: [1 ether], as: token}
tests:
  - name: t
    steps:
      - call: {to: token, function: balanceOff, args: [0x0000000000000000000000000000000000000001]}
      - call: {to: token, function: transfer, args: [1]}
      - send: {to: token, function: transfer, args: [0x0000000000000000000000000000000000000001, lots]}
      - send: {to: token, function: approve, args: [nobody, 1 ether]}
EOF
run "an unknown function exits 1" 1 "$CHAINBOX" test "$scratch/fn.yaml"
expect "it suggests the right one" "$scratch/err" "did you mean 'balanceOf'"
expect "a wrong argument count is named" "$scratch/err" "fn.yaml:11:53: call transfer(address,uint256) takes 2 arguments, got 1"
expect "an argument of the wrong type, before any network" "$scratch/err" "fn.yaml:12:98: send transfer(address,uint256): expected an unsigned integer"
expect "an unknown alias as an address" "$scratch/err" "fn.yaml:13:53: send approve(address,uint256): 'nobody' is no address"

# --- --filter and --keep ------------------------------------------------------------------
run "--filter picks tests" 1 "$CHAINBOX" test -q --filter 'a wrong*' "$scratch/fail.yaml"
expect "only the matching test runs" "$scratch/out" "1..1"
run "--keep leaves the network" 0 "$CHAINBOX" test -q --keep --filter 'passing' "$scratch/fail.yaml"
kept=$(grep -o 'network kept in [^ ]*' "$scratch/err" | cut -d' ' -f4)
if [ -n "$kept" ] && [ -f "$kept/network.json" ]; then
	run "the kept network is up" 0 "$CHAINBOX" status --state-dir "$kept"
	run "and goes down by its state dir" 0 "$CHAINBOX" down --purge --state-dir "$kept"
	kept=
else
	not_ok "--keep did not say where the network is"
fi
finish
