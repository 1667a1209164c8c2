// The same node with the keys held by Hardhat (the chainboxLocal network:
// the dev mnemonic in hardhat.config.ts): Hardhat fills in the nonce, the
// gas and the EIP-1559 fees, signs, and sends eth_sendRawTransaction.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { parseEther, parseGwei } from "viem";

describe("local accounts", async function () {
  const { viem } = await network.create("chainboxLocal");
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  // Accounts 7 to 9: the other files send from the first ones.
  const [, , , , , , , sender, receiver, third] = wallets;

  it("derives the node's dev accounts from the mnemonic", async function () {
    // Hardhat answers eth_accounts itself, from the mnemonic...
    const local = await publicClient.request({ method: "eth_accounts" });
    assert.equal(wallets.length, 10);
    // ...and the node's dev accounts come from the same one.
    const nodeAccounts = await fetch(process.env.CHAINBOX_RPC_URL!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
    }).then(async (r) => (await r.json()).result as string[]);
    assert.deepEqual(local.map((a) => a.toLowerCase()), wallets.map((w) => w.account.address.toLowerCase()));
    assert.deepEqual(nodeAccounts.slice(0, 10).map((a) => a.toLowerCase()),
      wallets.map((w) => w.account.address.toLowerCase()));
  });

  it("sends ether as a signed EIP-1559 transaction", async function () {
    const nonce = await publicClient.getTransactionCount({ address: sender.account.address });
    const value = parseEther("0.5");
    const hash = await sender.sendTransaction({ to: receiver.account.address, value });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.type, "eip1559");

    const tx = await publicClient.getTransaction({ hash });
    assert.equal(tx.nonce, nonce);
    assert.equal(tx.value, value);
    assert.equal(tx.chainId, 31337);
    assert.equal(await publicClient.getTransactionCount({ address: sender.account.address }), nonce + 1);
  });

  it("sends a legacy transaction with a gas price", async function () {
    const gasPrice = (await publicClient.getGasPrice()) + parseGwei("1");
    const hash = await third.sendTransaction({ to: receiver.account.address, value: 1n, gasPrice });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.type, "legacy");
    assert.equal(receipt.effectiveGasPrice, gasPrice);
  });

  it("deploys and calls a contract, and reverts with the reason", async function () {
    const counter = await viem.deployContract("Counter", [], { client: { wallet: sender } });
    await viem.assertions.emitWithArgs(counter.write.incBy([5n], { account: sender.account }), counter,
      "Increment", [5n]);
    assert.equal(await counter.read.x(), 5n);
    await viem.assertions.revertWith(counter.write.incBy([0n], { account: sender.account }),
      "incBy: increment should be positive");
    await viem.assertions.revertWithCustomErrorWithArgs(counter.write.incBy([101n], { account: sender.account }),
      counter, "StepTooLarge", [101n, 100n]);
  });

  it("sends three transactions in a row with consecutive nonces", async function () {
    const nonce = await publicClient.getTransactionCount({ address: third.account.address });
    const hashes = [];
    for (let i = 0; i < 3; i++) {
      hashes.push(await third.sendTransaction({ to: receiver.account.address, value: BigInt(i + 1) }));
    }
    const receipts = await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })));
    assert.ok(receipts.every((r) => r.status === "success"));
    const txs = await Promise.all(hashes.map((hash) => publicClient.getTransaction({ hash })));
    assert.deepEqual(txs.map((tx) => tx.nonce), [nonce, nonce + 1, nonce + 2]);
  });
});
