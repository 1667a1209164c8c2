// Hardhat's time lock with the network helpers: loadFixture (evm_snapshot and
// evm_revert), time.increase and time.increaseTo (evm_setNextBlockTimestamp
// and hardhat_mine), mine, takeSnapshot and setBalance.  They refuse to run
// unless web3_clientVersion starts with "hardhat", "zksync" or "anvil".
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { anyValue } from "@nomicfoundation/hardhat-viem-assertions/predicates";
import { network } from "hardhat";
import { getAddress, parseEther } from "viem";

const LOCKED = parseEther("0.25");
const ONE_YEAR = 365n * 24n * 60n * 60n;

describe("Lock", async function () {
  const { viem, networkHelpers } = await network.create();
  const { time } = networkHelpers;
  const publicClient = await viem.getPublicClient();

  // A write returns the hash once the node has the transaction; anvil may
  // mine it a moment later, so wait for the receipt as a client must.
  async function mined(hash: Promise<`0x${string}`>) {
    return await publicClient.waitForTransactionReceipt({ hash: await hash });
  }

  async function deployLockFixture() {
    const [owner, other] = await viem.getWalletClients();
    const unlockTime = BigInt(await time.latest()) + ONE_YEAR;
    const lock = await viem.deployContract("Lock", [unlockTime], { value: LOCKED });
    return { lock, unlockTime, owner, other };
  }

  it("deploys with the unlock time and the ether", async function () {
    const { lock, unlockTime, owner } = await networkHelpers.loadFixture(deployLockFixture);
    assert.equal(await lock.read.unlockTime(), unlockTime);
    assert.equal(await lock.read.owner(), getAddress(owner.account.address));
    assert.equal(await publicClient.getBalance({ address: lock.address }), LOCKED);
  });

  it("refuses an unlock time in the past with the reason", async function () {
    const latest = BigInt(await time.latest());
    await viem.assertions.revertWith(viem.deployContract("Lock", [latest], { value: 1n }),
      "Lock: unlock time should be in the future");
  });

  it("reverts with TooEarly before the unlock time", async function () {
    const { lock, unlockTime } = await networkHelpers.loadFixture(deployLockFixture);
    await viem.assertions.revertWithCustomError(lock.write.withdraw(), lock, "TooEarly");
    await viem.assertions.revertWithCustomErrorWithArgs(lock.write.withdraw(), lock, "TooEarly",
      [anyValue, unlockTime]);
  });

  it("lets the owner withdraw once time.increaseTo reaches the unlock time", async function () {
    const { lock, unlockTime, other } = await networkHelpers.loadFixture(deployLockFixture);
    await time.increaseTo(unlockTime);
    assert.equal(BigInt(await time.latest()), unlockTime);

    const asOther = await viem.getContractAt("Lock", lock.address, { client: { wallet: other } });
    await viem.assertions.revertWith(asOther.write.withdraw(), "Lock: you aren't the owner");

    const hash = await lock.write.withdraw();
    await viem.assertions.emitWithArgs(hash, lock, "Withdrawal", [LOCKED, anyValue]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    assert.ok(block.timestamp >= unlockTime);
    assert.equal(await publicClient.getBalance({ address: lock.address }), 0n);
  });

  it("gets the same contract back from loadFixture, in its first state", async function () {
    const first = await networkHelpers.loadFixture(deployLockFixture);
    const block = await publicClient.getBlockNumber();
    await networkHelpers.setBalance(first.lock.address, 0n);
    await networkHelpers.mine(5);
    assert.equal(await publicClient.getBalance({ address: first.lock.address }), 0n);

    const again = await networkHelpers.loadFixture(deployLockFixture);
    assert.equal(again.lock.address, first.lock.address);
    assert.equal(again.unlockTime, first.unlockTime);
    assert.equal(await publicClient.getBalance({ address: again.lock.address }), LOCKED);
    assert.equal(await publicClient.getBlockNumber(), block);
  });

  it("restores the block timestamp with loadFixture after time.increaseTo", async function () {
    const first = await networkHelpers.loadFixture(deployLockFixture);
    const deployedAt = await time.latest();
    await time.increaseTo(first.unlockTime + 10n);
    await mined(first.lock.write.withdraw());
    assert.equal(await publicClient.getBalance({ address: first.lock.address }), 0n);

    const again = await networkHelpers.loadFixture(deployLockFixture);
    assert.equal(await publicClient.getBalance({ address: again.lock.address }), LOCKED);
    assert.equal(await time.latest(), deployedAt);
  });

  it("moves the clock by exactly the seconds given to time.increase", async function () {
    const before = await time.latest();
    const blockBefore = await time.latestBlock();
    const returned = await time.increase(3600);
    assert.equal(returned, before + 3600);
    assert.equal(await time.latest(), before + 3600);
    assert.equal(await time.latestBlock(), blockBefore + 1);

    await time.increase(time.duration.days(2));
    assert.equal(await time.latest(), before + 3600 + 2 * 86400);
  });

  it("mines blocks with mine, at the interval asked", async function () {
    const start = await publicClient.getBlock();
    await networkHelpers.mine();
    assert.equal(await publicClient.getBlockNumber(), start.number + 1n);

    await networkHelpers.mine(10);
    assert.equal(await publicClient.getBlockNumber(), start.number + 11n);

    const before = await publicClient.getBlock();
    await networkHelpers.mine(5, { interval: 60 });
    const after = await publicClient.getBlock();
    assert.equal(after.number, before.number + 5n);
    // Hardhat puts the blocks exactly 60 s apart; anvil adds 60 s to its
    // clock before each one, so a second of wall time may slip in.
    let previous = before.timestamp;
    for (let n = before.number + 1n; n <= after.number; n++) {
      const { timestamp } = await publicClient.getBlock({ blockNumber: n });
      const step = timestamp - previous;
      assert.ok(step >= (n === before.number + 1n ? 1n : 60n) && step <= 62n,
        `block ${n} is ${step} s after the one before it`);
      previous = timestamp;
    }

    await networkHelpers.mineUpTo(after.number + 3n);
    assert.equal(await publicClient.getBlockNumber(), after.number + 3n);
  });

  it("undoes blocks, balances and time with takeSnapshot().restore()", async function () {
    const [, , , carol] = await viem.getWalletClients();
    const snapshot = await networkHelpers.takeSnapshot();
    const block = await publicClient.getBlockNumber();
    const timestamp = await time.latest();
    const balance = await publicClient.getBalance({ address: carol.account.address });

    await networkHelpers.setBalance(carol.account.address, parseEther("42"));
    assert.equal(await publicClient.getBalance({ address: carol.account.address }), parseEther("42"));
    await time.increase(1000);
    await networkHelpers.mine(3);

    await snapshot.restore();
    assert.equal(await publicClient.getBlockNumber(), block);
    assert.equal(await time.latest(), timestamp);
    assert.equal(await publicClient.getBalance({ address: carol.account.address }), balance);

    // restore() takes a new snapshot, so it can be called again.
    await networkHelpers.mine(2);
    await snapshot.restore();
    assert.equal(await publicClient.getBlockNumber(), block);
  });
});
