#!/bin/sh
# Runs the RLP, trie, transaction and state conformance vectors, which live
# outside the tree:
# in $CHAINBOX_CONFORMANCE, by default ../shared/conformance next to the
# source tree (Makefile.am passes down an absolute default, so that
# distcheck's deeper copy of the tree finds them too).
set -u

dir=${CHAINBOX_CONFORMANCE:-${TOP_SRCDIR:-.}/../shared/conformance}
ethtest=${ETHTEST:-./tests/conformance/ethtest}

if [ ! -d "$dir/RLPTests" ] || [ ! -d "$dir/TrieTests" ]; then
	echo "run.sh: conformance vectors not found in '$dir'" >&2
	echo "run.sh: set CHAINBOX_CONFORMANCE to the folder that holds RLPTests/ and TrieTests/" >&2
	exit 99
fi

status=0
for mode in rlp trie tx state; do
	case $mode in
	rlp) sub=RLPTests ;;
	trie) sub=TrieTests ;;
	tx) sub=TransactionTests ;;
	state) sub=GeneralStateTests ;;
	esac
	echo "ethtest $mode $dir/$sub"
	"$ethtest" "$mode" "$dir/$sub" || status=1
done
exit $status
