// ethers 6 against the node: an OpenZeppelin ERC-20 and ERC-721 deployed,
// used, queried and made to fail, as a dapp or a Hardhat-less script would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ethers } from "ethers";
import { RPC_URL, CHAIN_ID, ACCOUNTS, GWEI, artifact, nextBaseFee } from "./lib.mjs";

const TokenArt = artifact("Token");
const CollectibleArt = artifact("Collectible");
const SUPPLY = ethers.parseEther("1000000");
const TRANSFER_TOPIC = ethers.id("Transfer(address,address,uint256)");

// staticNetwork: ethers otherwise re-asks eth_chainId before every call.
// cacheTimeout -1: its 250 ms cache would hand out stale pending nonces on
// a chain that mines each transaction at once.
const provider = new ethers.JsonRpcProvider(RPC_URL, CHAIN_ID, {
  staticNetwork: true,
  cacheTimeout: -1,
  pollingInterval: 50,
});
const [a0, a1, a2, a3] = ACCOUNTS;
const wallet0 = new ethers.Wallet(a0.key, provider); // signs locally: eth_sendRawTransaction
let signer1; // the node signs: eth_sendTransaction
let token, nft, tokenAddress, nftAddress, deployBlock;

const rawReceipt = (hash) => provider.send("eth_getTransactionReceipt", [hash]);
const topicOf = (address) => ethers.zeroPadValue(address, 32);

before(async () => {
  signer1 = await provider.getSigner(a1.address);
});

after(async () => {
  provider.destroy();
});

test("eth_chainId, net_version and eth_accounts name anvil's dev chain", async () => {
  assert.equal(await provider.send("eth_chainId", []), "0x7a69");
  assert.equal(await provider.send("net_version", []), "31337");
  const accounts = (await provider.send("eth_accounts", [])).map(ethers.getAddress);
  assert.deepEqual(accounts.slice(0, 10), ACCOUNTS.map((a) => a.address));
});

test("deploy the ERC-20: receipt with contractAddress, code at that address", async () => {
  const nonce = await provider.getTransactionCount(a0.address);
  const factory = new ethers.ContractFactory(TokenArt.abi, TokenArt.bytecode, wallet0);
  token = await factory.deploy(SUPPLY);
  const receipt = await token.deploymentTransaction().wait();
  tokenAddress = await token.getAddress();
  deployBlock = receipt.blockNumber;
  assert.equal(receipt.status, 1);
  assert.equal(receipt.contractAddress, ethers.getCreateAddress({ from: a0.address, nonce }));
  assert.equal(receipt.contractAddress, tokenAddress);
  assert.equal(receipt.to, null);
  assert.equal(receipt.logs.length, 1, "the constructor's mint logs one Transfer");
  const code = await provider.getCode(tokenAddress);
  assert.ok(code.length > 1000, `deployed code is ${code.length} hex chars`);
});

test("state at an earlier block: no code before the deployment, the supply after it", async () => {
  assert.equal(await provider.getCode(tokenAddress, deployBlock - 1), "0x");
  assert.equal(await token.balanceOf(a0.address, { blockTag: deployBlock }), SUPPLY);
  assert.equal(await provider.getBalance(a3.address, deployBlock - 1), ethers.parseEther("10000"));
});

test("ERC-20 reads: name, symbol, decimals, totalSupply, balanceOf", async () => {
  assert.equal(await token.name(), "Chainbox Token");
  assert.equal(await token.symbol(), "CBT");
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), SUPPLY);
  assert.equal(await token.balanceOf(a0.address), SUPPLY);
  assert.equal(await token.balanceOf(a1.address), 0n);
});

test("ERC-20 transfer (raw transaction): receipt fields and the Transfer log", async () => {
  const amount = ethers.parseEther("100");
  const tx = await token.transfer(a1.address, amount);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.hash, tx.hash);
  assert.equal(receipt.from, a0.address);
  assert.equal(receipt.to, tokenAddress);
  assert.equal(receipt.contractAddress, null);
  assert.ok(receipt.gasUsed > 21000n && receipt.gasUsed < 100000n, `gasUsed ${receipt.gasUsed}`);
  assert.equal(receipt.cumulativeGasUsed, receipt.gasUsed, "automine puts one transaction in a block");
  assert.equal(receipt.logs.length, 1);
  const log = receipt.logs[0];
  assert.equal(log.address, tokenAddress);
  assert.equal(log.transactionHash, tx.hash);
  assert.equal(log.blockNumber, receipt.blockNumber);
  assert.deepEqual(log.topics, [TRANSFER_TOPIC, topicOf(a0.address), topicOf(a1.address)]);
  const parsed = token.interface.parseLog(log);
  assert.equal(parsed.name, "Transfer");
  assert.deepEqual([...parsed.args], [a0.address, a1.address, amount]);

  // The fields ethers folds away, as the node sent them.
  const raw = await rawReceipt(tx.hash);
  assert.equal(raw.type, "0x2");
  assert.equal(raw.status, "0x1");
  assert.equal(raw.transactionIndex, "0x0");
  assert.match(raw.logsBloom, /^0x[0-9a-f]{512}$/);
  assert.notEqual(BigInt(raw.logsBloom), 0n, "a block with a log has a non-empty bloom");
  const block = await provider.getBlock(receipt.blockNumber);
  assert.equal(raw.blockHash, block.hash);
  assert.deepEqual(block.transactions, [tx.hash]);
  const sent = await provider.getTransaction(tx.hash);
  const tip = sent.maxPriorityFeePerGas < sent.maxFeePerGas - block.baseFeePerGas
    ? sent.maxPriorityFeePerGas : sent.maxFeePerGas - block.baseFeePerGas;
  assert.equal(BigInt(raw.effectiveGasPrice), block.baseFeePerGas + tip,
    `effectiveGasPrice = baseFee ${block.baseFeePerGas} + tip ${tip}`);
  assert.equal(receipt.gasPrice, BigInt(raw.effectiveGasPrice));

  assert.equal(await token.balanceOf(a1.address), amount);
  assert.equal(await token.balanceOf(a0.address), SUPPLY - amount);
});

test("ERC-20 transfer through an unlocked account (eth_sendTransaction)", async () => {
  const amount = ethers.parseEther("40");
  const before = await provider.getBalance(a1.address);
  const tx = await token.connect(signer1).transfer(a2.address, amount);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.from, a1.address);
  assert.equal(await token.balanceOf(a2.address), amount);
  assert.equal(await token.balanceOf(a1.address), ethers.parseEther("60"));
  // The sender pays gasUsed * effectiveGasPrice in ether, to the wei.
  const after = await provider.getBalance(a1.address);
  assert.equal(before - after, receipt.gasUsed * receipt.gasPrice);
});

test("Transfer events through queryFilter and eth_getLogs", async () => {
  const fromA0 = await token.queryFilter(token.filters.Transfer(a0.address), deployBlock);
  assert.deepEqual(fromA0.map((e) => [e.args.to, e.args.value]), [[a1.address, ethers.parseEther("100")]]);
  const toA2 = await token.queryFilter(token.filters.Transfer(null, a2.address), deployBlock, "latest");
  assert.equal(toA2.length, 1);
  assert.equal(toA2[0].args.from, a1.address);
  const all = await token.queryFilter("Transfer", deployBlock);
  assert.deepEqual(all.map((e) => e.args.from), [ethers.ZeroAddress, a0.address, a1.address]);

  const logs = await provider.getLogs({
    address: tokenAddress, fromBlock: deployBlock, toBlock: "latest",
    topics: [TRANSFER_TOPIC, null, [topicOf(a1.address), topicOf(a2.address)]],
  });
  assert.equal(logs.length, 2, "OR of two recipients");
  assert.deepEqual(logs.map((l) => BigInt(l.data)), [ethers.parseEther("100"), ethers.parseEther("40")]);
  assert.ok(logs[0].blockNumber < logs[1].blockNumber);
  const byHash = await provider.getLogs({ blockHash: logs[1].blockHash });
  assert.equal(byHash.length, 1);
  assert.equal(byHash[0].transactionHash, logs[1].transactionHash);
  const none = await provider.getLogs({ address: tokenAddress, fromBlock: deployBlock, topics: [ethers.id("Nope()")] });
  assert.deepEqual(none, []);
});

// ethers polls eth_newFilter's changes, or eth_getLogs when the node answers
// eth_newFilter with "the method ... does not exist".
test("contract.on(Transfer) sees a new transfer", async () => {
  const amount = 7n;
  let resolve;
  const seen = new Promise((r) => { resolve = r; });
  // With a topic filter, ethers hands the listener the payload alone.
  const listener = (...args) => resolve(args.at(-1));
  await token.on(token.filters.Transfer(a0.address, a3.address), listener);
  // ethers installs its eth_newFilter in the background; a log mined before
  // the filter exists is not a change it would report.
  await new Promise((r) => setTimeout(r, 500));
  const tx = await token.transfer(a3.address, amount);
  await tx.wait();
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error("no Transfer event within 10 s")), 10000);
  });
  try {
    const got = await Promise.race([seen, timeout]);
    assert.equal(got.fragment.name, "Transfer");
    assert.deepEqual([...got.args], [a0.address, a3.address, amount]);
    assert.equal(got.log.transactionHash, tx.hash);
  } finally {
    clearTimeout(timer);
    await token.removeAllListeners();
  }
});

test("eth_newFilter, eth_getFilterChanges, eth_uninstallFilter, eth_newBlockFilter", async () => {
  const logFilter = await provider.send("eth_newFilter", [{ address: tokenAddress, topics: [TRANSFER_TOPIC] }]);
  const blockFilter = await provider.send("eth_newBlockFilter", []);
  assert.match(logFilter, /^0x[0-9a-f]+$/);
  assert.notEqual(logFilter, blockFilter);
  assert.deepEqual(await provider.send("eth_getFilterChanges", [logFilter]), []);
  const tx = await token.transfer(a3.address, 1n);
  const receipt = await tx.wait();
  const changes = await provider.send("eth_getFilterChanges", [logFilter]);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].transactionHash, tx.hash);
  assert.equal(ethers.getAddress(changes[0].address), tokenAddress);
  assert.equal(BigInt(changes[0].data), 1n);
  assert.deepEqual(await provider.send("eth_getFilterChanges", [logFilter]), [], "changes are reported once");
  const blocks = await provider.send("eth_getFilterChanges", [blockFilter]);
  assert.deepEqual(blocks, [receipt.blockHash]);
  assert.equal(await provider.send("eth_uninstallFilter", [logFilter]), true);
  assert.equal(await provider.send("eth_uninstallFilter", [blockFilter]), true);
  assert.equal(await provider.send("eth_uninstallFilter", [logFilter]), false);
  await assert.rejects(provider.send("eth_getFilterChanges", [logFilter]), /filter not found/i);
});

test("a require() revert reaches eth_call and eth_estimateGas with its reason", async () => {
  const tooMuch = ethers.parseEther("1001");
  const isReason = (e) => {
    assert.equal(e.code, "CALL_EXCEPTION", e.message);
    assert.equal(e.reason, "Token: mint over cap");
    assert.equal(e.revert?.name, "Error");
    assert.deepEqual([...e.revert.args], ["Token: mint over cap"]);
    return true;
  };
  await assert.rejects(token.mintCapped.staticCall(a1.address, tooMuch), isReason);
  await assert.rejects(token.mintCapped.estimateGas(a1.address, tooMuch), isReason);
  // Sending it makes ethers estimate first, and the estimate fails.
  await assert.rejects(token.mintCapped(a1.address, tooMuch), isReason);
  // Within the cap it works.
  await (await token.mintCapped(a3.address, ethers.parseEther("1000"))).wait();
  assert.equal(await token.totalSupply(), SUPPLY + ethers.parseEther("1000"));
});

test("a reverted transaction is mined with status 0 and no logs", async () => {
  const tooMuch = ethers.parseEther("5000");
  const before = await token.totalSupply();
  const tx = await token.mintCapped(a1.address, tooMuch, { gasLimit: 200000n });
  const err = await tx.wait().then(() => null, (e) => e);
  assert.ok(err, "wait() must reject");
  assert.equal(err.code, "CALL_EXCEPTION");
  assert.equal(err.receipt.status, 0);
  assert.deepEqual(err.receipt.logs, []);
  assert.ok(err.receipt.gasUsed > 21000n && err.receipt.gasUsed < 200000n, `gasUsed ${err.receipt.gasUsed}`);
  assert.equal((await rawReceipt(tx.hash)).status, "0x0");
  assert.equal(await token.totalSupply(), before);
});

test("custom errors decode through the ABI (our own and OpenZeppelin's)", async () => {
  await assert.rejects(token.transferAtLeast.staticCall(a1.address, 1n, 5n), (e) => {
    assert.equal(e.code, "CALL_EXCEPTION", e.message);
    assert.equal(e.revert?.name, "AmountTooSmall");
    assert.deepEqual([...e.revert.args], [1n, 5n]);
    assert.ok(e.data.startsWith(token.interface.getError("AmountTooSmall").selector));
    return true;
  });
  // a2 holds 40 CBT: sending 41 fails in OpenZeppelin's _update.
  const token2 = token.connect(new ethers.Wallet(a2.key, provider));
  // A send fails in its gas estimate; ethers leaves the data undecoded there.
  await assert.rejects(token2.transfer(a1.address, ethers.parseEther("41")), (e) => {
    assert.equal(e.code, "CALL_EXCEPTION", e.message);
    const err = token.interface.parseError(e.data);
    assert.equal(err?.name, "ERC20InsufficientBalance");
    assert.deepEqual([...err.args], [a2.address, ethers.parseEther("40"), ethers.parseEther("41")]);
    return true;
  });
});

test("estimateGas: 21000 for a plain transfer, and enough but not wasteful for a call", async () => {
  assert.equal(await provider.estimateGas({ from: a0.address, to: a3.address, value: 1n }), 21000n);
  const fresh = ethers.Wallet.createRandom().address;
  const est = await token.transfer.estimateGas(fresh, 5n);
  const receipt = await (await token.transfer(fresh, 5n, { gasLimit: est })).wait();
  assert.equal(receipt.status, 1, "a transaction given exactly the estimate succeeds");
  assert.ok(est >= receipt.gasUsed, `estimate ${est} < used ${receipt.gasUsed}`);
  assert.ok(est <= (receipt.gasUsed * 13n) / 10n, `estimate ${est} is far above used ${receipt.gasUsed}`);
});

test("getFeeData: eth_gasPrice, eth_maxPriorityFeePerGas and the latest base fee", async () => {
  const fee = await provider.getFeeData();
  const latest = await provider.getBlock("latest");
  assert.equal(fee.maxPriorityFeePerGas, 1n * GWEI);
  assert.equal(fee.maxFeePerGas, 2n * latest.baseFeePerGas + fee.maxPriorityFeePerGas);
  // anvil's eth_gasPrice: the next block's base fee plus 1 gwei.
  const next = nextBaseFee(latest.baseFeePerGas, latest.gasUsed, latest.gasLimit);
  assert.equal(fee.gasPrice, next + GWEI);
  // Each block's base fee follows EIP-1559 from its parent's.
  const parent = await provider.getBlock(latest.number - 1);
  if (parent.number >= 1)
    assert.equal(latest.baseFeePerGas, nextBaseFee(parent.baseFeePerGas, parent.gasUsed, parent.gasLimit));
});

test("evm_snapshot and evm_revert restore balances, blocks and nonces", async () => {
  const id = await provider.send("evm_snapshot", []);
  assert.equal(typeof id, "string");
  const block = await provider.getBlockNumber();
  const nonce = await provider.getTransactionCount(a0.address);
  const tokenBal = await token.balanceOf(a3.address);
  const ethBal = await provider.getBalance(a3.address);
  const t1 = await token.transfer(a3.address, 1234n);
  await t1.wait();
  await (await wallet0.sendTransaction({ to: a3.address, value: ethers.parseEther("1") })).wait();
  assert.equal(await token.balanceOf(a3.address), tokenBal + 1234n);
  assert.equal(await provider.getBlockNumber(), block + 2);

  assert.equal(await provider.send("evm_revert", [id]), true);
  assert.equal(await token.balanceOf(a3.address), tokenBal);
  assert.equal(await provider.getBalance(a3.address), ethBal);
  assert.equal(await provider.getBlockNumber(), block);
  assert.equal(await provider.getTransactionCount(a0.address), nonce);
  assert.equal(await provider.getTransactionReceipt(t1.hash), null);
  assert.equal(await provider.send("evm_revert", [id]), false, "a snapshot is used up by a revert");
  // The chain goes on from the snapshot.
  const again = await (await token.transfer(a3.address, 1n)).wait();
  assert.equal(again.blockNumber, block + 1);
  assert.equal(await token.balanceOf(a3.address), tokenBal + 1n);
});

test("deploy the ERC-721 and safeMint: Transfer from the zero address, ownerOf, tokenURI", async () => {
  const factory = new ethers.ContractFactory(CollectibleArt.abi, CollectibleArt.bytecode, wallet0);
  nft = await factory.deploy(a0.address);
  await nft.waitForDeployment();
  nftAddress = await nft.getAddress();
  assert.equal(await nft.owner(), a0.address);
  assert.equal(await nft.name(), "Chainbox Collectible");
  assert.equal(await nft.safeMint.staticCall(a1.address), 0n);
  const r0 = await (await nft.safeMint(a1.address)).wait();
  assert.equal(r0.status, 1);
  const ev = nft.interface.parseLog(r0.logs[0]);
  assert.equal(ev.name, "Transfer");
  assert.deepEqual([...ev.args], [ethers.ZeroAddress, a1.address, 0n]);
  assert.equal(r0.logs[0].topics.length, 4, "ERC-721 indexes the token id");
  const est = await nft.safeMint.estimateGas(a2.address);
  const r1 = await (await nft.safeMint(a2.address, { gasLimit: est })).wait();
  assert.equal(r1.status, 1, "safeMint given exactly its estimate succeeds");
  assert.equal(await nft.ownerOf(0n), a1.address);
  assert.equal(await nft.ownerOf(1n), a2.address);
  assert.equal(await nft.balanceOf(a1.address), 1n);
  assert.equal(await nft.tokenURI(1n), "https://chainbox.invalid/token/1");
});

test("ERC-721 transferFrom by the holder, and its custom errors", async () => {
  const r = await (await nft.connect(signer1).transferFrom(a1.address, a3.address, 0n)).wait();
  assert.equal(r.status, 1);
  assert.equal(await nft.ownerOf(0n), a3.address);
  assert.equal(await nft.balanceOf(a1.address), 0n);
  // Calls come back decoded in e.revert; sends fail in their gas estimate
  // with the raw data, which the ABI decodes.
  const expectError = (name, args) => (e) => {
    assert.equal(e.code, "CALL_EXCEPTION", e.message);
    const err = e.revert ?? nft.interface.parseError(e.data);
    assert.equal(err?.name, name);
    assert.deepEqual([...err.args], args);
    return true;
  };
  await assert.rejects(nft.connect(signer1).safeMint(a1.address),
    expectError("OwnableUnauthorizedAccount", [a1.address]));
  await assert.rejects(nft.safeMint(tokenAddress), expectError("ERC721InvalidReceiver", [tokenAddress]));
  await assert.rejects(nft.ownerOf(99n), expectError("ERC721NonexistentToken", [99n]));
  await assert.rejects(nft.connect(signer1).transferFrom(a3.address, a1.address, 0n),
    expectError("ERC721InsufficientApproval", [a1.address, 0n]));
});

test("eth_getLogs tells the two contracts' Transfer logs apart by address", async () => {
  const both = await provider.getLogs({ fromBlock: deployBlock, topics: [TRANSFER_TOPIC] });
  const nftLogs = both.filter((l) => l.address === nftAddress);
  assert.equal(nftLogs.length, 3, "two mints and one transfer");
  assert.ok(both.some((l) => l.address === tokenAddress));
  const only = await provider.getLogs({ address: nftAddress, fromBlock: deployBlock, topics: [TRANSFER_TOPIC] });
  assert.deepEqual(only.map((l) => l.transactionHash), nftLogs.map((l) => l.transactionHash));
  const byId = await provider.getLogs({
    address: [nftAddress, tokenAddress], fromBlock: deployBlock,
    topics: [TRANSFER_TOPIC, null, null, ethers.toBeHex(0n, 32)],
  });
  assert.equal(byId.length, 2, "token 0: minted, then transferred");
  const minted = await nft.queryFilter(nft.filters.Transfer(ethers.ZeroAddress), deployBlock);
  assert.deepEqual(minted.map((e) => e.args.tokenId), [0n, 1n]);
  const ranged = await provider.getLogs({ address: nftAddress, fromBlock: minted[1].blockNumber, toBlock: minted[1].blockNumber });
  assert.equal(ranged.length, 1);
});
