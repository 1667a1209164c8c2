// Hardhat's sample Counter through hardhat-viem, on the node's own dev
// accounts (eth_accounts, eth_sendTransaction): deploying, sending, events,
// a require revert with its reason, a custom error with its arguments, and
// reading state at an earlier block.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";

describe("Counter", async function () {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [deployer] = await viem.getWalletClients();

  // A write returns the hash once the node has the transaction; anvil may
  // mine it a moment later, so wait for the receipt as a client must.
  async function mined(hash: Promise<`0x${string}`>) {
    return await publicClient.waitForTransactionReceipt({ hash: await hash });
  }

  it("is deployed by a dev account of the node", async function () {
    const accounts = await publicClient.request({ method: "eth_accounts" });
    assert.ok(accounts.length >= 10, `eth_accounts returned ${accounts.length} accounts`);
    assert.equal(deployer.account.address.toLowerCase(), accounts[0].toLowerCase());

    const counter = await viem.deployContract("Counter");
    const code = await publicClient.getCode({ address: counter.address });
    assert.ok(code !== undefined && code.length > 2, "the contract has code");
    assert.equal(await counter.read.x(), 0n);
  });

  it("emits Increment when inc() is called", async function () {
    const counter = await viem.deployContract("Counter");
    await viem.assertions.emitWithArgs(counter.write.inc(), counter, "Increment", [1n]);
    assert.equal(await counter.read.x(), 1n);
  });

  it("mines each transaction into its own block with a successful receipt", async function () {
    const counter = await viem.deployContract("Counter");
    const before = await publicClient.getBlockNumber();
    const hash = await counter.write.incBy([7n]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.blockNumber, before + 1n);
    assert.equal(receipt.from.toLowerCase(), deployer.account.address.toLowerCase());
    assert.equal(receipt.to?.toLowerCase(), counter.address.toLowerCase());
    assert.ok(receipt.gasUsed > 21000n);
    assert.ok(receipt.effectiveGasPrice > 0n);
    assert.equal(receipt.logs.length, 1);

    const tx = await publicClient.getTransaction({ hash });
    assert.equal(tx.blockNumber, receipt.blockNumber);
    assert.equal(tx.hash, hash);
  });

  it("has the sum of all Increment events equal to x", async function () {
    const counter = await viem.deployContract("Counter");
    const deploymentBlock = await publicClient.getBlockNumber();

    for (let i = 1n; i <= 10n; i++) {
      await mined(counter.write.incBy([i]));
    }

    const events = await publicClient.getContractEvents({
      address: counter.address,
      abi: counter.abi,
      eventName: "Increment",
      fromBlock: deploymentBlock,
      strict: true,
    });
    assert.equal(events.length, 10);

    let total = 0n;
    for (const event of events) {
      total += event.args.by;
    }
    assert.equal(total, await counter.read.x());
    assert.equal(total, 55n);
  });

  it("reads the state at an earlier block", async function () {
    const counter = await viem.deployContract("Counter");
    await mined(counter.write.incBy([3n]));
    const at = await publicClient.getBlockNumber();
    await mined(counter.write.incBy([4n]));
    assert.equal(await counter.read.x({ blockNumber: at }), 3n);
    assert.equal(await counter.read.x(), 7n);
  });

  it("reverts with the require reason for a zero step", async function () {
    const counter = await viem.deployContract("Counter");
    await viem.assertions.revertWith(counter.write.incBy([0n]), "incBy: increment should be positive");
    // The same through eth_call alone.
    await viem.assertions.revertWith(counter.simulate.incBy([0n]), "incBy: increment should be positive");
  });

  it("reverts with the custom error StepTooLarge and its arguments", async function () {
    const counter = await viem.deployContract("Counter");
    await viem.assertions.revertWithCustomError(counter.write.incBy([101n]), counter, "StepTooLarge");
    await viem.assertions.revertWithCustomErrorWithArgs(counter.write.incBy([500n]), counter,
      "StepTooLarge", [500n, 100n]);
    assert.equal(await counter.read.x(), 0n);
  });
});
