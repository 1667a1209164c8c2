#!/bin/sh
# Real clients against a real node: ethers 6 and viem 2 (node --test) and
# Foundry's cast (cast.sh), on an OpenZeppelin ERC-20 and ERC-721 compiled
# with solc-js.  See README.md.
#
# The node is $CHAINBOX_NODE --dev --port 0 (make check sets it), or anvil
# with COMPAT_NODE=anvil, for reference.  The npm packages are installed once
# per package-lock.json into ${XDG_CACHE_HOME:-$HOME/.cache}/chainbox/compat/,
# and the contracts compiled once per source into the same place.
#
# Exit status: 0 when every check passed, 1 when one failed, 99 (a hard
# error to automake) when the run could not be set up: no node, no npm, or
# no registry for the first install.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${XDG_CACHE_HOME:-${HOME:?}/.cache}/chainbox/compat
mode=${COMPAT_NODE:-chainbox}

setup_error() {
	printf 'compat: %s\n' "$1" >&2
	shift
	for hint in "$@"; do printf 'compat: %s\n' "$hint" >&2; done
	exit 99
}

# --- Node.js and npm ---------------------------------------------------------
command -v node >/dev/null 2>&1 ||
	setup_error "cannot find 'node'" "install Node.js 20 or newer (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 ||
	setup_error "cannot find 'npm'" "install npm (Debian: apt-get install npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] ||
	setup_error "Node.js $(node --version) is too old" "the tests need Node.js 20 or newer"

# --- the npm packages, once per package-lock.json ----------------------------
lock_hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
cache=$cache_root/$lock_hash
mkdir -p "$cache_root" || setup_error "cannot create '$cache_root'"
if [ ! -f "$cache/.installed" ]; then
	echo "compat: installing the npm packages into $cache (once)"
	staging=$(mktemp -d "$cache_root/install.XXXXXX") || setup_error "cannot create a folder in '$cache_root'"
	cp "$here/package.json" "$here/package-lock.json" "$staging/"
	if ! npm ci --prefix "$staging" --no-audit --no-fund --loglevel=error >"$staging.log" 2>&1; then
		sed 's/^/compat:   /' "$staging.log" | tail -15 >&2
		rm -rf "$staging" "$staging.log"
		setup_error "npm ci failed" \
			"the first run needs the npm registry ($(npm config get registry 2>/dev/null)) to install" \
			"ethers, viem, solc, @openzeppelin/contracts and Foundry's cast and anvil;" \
			"later runs use the cache in $cache_root and need no network"
	fi
	rm -f "$staging.log"
	touch "$staging/.installed"
	# A folder there without .installed is left from an interrupted or a
	# hand-made install.  Another run may have won the race meanwhile: then
	# its copy is as good as ours.
	[ -f "$cache/.installed" ] || rm -rf "$cache"
	mv -T "$staging" "$cache" 2>/dev/null || rm -rf "$staging"
fi
[ -f "$cache/.installed" ] || setup_error "the npm cache in '$cache' is incomplete"

# The scripts run from a folder inside the cache, so that their imports of
# ethers, viem and solc find its node_modules.
work=$(mktemp -d "$cache/run.XXXXXX") || setup_error "cannot create a folder in '$cache'"
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
cp "$here/compile.mjs" "$here/lib.mjs" "$here/ethers.test.mjs" "$here/viem.test.mjs" "$work/"

# --- the contracts, once per source --------------------------------------------
src_hash=$(cat "$here/compile.mjs" "$here"/contracts/*.sol | sha256sum | cut -c1-16)
artifacts=$cache/artifacts-$src_hash
if [ ! -f "$artifacts/Token.json" ] || [ ! -f "$artifacts/Collectible.json" ]; then
	staging=$(mktemp -d "$cache/artifacts.XXXXXX")
	node "$work/compile.mjs" "$here/contracts" "$staging" ||
		{ rm -rf "$staging"; setup_error "solc-js could not compile $here/contracts"; }
	mv -T "$staging" "$artifacts" 2>/dev/null || rm -rf "$staging"
fi

# --- the node under test -------------------------------------------------------
case $mode in
anvil)
	set -- "$cache/node_modules/.bin/anvil" --port 0 --host 127.0.0.1
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
echo "compat: starting $*"
"$@" >"$work/node.out" 2>"$work/node.err" </dev/null &
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
			sed 's/^/compat:   /' "$work/node.err" | tail -20 >&2
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
export COMPAT_RPC_URL="http://$address" COMPAT_ARTIFACTS="$artifacts" COMPAT_NODE="$mode"
echo "compat: the node (pid $node_pid) listens on $COMPAT_RPC_URL"

# --- ethers and viem ---------------------------------------------------------------
# One file at a time: each sends from its own accounts, but an evm_revert in
# one would undo what the other does meanwhile.
# Readable results on stdout, and TAP in a file for the counts.
(cd "$work" && node --test --test-concurrency=1 --test-timeout=60000 \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="$work/tap.out" \
	ethers.test.mjs viem.test.mjs) 2>&1
js_passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/tap.out" | tail -1)
js_failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$work/tap.out" | tail -1)
js_cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$work/tap.out" | tail -1)
if [ -z "$js_passed" ] || [ -z "$js_failed" ]; then
	echo "not ok - node --test ran to its summary"
	js_passed=0 js_failed=1
fi
js_failed=$((js_failed + ${js_cancelled:-0}))

# --- cast ------------------------------------------------------------------------------
echo
CAST="$cache/node_modules/.bin/cast" sh "$here/cast.sh" >"$work/cast.out" 2>&1
grep -v '^cast: [0-9]* passed, [0-9]* failed$' "$work/cast.out"
cast_passed=$(sed -n 's/^cast: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$work/cast.out")
cast_failed=$(sed -n 's/^cast: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$work/cast.out")
if [ -z "$cast_passed" ] || [ -z "$cast_failed" ]; then
	echo "not ok - cast.sh ran to its summary"
	cast_passed=0 cast_failed=1
fi

passed=$((js_passed + cast_passed))
failed=$((js_failed + cast_failed))
if [ "$failed" -ne 0 ]; then
	echo "# the node's stderr, last lines:"
	tail -20 "$work/node.err" | sed 's/^/#   /'
fi
printf '\n%s: ethers and viem %d passed, %d failed; cast %d passed, %d failed\n' \
	"$mode" "$js_passed" "$js_failed" "$cast_passed" "$cast_failed"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
