// viem 2 against the node: the ERC-20 and ERC-721 flow through a public
// client, two wallet clients (a local key, and an account the node signs
// for) and an anvil-mode test client.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BaseError, ContractFunctionRevertedError, createPublicClient, createTestClient,
  createWalletClient, decodeEventLog, defineChain, getContractAddress, http, parseEther,
  parseEventLogs, zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { RPC_URL, CHAIN_ID, ACCOUNTS, GWEI, artifact } from "./lib.mjs";

const Token = artifact("Token");
const Collectible = artifact("Collectible");
const SUPPLY = parseEther("500000");

const chain = defineChain({
  id: CHAIN_ID,
  name: "chainbox dev",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [RPC_URL] } },
});
const transport = http(RPC_URL);
const [a4, a5, a6] = ACCOUNTS.slice(4, 7);
// cacheTime 0: viem otherwise answers getBlockNumber from a cache.
const publicClient = createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 });
// Signs locally and sends eth_sendRawTransaction.
const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(a4.key) });
// A JSON-RPC account: the node signs, through eth_sendTransaction.
const nodeWallet = createWalletClient({ chain, transport, account: a5.address });
const testClient = createTestClient({ chain, transport, mode: "anvil" });

const transferEvent = Token.abi.find((x) => x.type === "event" && x.name === "Transfer");
let token, nft, deployBlock;

const receiptOf = (hash) => publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 10_000 });

// The ContractFunctionRevertedError inside whatever viem threw.
function reverted(e) {
  assert.ok(e instanceof BaseError, `not a viem error: ${e}`);
  const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
  assert.ok(r, `no ContractFunctionRevertedError in: ${e.shortMessage}`);
  return r;
}

test("getChainId and getBlockNumber", async () => {
  assert.equal(await publicClient.getChainId(), CHAIN_ID);
  assert.equal(typeof (await publicClient.getBlockNumber()), "bigint");
  assert.deepEqual((await nodeWallet.getAddresses()).slice(4, 7), [a4.address, a5.address, a6.address]);
});

test("deployContract (ERC-20) and waitForTransactionReceipt", async () => {
  const nonce = await publicClient.getTransactionCount({ address: a4.address });
  const hash = await wallet.deployContract({ abi: Token.abi, bytecode: Token.bytecode, args: [SUPPLY] });
  const receipt = await receiptOf(hash);
  assert.equal(receipt.status, "success");
  assert.equal(receipt.contractAddress, getContractAddress({ from: a4.address, nonce: BigInt(nonce) }).toLowerCase());
  assert.equal(receipt.to, null);
  assert.equal(receipt.type, "eip1559");
  token = receipt.contractAddress;
  deployBlock = receipt.blockNumber;
  const code = await publicClient.getCode({ address: token });
  assert.ok(code && code.length > 1000);
});

test("readContract: name, symbol, totalSupply, balanceOf", async () => {
  const read = (functionName, args = []) => publicClient.readContract({ address: token, abi: Token.abi, functionName, args });
  assert.equal(await read("name"), "Chainbox Token");
  assert.equal(await read("symbol"), "CBT");
  assert.equal(await read("totalSupply"), SUPPLY);
  assert.equal(await read("balanceOf", [a4.address]), SUPPLY);
});

test("writeContract transfer: receipt, logs and balances", async () => {
  const amount = parseEther("300");
  const hash = await wallet.writeContract({ address: token, abi: Token.abi, functionName: "transfer", args: [a5.address, amount] });
  const receipt = await receiptOf(hash);
  assert.equal(receipt.status, "success");
  assert.equal(receipt.transactionHash, hash);
  assert.equal(receipt.from, a4.address.toLowerCase());
  assert.ok(receipt.gasUsed > 21000n && receipt.effectiveGasPrice > 0n);
  const [ev] = parseEventLogs({ abi: Token.abi, logs: receipt.logs, eventName: "Transfer" });
  assert.deepEqual(ev.args, { from: a4.address, to: a5.address, value: amount });
  assert.equal(ev.transactionHash, hash);
  const tx = await publicClient.getTransaction({ hash });
  assert.equal(tx.type, "eip1559");
  assert.equal(tx.blockNumber, receipt.blockNumber);
  assert.equal(await publicClient.readContract({ address: token, abi: Token.abi, functionName: "balanceOf", args: [a5.address] }), amount);
});

test("writeContract through the node's signer (eth_sendTransaction)", async () => {
  const hash = await nodeWallet.writeContract({ address: token, abi: Token.abi, functionName: "transfer", args: [a6.address, 25n] });
  const receipt = await receiptOf(hash);
  assert.equal(receipt.status, "success");
  assert.equal(receipt.from, a5.address.toLowerCase());
  const log = decodeEventLog({ abi: Token.abi, ...receipt.logs[0] });
  assert.deepEqual(log.args, { from: a5.address, to: a6.address, value: 25n });
});

test("sendTransaction of ether: the balances move by value and by gasUsed * effectiveGasPrice", async () => {
  const value = parseEther("1.5");
  const fromBefore = await publicClient.getBalance({ address: a5.address });
  const toBefore = await publicClient.getBalance({ address: a6.address });
  const hash = await nodeWallet.sendTransaction({ to: a6.address, value });
  const receipt = await receiptOf(hash);
  assert.equal(receipt.gasUsed, 21000n);
  assert.equal(await publicClient.getBalance({ address: a6.address }), toBefore + value);
  assert.equal(await publicClient.getBalance({ address: a5.address }),
    fromBefore - value - receipt.gasUsed * receipt.effectiveGasPrice);
  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
  assert.deepEqual(block.transactions, [hash]);
  assert.equal(block.hash, receipt.blockHash);
});

test("getLogs and getContractEvents with an event and indexed arguments", async () => {
  const toA5 = await publicClient.getLogs({ address: token, event: transferEvent, args: { to: a5.address }, fromBlock: deployBlock });
  assert.equal(toA5.length, 1);
  assert.deepEqual(toA5[0].args, { from: a4.address, to: a5.address, value: parseEther("300") });
  const all = await publicClient.getContractEvents({ address: token, abi: Token.abi, eventName: "Transfer", fromBlock: deployBlock });
  assert.deepEqual(all.map((l) => l.args.to), [a4.address, a5.address, a6.address]);
  const none = await publicClient.getLogs({ address: token, event: transferEvent, args: { from: a6.address }, fromBlock: deployBlock });
  assert.deepEqual(none, []);
});

test("createContractEventFilter and getFilterChanges", async () => {
  const filter = await publicClient.createContractEventFilter({ address: token, abi: Token.abi, eventName: "Transfer", args: { from: a4.address } });
  const hash = await wallet.writeContract({ address: token, abi: Token.abi, functionName: "transfer", args: [a6.address, 9n] });
  await receiptOf(hash);
  const changes = await publicClient.getFilterChanges({ filter });
  assert.equal(changes.length, 1);
  assert.equal(changes[0].transactionHash, hash);
  assert.deepEqual(changes[0].args, { from: a4.address, to: a6.address, value: 9n });
  assert.deepEqual(await publicClient.getFilterChanges({ filter }), []);
  assert.equal(await publicClient.uninstallFilter({ filter }), true);
});

test("a require() revert: simulateContract and writeContract both carry the reason", async () => {
  const args = [a5.address, parseEther("1001")];
  const call = { address: token, abi: Token.abi, functionName: "mintCapped", args, account: wallet.account };
  await assert.rejects(publicClient.simulateContract(call), (e) => {
    assert.equal(reverted(e).reason, "Token: mint over cap");
    return true;
  });
  await assert.rejects(wallet.writeContract(call), (e) => {
    assert.equal(reverted(e).reason, "Token: mint over cap");
    return true;
  });
  await assert.rejects(publicClient.estimateContractGas(call), (e) => {
    assert.match(e.shortMessage + (e.details ?? ""), /Token: mint over cap/);
    return true;
  });
});

test("custom errors: errorName and args decoded from the ABI", async () => {
  await assert.rejects(publicClient.simulateContract({
    address: token, abi: Token.abi, functionName: "transferAtLeast", args: [a5.address, 1n, 5n], account: a4.address,
  }), (e) => {
    const r = reverted(e);
    assert.equal(r.data?.errorName, "AmountTooSmall");
    assert.deepEqual(r.data.args, [1n, 5n]);
    return true;
  });
  const held = await publicClient.readContract({ address: token, abi: Token.abi, functionName: "balanceOf", args: [a6.address] });
  await assert.rejects(publicClient.simulateContract({
    address: token, abi: Token.abi, functionName: "transfer", args: [a4.address, held + 1n], account: a6.address,
  }), (e) => {
    const r = reverted(e);
    assert.equal(r.data?.errorName, "ERC20InsufficientBalance");
    assert.deepEqual(r.data.args, [a6.address, held, held + 1n]);
    return true;
  });
});

test("estimateContractGas, estimateGas and estimateFeesPerGas", async () => {
  assert.equal(await publicClient.estimateGas({ account: a4.address, to: a6.address, value: 1n }), 21000n);
  const call = { address: token, abi: Token.abi, functionName: "transfer", args: [a6.address, 1n], account: wallet.account };
  const gas = await publicClient.estimateContractGas(call);
  const receipt = await receiptOf(await wallet.writeContract({ ...call, gas }));
  assert.equal(receipt.status, "success", "the estimate is enough");
  assert.ok(gas >= receipt.gasUsed && gas <= (receipt.gasUsed * 13n) / 10n, `estimate ${gas}, used ${receipt.gasUsed}`);
  const fees = await publicClient.estimateFeesPerGas();
  const block = await publicClient.getBlock();
  assert.equal(fees.maxPriorityFeePerGas, GWEI);
  // viem: 1.2 times the latest base fee, plus the tip.
  assert.equal(fees.maxFeePerGas, (block.baseFeePerGas * 12n) / 10n + GWEI);
  assert.ok((await publicClient.getGasPrice()) > 0n);
});

test("ERC-721: deploy, safeMint, ownerOf, and a non-owner's revert", async () => {
  const hash = await wallet.deployContract({ abi: Collectible.abi, bytecode: Collectible.bytecode, args: [a4.address] });
  const deployed = await receiptOf(hash);
  nft = deployed.contractAddress;
  const mint = await receiptOf(await wallet.writeContract({ address: nft, abi: Collectible.abi, functionName: "safeMint", args: [a5.address] }));
  const [ev] = parseEventLogs({ abi: Collectible.abi, logs: mint.logs, eventName: "Transfer" });
  assert.deepEqual(ev.args, { from: zeroAddress, to: a5.address, tokenId: 0n });
  assert.equal(await publicClient.readContract({ address: nft, abi: Collectible.abi, functionName: "ownerOf", args: [0n] }), a5.address);
  const mints = await publicClient.getContractEvents({ address: nft, abi: Collectible.abi, eventName: "Transfer", args: { from: zeroAddress }, fromBlock: deployed.blockNumber });
  assert.equal(mints.length, 1);
  await assert.rejects(publicClient.simulateContract({
    address: nft, abi: Collectible.abi, functionName: "safeMint", args: [a5.address], account: a5.address,
  }), (e) => {
    const r = reverted(e);
    assert.equal(r.data?.errorName, "OwnableUnauthorizedAccount");
    assert.deepEqual(r.data.args, [a5.address]);
    return true;
  });
});

test("testClient: snapshot, mine and revert", async () => {
  const id = await testClient.snapshot();
  const start = await publicClient.getBlockNumber();
  const balance = await publicClient.getBalance({ address: a6.address });
  await receiptOf(await wallet.sendTransaction({ to: a6.address, value: parseEther("2") }));
  await testClient.mine({ blocks: 3 });
  assert.equal(await publicClient.getBlockNumber(), start + 4n);
  assert.equal(await publicClient.getBalance({ address: a6.address }), balance + parseEther("2"));
  await testClient.revert({ id });
  assert.equal(await publicClient.getBlockNumber(), start);
  assert.equal(await publicClient.getBalance({ address: a6.address }), balance);
});
