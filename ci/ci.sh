#!/bin/sh
# The project's wider CI matrix, for running by hand (CI itself runs
# ./quickstart check).  Driven by environment variables; everything else
# comes from the tree.
#   CC=gcc|clang         compiler (default gcc)
#   VARIANT=plain|asan|valgrind|distcheck|fuzz|all   what to run (default all)
#   FUZZ_SECONDS=N       how long each fuzz target runs (default 60)
#   JOBS=N               parallel make jobs (default: nproc)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-gcc}
VARIANT=${VARIANT:-all}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-$(nproc)}

echo "ci: CC=$CC VARIANT=$VARIANT FUZZ_SECONDS=$FUZZ_SECONDS JOBS=$JOBS"
echo "ci: $($CC --version | head -n 1); $(uname -sr)"

cd "$top"
[ -x configure ] || autoreconf -fi

# build NAME CONFIGURE-FLAGS...: a fresh out-of-tree build in build-ci/NAME.
build() {
	name=$1
	shift
	dir=$top/build-ci/$CC-$name
	rm -rf "$dir"
	mkdir -p "$dir"
	cd "$dir"
	echo "ci: [$CC-$name] configure $*"
	"$top/configure" CC="$CC" --enable-werror "$@" >configure.log
	make -j"$JOBS" >make.log
}

run_plain() { build plain; make -j"$JOBS" check; }
run_asan() { build asan --enable-asan; make -j"$JOBS" check; }
run_valgrind() {
	build valgrind
	make -j"$JOBS" check LOG_COMPILER="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --quiet"
}
run_distcheck() { build distcheck; make -j"$JOBS" distcheck; }
# p2p_seeds DIR: a HELLO followed by an AUTH and an ACCEPT, or by a BYE,
# so that the fuzzer starts past the framing.
p2p_seeds() {
	mkdir -p "$1"
	z8='\000\000\000\000\000\000\000\000'
	z32="$z8$z8$z8$z8"
	hello="\000\000\000\112\001\001\000\000\000\000\000\000\172\151$z32$z32"
	# shellcheck disable=SC2059
	printf "$hello\000\000\000\102\002$z32$z32\001\000\000\000\001\005" >"$1/hello-auth-accept"
	# shellcheck disable=SC2059
	printf "$hello\000\000\000\010\003go away" >"$1/hello-bye"
}
# abi_seeds DIR: a type, signatures and a JSON ABI after the byte that
# picks fuzz_abi's mode, so that the fuzzer starts from valid text.
abi_seeds() {
	mkdir -p "$1"
	printf '\000(address,uint256)[2][]' >"$1/type"
	printf '\001event Transfer(address indexed from, address indexed to, uint256 value)' >"$1/event"
	printf '\001function f((uint256 id, string tag)[] calldata xs) view returns (bytes32)' >"$1/function"
	printf '\002["error E(uint8)",{"type":"function","name":"g","inputs":[{"name":"t","type":"tuple[]","components":[{"name":"a","type":"int24"}]}]}]' >"$1/abi"
}
# suite_seeds DIR: the example test suites (libFuzzer takes folders only).
suite_seeds() {
	mkdir -p "$1"
	for name in token supply-chain evidence; do
		cp "$top/examples/$name/suite.yaml" "$1/$name.yaml"
	done
}
run_fuzz() {
	[ "$CC" = clang ] || { echo "ci: fuzzing needs CC=clang; skipped"; return 0; }
	build fuzz --enable-fuzzing
	for target in spec rlp tx evm rpc eip712 p2p abi suite; do
		make -j"$JOBS" "tests/fuzz/fuzz_$target"
		mkdir -p "corpus-$target"
		case $target in
		spec) seeds="$top/templates $top/examples" ;;
		p2p) p2p_seeds seeds-p2p && seeds="seeds-p2p" ;;
		abi) abi_seeds seeds-abi && seeds="seeds-abi" ;;
		suite) suite_seeds seeds-suite && seeds="seeds-suite" ;;
		*) seeds= ;;
		esac
		# shellcheck disable=SC2086
		"./tests/fuzz/fuzz_$target" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
			"corpus-$target" $seeds
	done
}

case $VARIANT in
all)
	run_plain
	run_asan
	run_valgrind
	run_distcheck
	run_fuzz
	;;
plain | asan | valgrind | distcheck | fuzz)
	"run_$VARIANT"
	;;
*)
	echo "ci: unknown VARIANT '$VARIANT'" >&2
	exit 2
	;;
esac
echo "ci: $VARIANT done"
