#!/bin/sh
# chainbox-node as a client meets it: started on a free port, asked over
# JSON-RPC with curl (transfers, a deployment, calls, reverts, errors), and
# stopped with SIGTERM.
. "$(dirname "$0")/lib.sh"
: "${CHAINBOX_NODE:?run through make check, which sets CHAINBOX_NODE}"

ACCT0=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
ACCT1=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
ONE_ETHER=1000000000000000000

# The node is killed by its PID whatever happens to the script.
node_pid=
stop_node() {
	if [ -n "$node_pid" ]; then
		kill "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
		node_pid=
	fi
}
anvil_pid=
trap 'stop_node; [ -n "$anvil_pid" ] && kill "$anvil_pid" 2>/dev/null; rm -rf "$scratch"' EXIT

# --- the command line --------------------------------------------------------
run "--help" 0 "$CHAINBOX_NODE" --help
expect "shows usage" "$scratch/out" "usage: chainbox-node --dev"
run "no --dev is a usage error" 2 "$CHAINBOX_NODE"
run "a bad port is a usage error" 2 "$CHAINBOX_NODE" --dev --port 70000
expect "naming the option" "$scratch/err" "option '--port' expects a number from 0 to 65535, got '70000'"
run "a bad mnemonic is a usage error" 2 "$CHAINBOX_NODE" --dev --mnemonic "test test"
run "an unknown option is a usage error" 2 "$CHAINBOX_NODE" --dev --frobnicate
run "--config with a missing file fails" 1 "$CHAINBOX_NODE" --config "$scratch/net.yaml"
expect "and says which" "$scratch/err" "cannot read $scratch/net.yaml"

# --- start -------------------------------------------------------------------
# start_node ARGS...: starts a dev node on a free port with ARGS and waits
# for its Listening line; sets node_pid, port and url.
start_node() {
	: >"$scratch/node.out"
	"$CHAINBOX_NODE" --dev --port 0 "$@" >"$scratch/node.out" 2>"$scratch/node.err" &
	node_pid=$!
	tries=0
	until grep -q '^Listening on ' "$scratch/node.out" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 50 ] || ! kill -0 "$node_pid" 2>/dev/null; then
			not_ok "the node starts within 5 seconds"
			sed 's/^/#   /' "$scratch/node.err" | head -20
			finish
			exit 1
		fi
		sleep 0.1
	done
	port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$scratch/node.out")
	url="http://127.0.0.1:$port"
}
start_node
ok "the node starts"
[ "$(grep -c '^Listening on ' "$scratch/node.out")" -eq 1 ] && ok "one Listening line" ||
	not_ok "one Listening line"
expect "the banner lists account 0" "$scratch/node.out" \
	"(0) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (10000.000000000000000000 ETH)"

# --- helpers -----------------------------------------------------------------
# post BODY: prints the response to a raw request body.
post() {
	curl -s --max-time 5 -H 'Content-Type: application/json' --data "$1" "$url"
}
# rpc METHOD PARAMS: prints the response to a call; sets $resp too.
rpc() {
	resp=$(post "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}")
}
# has NAME TEXT: checks that the last response contains TEXT.
has() {
	case "$resp" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1: '$2' not in the response"; printf '#   %s\n' "$resp" | cut -c1-300 ;;
	esac
}
# field NAME: prints the last response's string field NAME.
field() {
	printf '%s' "$resp" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}
# low60 HEX: prints the low 60 bits of a 0x-hex number, which the shell's
# 64-bit arithmetic holds: enough for a balance's change of a few ether.
low60() {
	h=${1#0x}
	[ ${#h} -gt 15 ] && h=$(printf '%s' "$h" | cut -c$((${#h} - 14))-)
	echo $((0x$h))
}

# --- identity and the dev accounts -------------------------------------------
rpc eth_chainId '[]'
has "eth_chainId is 31337" '"result":"0x7a69"'
rpc net_version '[]'
has "net_version is decimal" '"result":"31337"'
rpc web3_clientVersion '[]'
has "the client version starts with anvil" '"result":"anvil/'
rpc eth_accounts '[]'
has "eth_accounts starts with anvil's account 0" "\"result\":[\"$ACCT0\","
rpc eth_getBalance "[\"$ACCT0\",\"latest\"]"
has "account 0 holds 10000 ether" '"result":"0x21e19e0c9bab2400000"'
before=$(field result)
rpc eth_gasPrice '[]'
has "eth_gasPrice is the base fee + 1 gwei" '"result":"0x77359400"'

# --- a transfer, mined at once -----------------------------------------------
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0xde0b6b3a7640000\"}]"
hash=$(field result)
if [ ${#hash} -eq 66 ]; then ok "eth_sendTransaction returns a hash"; else
	not_ok "eth_sendTransaction returns a hash: $resp"; fi
rpc eth_getTransactionReceipt "[\"$hash\"]"
has "its receipt exists at once" "\"transactionHash\":\"$hash\""
has "with status 1" '"status":"0x1"'
has "using 21000 gas" '"gasUsed":"0x5208"'
gas_used=$(field gasUsed)
price=$(field effectiveGasPrice)
rpc eth_getTransactionByHash "[\"$hash\"]"
has "eth_getTransactionByHash finds it" '"blockNumber":"0x1"'
rpc eth_blockNumber '[]'
has "eth_blockNumber is 1" '"result":"0x1"'
rpc eth_getBalance "[\"$ACCT1\",\"latest\"]"
has "account 1 gained 1 ether" '"result":"0x21e27c1806e59a40000"'
rpc eth_getBalance "[\"$ACCT0\"]"
after=$(field result)
spent=$(( ($(low60 "$before") - $(low60 "$after")) & ((1 << 60) - 1) ))
want=$((ONE_ETHER + gas_used * price))
if [ "$spent" -eq "$want" ]; then ok "account 0 paid 1 ether and the gas"; else
	not_ok "account 0 paid 1 ether and the gas: $spent, wanted $want"; fi
rpc eth_getBlockByNumber '["latest",false]'
has "the block lists the transaction" "\"transactions\":[\"$hash\"]"
has "with a base fee" '"baseFeePerGas":"0x3b9aca00"'

# --- a contract that returns 42 ----------------------------------------------
# Init code: PUSH10 <runtime> PUSH1 0 MSTORE PUSH1 10 PUSH1 22 RETURN, with
# the runtime PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"data\":\"0x69602a60005260206000f3600052600a6016f3\"}]"
hash=$(field result)
rpc eth_getTransactionReceipt "[\"$hash\"]"
has "the deployment succeeds" '"status":"0x1"'
contract=$(field contractAddress)
rpc eth_getCode "[\"$contract\",\"latest\"]"
has "the contract has its code" '"result":"0x602a60005260206000f3"'
rpc eth_call "[{\"to\":\"$contract\",\"input\":\"0x\"},\"latest\"]"
has "eth_call returns 42" '"result":"0x000000000000000000000000000000000000000000000000000000000000002a"'

# --- a contract that logs -----------------------------------------------------
# Runtime: PUSH32 <Transfer topic> PUSH1 32 PUSH1 0 LOG1 STOP, behind init
# code that copies it out: PUSH1 39 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0
# RETURN.
topic=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"data\":\"0x602780600b6000396000f37f${topic#0x}60206000a100\"}]"
rpc eth_getTransactionReceipt "[\"$(field result)\"]"
logger=$(field contractAddress)
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$logger\"}]"
rpc eth_getTransactionReceipt "[\"$(field result)\"]"
has "the receipt holds the log" "\"topics\":[\"$topic\"]"
has "with its index" '"logIndex":"0x0"'
rpc eth_getLogs "[{\"fromBlock\":\"earliest\",\"address\":\"$logger\",\"topics\":[\"$topic\"]}]"
has "eth_getLogs finds it" "\"address\":\"$logger\""
rpc eth_getLogs "[{\"fromBlock\":\"earliest\",\"topics\":[\"0x$(printf '%064d' 1)\"]}]"
has "and nothing under another topic" '"result":[]'

rpc eth_newFilter "[{\"address\":\"$logger\"}]"
log_filter=$(field result)
rpc eth_newBlockFilter '[]'
block_filter=$(field result)
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$logger\"}]"
logged=$(field result)
rpc eth_getFilterChanges "[\"$log_filter\"]"
has "a log filter sees the new log" "\"transactionHash\":\"$logged\""
rpc eth_getFilterChanges "[\"$log_filter\"]"
has "once" '"result":[]'
rpc eth_getFilterChanges "[\"$block_filter\"]"
case "$resp" in
*'"result":["0x'*) ok "a block filter sees the new block" ;;
*) not_ok "a block filter sees the new block: $resp" ;;
esac
rpc eth_uninstallFilter "[\"$block_filter\"]"
has "eth_uninstallFilter removes it" '"result":true'
rpc eth_getFilterChanges "[\"$block_filter\"]"
has "and it is gone" '"message":"filter not found"'

# --- signing and manual mining -------------------------------------------------
rpc personal_sign "[\"0x68656c6c6f\",\"$ACCT0\"]"
has "personal_sign gives the signature ethers gives" \
	'"result":"0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c"'
rpc eth_blockNumber '[]'
height=$(field result)
rpc evm_setAutomine '[false]'
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x1\"}]"
pooled1=$(field result)
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x2\"}]"
pooled2=$(field result)
rpc eth_getTransactionReceipt "[\"$pooled1\"]"
has "without automine there is no receipt yet" '"result":null'
rpc eth_getTransactionCount "[\"$ACCT1\",\"pending\"]"
has "the pending nonce counts the pool" '"result":"0x2"'
rpc eth_blockNumber '[]'
has "and no block is mined" "\"result\":\"$height\""
rpc evm_mine '[]'
has "evm_mine answers 0x0" '"result":"0x0"'
rpc eth_getTransactionReceipt "[\"$pooled2\"]"
has "evm_mine mines both" '"transactionIndex":"0x1"'
rpc evm_setAutomine '[true]'

# --- errors ------------------------------------------------------------------
# Init code that reverts with Error("boom").
boom=0x7f08c379a000000000000000000000000000000000000000000000000000000000600052
boom=${boom}602060045260046024527f626f6f6d000000000000000000000000000000000000000000000000
boom=${boom}0000000060445260646000fd
rpc eth_call "[{\"from\":\"$ACCT0\",\"data\":\"$boom\"}]"
has "a reverting call has code 3" '"code":3'
has "and the reason" '"message":"execution reverted: boom"'
has "and the revert data" '"data":"0x08c379a0'
rpc eth_estimateGas "[{\"from\":\"$ACCT0\",\"data\":\"$boom\"}]"
has "so does its estimate" '"code":3'
rpc eth_getBalance "[\"$ACCT0\",\"0x0\"]"
has "the balance at genesis is the state then" '"result":"0x21e19e0c9bab2400000"'
rpc eth_getBalance '["0x1234"]'
has "a bad address is -32602" '"code":-32602'
has "naming the param" 'invalid argument 0 (address)'
rpc eth_getBalance "[\"$ACCT0\",\"0x10000000000000000\"]"
has "a block number past 64 bits is refused" 'must fit in 64 bits'
rpc eth_frobnicate '[]'
has "an unknown method is -32601" '"code":-32601'
resp=$(post '{"jsonrpc":"2.0","id":1,"method":')
has "a malformed body is -32700" '"code":-32700'

run "a second node on the same port fails" 1 "$CHAINBOX_NODE" --dev --port "$port"
expect "saying why" "$scratch/err" "cannot listen on 127.0.0.1:$port"

# --- test control: setters and time -------------------------------------------
SETME=0x00000000000000000000000000000000000c0de5
rpc anvil_setBalance "[\"$SETME\",\"0x2a\"]"
has "anvil_setBalance answers null" '"result":null'
rpc eth_getBalance "[\"$SETME\",\"latest\"]"
has "and the balance is set" '"result":"0x2a"'
rpc hardhat_setCode "[\"$SETME\",\"0x602a60005260206000f3\"]"
rpc eth_getCode "[\"$SETME\",\"latest\"]"
has "hardhat_setCode sets code" '"result":"0x602a60005260206000f3"'
rpc anvil_setNonce "[\"$SETME\",\"0x7\"]"
rpc eth_getTransactionCount "[\"$SETME\",\"latest\"]"
has "anvil_setNonce sets the nonce" '"result":"0x7"'
rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"0x2a\"]"
has "a storage value that is not a whole word is refused" '"message":"invalid string length"'
rpc anvil_setStorageAt "[\"$SETME\",\"0x1\",\"0x000000000000000000000000000000000000000000000000000000000000002a\"]"
has "a whole word is set" '"result":true'
rpc eth_getStorageAt "[\"$SETME\",\"0x1\",\"latest\"]"
has "and read back" '"result":"0x000000000000000000000000000000000000000000000000000000000000002a"'
rpc evm_setNextBlockTimestamp '["0x7fffffff"]'
has "evm_setNextBlockTimestamp answers null" '"result":null'
rpc evm_mine '[]'
rpc eth_getBlockByNumber '["latest",false]'
has "the next block gets exactly that timestamp" '"timestamp":"0x7fffffff"'
rpc evm_setNextBlockTimestamp '["0x10"]'
has "a timestamp in the past is refused" '"code":-32602'
rpc evm_increaseTime '[3600]'
has "evm_increaseTime answers the total offset as a number" '"result":3600'

# --- impersonation -------------------------------------------------------------
WHALE=0x00000000000000000000000000000000000000aa
rpc eth_sendTransaction "[{\"from\":\"$WHALE\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
has "a sender without a key is refused" '"message":"No Signer available"'
rpc anvil_impersonateAccount "[\"$WHALE\"]"
has "anvil_impersonateAccount answers null" '"result":null'
rpc anvil_setBalance "[\"$WHALE\",\"0xde0b6b3a7640000\"]"
rpc eth_sendTransaction "[{\"from\":\"$WHALE\",\"to\":\"$ACCT1\",\"value\":\"0x3e8\"}]"
imp=$(field result)
rpc eth_getTransactionReceipt "[\"$imp\"]"
has "an impersonated send is mined at once" '"status":"0x1"'
has "its receipt is from the impersonated address" "\"from\":\"$WHALE\""
rpc eth_getTransactionByHash "[\"$imp\"]"
has "so is the transaction" "\"from\":\"$WHALE\""
has "with anvil's stand-in signature: r 0" '"r":"0x0"'
has "and s 0" '"s":"0x0"'
rpc eth_getBalance "[\"$WHALE\",\"latest\"]"
case "$resp" in
*'"result":"0xde0b6b3a7640000"'* | *'"error"'*) not_ok "the impersonated address paid: $resp" ;;
*) ok "the impersonated address paid" ;;
esac
# A contract may send while impersonated, as anvil lets it (EIP-3607 aside).
rpc anvil_setCode "[\"$WHALE\",\"0x00\"]"
rpc eth_sendTransaction "[{\"from\":\"$WHALE\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
imp=$(field result)
rpc eth_getTransactionReceipt "[\"$imp\"]"
has "an impersonated contract can send" '"status":"0x1"'
rpc anvil_setCode "[\"$WHALE\",\"0x\"]"
rpc anvil_stopImpersonatingAccount "[\"$WHALE\"]"
has "anvil_stopImpersonatingAccount answers null" '"result":null'
rpc eth_sendTransaction "[{\"from\":\"$WHALE\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
has "and ends it" '"message":"No Signer available"'
rpc hardhat_impersonateAccount "[\"$WHALE\"]"
rpc eth_sendTransaction "[{\"from\":\"$WHALE\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
has "hardhat_impersonateAccount works too" '"result":"0x'
rpc hardhat_stopImpersonatingAccount "[\"$WHALE\"]"
rpc anvil_autoImpersonateAccount '[true]'
rpc eth_sendTransaction '[{"from":"0x00000000000000000000000000000000000000bb","to":"0x00000000000000000000000000000000000000aa","value":"0x1"}]'
has "with anvil_autoImpersonateAccount anyone may send, if they can pay" \
	'"message":"insufficient funds for gas * price + value"'
rpc anvil_autoImpersonateAccount '[false]'
rpc eth_sendTransaction '[{"from":"0x00000000000000000000000000000000000000bb","to":"0x00000000000000000000000000000000000000aa","value":"0x1"}]'
has "and without it not" '"message":"No Signer available"'

# --- the pool: txpool_*, replacement, drops --------------------------------------
rpc evm_setAutomine '[false]'
rpc eth_getTransactionCount "[\"$ACCT1\",\"latest\"]"
n=$(($(field result)))
fees='"maxFeePerGas":"0x77359400","maxPriorityFeePerGas":"0x3b9aca00"'
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x5\",$fees}]"
p0=$(field result)
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x7\",\"nonce\":\"$((n + 2))\",$fees}]"
q2=$(field result)
rpc txpool_status '[]'
has "txpool_status counts the pending and the queued" '"result":{"pending":"0x1","queued":"0x1"}'
rpc txpool_content '[]'
has "txpool_content files a transaction under its sender and nonce" \
	"\"pending\":{\"$ACCT1\":{\"$n\":{\"hash\":\"$p0\""
has "and one past a nonce gap as queued" "\"queued\":{\"$ACCT1\":{\"$((n + 2))\":{\"hash\":\"$q2\""
rpc txpool_inspect '[]'
has "txpool_inspect sums each up as geth does" \
	"\"$n\":\"$ACCT0: 5 wei + 21000 gas × 2000000000 wei\""
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x6\",\"nonce\":\"$n\",$fees}]"
has "the same nonce at the same price is refused" '"message":"replacement transaction underpriced"'
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x6\",\"nonce\":\"$n\",\"maxFeePerGas\":\"0x83215600\",\"maxPriorityFeePerGas\":\"0x41cdb400\"}]"
r0=$(field result)
rpc txpool_content '[]'
has "10% more of both replaces it" "\"$n\":{\"hash\":\"$r0\""
rpc eth_getTransactionCount "[\"$ACCT1\",\"pending\"]"
has "the pending nonce is past the queued one" "\"result\":\"$(printf '0x%x' $((n + 3)))\""
rpc anvil_dropTransaction "[\"$q2\"]"
has "anvil_dropTransaction answers the hash" "\"result\":\"$q2\""
rpc anvil_dropTransaction "[\"$q2\"]"
has "and null once it is gone" '"result":null'
rpc txpool_status '[]'
has "the pool holds the one left" '"result":{"pending":"0x1","queued":"0x0"}'
rpc evm_mine '[]'
rpc eth_getTransactionReceipt "[\"$r0\"]"
has "evm_mine mines the replacement" '"status":"0x1"'
rpc eth_getTransactionReceipt "[\"$p0\"]"
has "not the one it replaced" '"result":null'
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x1\",$fees}]"
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x1\",\"nonce\":\"$((n + 5))\",$fees}]"
rpc anvil_dropAllTransactions '[]'
has "anvil_dropAllTransactions answers null" '"result":null'
rpc txpool_status '[]'
has "and empties the pool" '"result":{"pending":"0x0","queued":"0x0"}'
rpc evm_setAutomine '[true]'

# --- stop --------------------------------------------------------------------
kill -TERM "$node_pid"
wait "$node_pid"
status=$?
node_pid=
if [ "$status" -eq 0 ]; then ok "SIGTERM stops the node cleanly"; else
	not_ok "SIGTERM stops the node cleanly (exit $status)"; fi

# --- persistence: kill -9, then the same --data-dir ---------------------------
start_node --data-dir "$scratch/data"
rpc eth_sendTransaction "[{\"from\":\"$ACCT0\",\"to\":\"$ACCT1\",\"value\":\"0x1\"}]"
has "a node with --data-dir takes a transaction" '"result":"0x'
rpc eth_getBlockByNumber '["0x1",false]'
hash1=$(field hash)
rpc anvil_impersonateAccount "[\"$ACCT1\"]"
rpc eth_sendTransaction "[{\"from\":\"$ACCT1\",\"to\":\"$ACCT0\",\"value\":\"0x1\"}]"
imp=$(field result)
rpc eth_getTransactionByHash "[\"$imp\"]"
has "an impersonated dev account sends with the stand-in signature" '"r":"0x0"'
kill -KILL "$node_pid"
wait "$node_pid" 2>/dev/null
node_pid=
start_node --data-dir "$scratch/data"
rpc eth_blockNumber '[]'
has "after kill -9 the restarted node keeps its chain" '"result":"0x2"'
rpc eth_getBlockByNumber '["0x1",false]'
if [ -n "$hash1" ] && [ "$(field hash)" = "$hash1" ]; then ok "with the same block hash"; else
	not_ok "with the same block hash ($hash1, then $(field hash))"; fi
rpc eth_getTransactionCount "[\"$ACCT0\",\"latest\"]"
has "and the sender's nonce" '"result":"0x1"'
rpc eth_getTransactionByHash "[\"$imp\"]"
has "and the impersonated transaction, by its hash" "\"hash\":\"$imp\""
has "from its sender" "\"from\":\"$ACCT1\""
rpc eth_getTransactionReceipt "[\"$imp\"]"
has "with its receipt" "\"from\":\"$ACCT1\""
stop_node

# --- anvil_dumpState and anvil_loadState ------------------------------------------
DUMPED=0x00000000000000000000000000000000000d0d0d
WORD2A=0x000000000000000000000000000000000000000000000000000000000000002a
# set_account URL: gives DUMPED a balance, code, a nonce and a slot.
set_account() {
	rpc anvil_setBalance "[\"$DUMPED\",\"0x2a\"]"
	rpc anvil_setCode "[\"$DUMPED\",\"0x6001600155\"]"
	rpc anvil_setNonce "[\"$DUMPED\",\"0x5\"]"
	rpc anvil_setStorageAt "[\"$DUMPED\",\"0x1\",\"$WORD2A\"]"
}
# check_account WHAT: checks that the node at $url holds set_account's values.
check_account() {
	rpc eth_getBalance "[\"$DUMPED\",\"latest\"]"
	has "$1: the balance" '"result":"0x2a"'
	rpc eth_getCode "[\"$DUMPED\",\"latest\"]"
	has "$1: the code" '"result":"0x6001600155"'
	rpc eth_getTransactionCount "[\"$DUMPED\",\"latest\"]"
	has "$1: the nonce" '"result":"0x5"'
	rpc eth_getStorageAt "[\"$DUMPED\",\"0x1\",\"latest\"]"
	has "$1: the storage" "\"result\":\"$WORD2A\""
}
# hexof TEXT: prints TEXT's bytes as 0x-hex.
hexof() {
	printf '0x'
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

start_node
set_account
rpc anvil_dumpState '[]'
has "anvil_dumpState answers hex of gzip" '"result":"0x1f8b08'
dump=$(field result)
stop_node
start_node
rpc eth_getBalance "[\"$DUMPED\",\"latest\"]"
has "a fresh node does not have the account" '"result":"0x0"'
rpc anvil_loadState "[\"$dump\"]"
has "anvil_loadState answers true" '"result":true'
check_account "a dump loaded into a fresh node"
rpc anvil_loadState "[\"$(hexof '{"block":null,"accounts":{"0x00000000000000000000000000000000000d0d0e":{"nonce":1,"balance":"0x10","code":"0x","storage":{"0x2":"0x3"}}}}')\"]"
has "anvil_loadState takes JSON that is not gzip'd" '"result":true'
rpc eth_getStorageAt '["0x00000000000000000000000000000000000d0d0e","0x2","latest"]'
has "with short slots" '"result":"0x0000000000000000000000000000000000000000000000000000000000000003"'
rpc anvil_loadState '["0x1f8b0800"]'
has "a broken dump is -32602" '"code":-32602'
has "in anvil's words" '"message":"Failed to decode state dump'
rpc anvil_loadState "[\"$(hexof '{"accounts":{"0x12":{}}}')\"]"
has "a bad address is refused" 'an address is not 0x and 40 hex digits'

# With anvil at hand, a dump goes from anvil to chainbox-node and back.
anvil=${ANVIL:-$(command -v anvil || true)}
for a in "${XDG_CACHE_HOME:-$HOME/.cache}"/chainbox/compat/*/node_modules/.bin/anvil \
	"$HOME/.cache/chainbox/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"; do
	[ -z "$anvil" ] && [ -x "$a" ] && anvil=$a
done
anvil_pid=
if [ -z "$anvil" ]; then
	echo "# skip: no anvil found (set ANVIL), so no dump goes to or from anvil"
else
	node_url=$url
	"$anvil" --port 0 --host 127.0.0.1 >"$scratch/anvil.out" 2>&1 &
	anvil_pid=$!
	tries=0
	until grep -q '^Listening on ' "$scratch/anvil.out" 2>/dev/null || [ "$tries" -gt 100 ]; do
		tries=$((tries + 1))
		sleep 0.1
	done
	url="http://$(sed -n 's/^Listening on \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$scratch/anvil.out")"
	DUMPED=0x00000000000000000000000000000000000d0d0f
	set_account
	rpc anvil_dumpState '[]'
	anvil_dump=$(field result)
	url=$node_url
	rpc anvil_loadState "[\"$anvil_dump\"]"
	has "chainbox-node loads anvil's dump" '"result":true'
	check_account "anvil's dump in chainbox-node"
	DUMPED=0x00000000000000000000000000000000000d0d0d
	rpc anvil_dumpState '[]'
	node_dump=$(field result)
	url="http://$(sed -n 's/^Listening on \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$scratch/anvil.out")"
	rpc anvil_loadState "[\"$node_dump\"]"
	has "anvil loads chainbox-node's dump" '"result":true'
	check_account "chainbox-node's dump in anvil"
	url=$node_url
	kill "$anvil_pid" 2>/dev/null
	wait "$anvil_pid" 2>/dev/null
	anvil_pid=
fi
stop_node

finish
