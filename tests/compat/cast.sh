#!/bin/sh
# Foundry's cast against the node: chain-id, balance, send (with a private
# key, and --unlocked --from), call, receipt, block and logs, on the ERC-20
# that compile.mjs built.  run.sh sets CAST, COMPAT_RPC_URL and
# COMPAT_ARTIFACTS.  Closes with "cast: N passed, M failed".
set -u
: "${CAST:?run through tests/compat/run.sh, which sets CAST}"
: "${COMPAT_RPC_URL:?run through tests/compat/run.sh}"
: "${COMPAT_ARTIFACTS:?run through tests/compat/run.sh}"
export ETH_RPC_URL="$COMPAT_RPC_URL" NO_COLOR=1

passed=0
failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-cast.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
out=$scratch/out
err=$scratch/err

ok() { passed=$((passed + 1)); printf 'ok - cast %s\n' "$1"; }
not_ok() {
	failed=$((failed + 1))
	printf 'not ok - cast %s\n' "$1"
	sed 's/^/#   /' "$err" | head -5
}

# c ARGS...: runs cast with output in $out and $err; a hung cast is a failure.
c() {
	timeout 30 "$CAST" "$@" >"$out" 2>"$err"
}

# is NAME WANT: checks that cast's last output, trimmed, is exactly WANT.
is() {
	got=$(cat "$out")
	if [ "$got" = "$2" ]; then
		ok "$1"
	else
		printf '#   got: %s\n#   wanted: %s\n' "$got" "$2" >>"$err"
		not_ok "$1"
	fi
}

# has NAME FILE TEXT: checks that FILE contains the fixed string TEXT.
has() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		printf '#   %s has no "%s"; it says:\n' "$(basename "$2")" "$3" >>"$err"
		head -c 600 "$2" | sed 's/^/#   /' >>"$err"
		not_ok "$1"
	fi
}

# field NAME: the first "NAME":"value" in $out (cast's --json output).
field() {
	grep -o "\"$1\":\"[^\"]*\"" "$out" | head -1 | cut -d'"' -f4
}

# anvil's dev accounts 7, 8 and 9: the ethers and viem tests leave them alone.
A7=0x14dC79964da2C08b23698B3D3cc7Ca32193d9955
K7=0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356
A8=0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f
A9=0xa0Ee7A142d267C1f36714E4a8F75612F20a79720
bytecode=$(grep -o '"bytecode": *"0x[0-9a-f]*"' "$COMPAT_ARTIFACTS/Token.json" | grep -o '0x[0-9a-f]*')

c chain-id && is "chain-id" 31337 || not_ok "chain-id"
c balance "$A9" && is "balance of an untouched dev account" 10000000000000000000000 || not_ok "balance"
c balance --ether "$A9" && is "balance --ether" 10000.000000000000000000 || not_ok "balance --ether"

if c send --private-key "$K7" --json --create "$bytecode" "constructor(uint256)" 1000000; then
	token=$(field contractAddress)
	deploy_block=$(field blockNumber)
	has "send --create: status 1" "$out" '"status":"0x1"'
else
	not_ok "send --create deploys the ERC-20"
	token=0x0000000000000000000000000000000000000000
	deploy_block=0x0
fi
case $token in
0x[0-9a-fA-F]*) ok "send --create: the receipt has a contractAddress" ;;
*) not_ok "send --create: no contractAddress in the receipt" ;;
esac

c call "$token" "name()(string)" && is "call name()" '"Chainbox Token"' || not_ok "call name()"
c call "$token" "balanceOf(address)(uint256)" "$A7" && is "call balanceOf: the deployer holds the supply" "1000000 [1e6]" ||
	not_ok "call balanceOf"

# A transfer signed by cast with a private key (eth_sendRawTransaction).
if c send --private-key "$K7" --json "$token" "transfer(address,uint256)" "$A8" 250; then
	has "send --private-key: status 1" "$out" '"status":"0x1"'
	has "send --private-key: the Transfer log" "$out" \
		'"topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"'
	tx1=$(field transactionHash)
else
	not_ok "send --private-key transfer"
	tx1=
fi

# A transfer that the node signs for an unlocked account (eth_sendTransaction).
if c send --unlocked --from "$A8" --json "$token" "transfer(address,uint256)" "$A9" 50; then
	has "send --unlocked --from: status 1" "$out" '"status":"0x1"'
	has "send --unlocked --from: sent from account 8" "$out" "\"from\":\"$(echo "$A8" | tr 'A-F' 'a-f')\""
else
	not_ok "send --unlocked --from transfer"
fi
c call "$token" "balanceOf(address)(uint256)" "$A8" && is "call: the balances moved (account 8)" 200 || not_ok "call balanceOf 8"
c call "$token" "balanceOf(address)(uint256)" "$A9" && is "call: the balances moved (account 9)" 50 || not_ok "call balanceOf 9"

# Receipt and block: the same transaction seen from both sides.
if [ -n "$tx1" ]; then
	c receipt "$tx1" status && is "receipt status" true || not_ok "receipt status"
	c receipt "$tx1" gasUsed
	gas_used=$(cat "$out")
	case $gas_used in
	[1-9][0-9][0-9][0-9][0-9]) ok "receipt gasUsed ($gas_used)" ;;
	*) not_ok "receipt gasUsed: '$gas_used'" ;;
	esac
	c receipt "$tx1" blockNumber
	block=$(cat "$out")
	c receipt "$tx1" blockHash
	block_hash=$(cat "$out")
	c block "$block" -f hash && is "block NUMBER -f hash matches the receipt" "$block_hash" || not_ok "block -f hash"
	if c block "$block" --json; then
		has "block --json lists the transaction" "$out" "$tx1"
		has "block --json has a base fee" "$out" '"baseFeePerGas":"0x'
	else
		not_ok "block --json"
	fi
	c receipt "$tx1" --json && has "receipt --json: effectiveGasPrice" "$out" '"effectiveGasPrice":"0x' ||
		not_ok "receipt --json"
else
	not_ok "receipt and block (no transaction to look at)"
fi
c block latest -f number
latest=$(cat "$out")
c block-number && is "block-number is the latest block" "$latest" || not_ok "block-number"
if [ -n "$tx1" ]; then
	c tx "$tx1" from && is "tx from" "$A7" || not_ok "tx from"
fi
c nonce "$A7" && is "nonce after a deployment and a transfer" 2 || not_ok "nonce"
c base-fee latest
base_fee=$(cat "$out")
c block latest -f baseFeePerGas && is "base-fee is the block's baseFeePerGas" "$base_fee" || not_ok "base-fee"
c estimate --from "$A7" "$token" "transfer(address,uint256)" "$A8" 1
gas=$(cat "$out")
case $gas in
[1-9][0-9][0-9][0-9][0-9]) ok "estimate ($gas)" ;;
*) not_ok "estimate: '$gas'" ;;
esac

# Logs: the mint and two transfers, from the deploy block on.
if c logs --json --from-block "$deploy_block" --address "$token" "Transfer(address indexed,address indexed,uint256)"; then
	n=$(grep -o '"transactionHash"' "$out" | wc -l)
	[ "$n" -eq 3 ] && ok "logs: three Transfer logs" || not_ok "logs: $n Transfer logs, wanted 3"
else
	not_ok "logs"
fi

# Ether: a value transfer and an exact balance.
c send --unlocked --from "$A8" --value 1ether "$A9" && ok "send --value" || not_ok "send --value"
c balance "$A9" && is "balance after receiving 1 ether" 10001000000000000000000 || not_ok "balance after"

# Reverts: the reason string and the custom error reach cast.
if c call "$token" "mintCapped(address,uint256)" "$A7" 2000000000000000000000; then
	not_ok "call of a reverting function fails"
else
	has "call: the revert reason" "$err" "execution reverted: Token: mint over cap"
fi
if c send --private-key "$K7" "$token" "mintCapped(address,uint256)" "$A7" 2000000000000000000000; then
	not_ok "send of a reverting function fails"
else
	has "send: the estimate fails with the reason" "$err" "Token: mint over cap"
fi
if c call "$token" "transferAtLeast(address,uint256,uint256)" "$A8" 1 5; then
	not_ok "call with a custom error fails"
else
	# AmountTooSmall(uint256,uint256) is 0x02d2d938, with 1 and 5 after it.
	has "call: the custom error's data" "$err" \
		"0x02d2d93800000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000005"
fi

printf '\ncast: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
