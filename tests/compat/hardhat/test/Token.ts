// An OpenZeppelin ERC-20 (contracts/Token.sol) and plain ether transfers on
// the node's dev accounts: balances, Transfer events read back through
// eth_getLogs with a topic filter, OpenZeppelin's custom errors, and ether
// balance changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { parseEther } from "viem";

const SUPPLY = parseEther("1000000");

describe("Token", async function () {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [owner, alice, bob] = await viem.getWalletClients();

  // A write returns the hash once the node has the transaction; anvil may
  // mine it a moment later, so wait for the receipt as a client must.
  async function mined(hash: Promise<`0x${string}`>) {
    return await publicClient.waitForTransactionReceipt({ hash: await hash });
  }

  async function deployToken() {
    return await viem.deployContract("Token", [SUPPLY]);
  }

  it("mints the whole supply to the deployer", async function () {
    const token = await deployToken();
    assert.equal(await token.read.name(), "Chainbox Hardhat Token");
    assert.equal(await token.read.symbol(), "CHT");
    assert.equal(await token.read.decimals(), 18);
    assert.equal(await token.read.totalSupply(), SUPPLY);
    assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY);
    assert.equal((await token.read.owner()).toLowerCase(), owner.account.address.toLowerCase());
  });

  it("transfers and emits Transfer", async function () {
    const token = await deployToken();
    const amount = parseEther("250");
    await viem.assertions.emitWithArgs(token.write.transfer([alice.account.address, amount]), token,
      "Transfer", [owner.account.address, alice.account.address, amount]);
    assert.equal(await token.read.balanceOf([alice.account.address]), amount);
    assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY - amount);
  });

  it("transfers from another dev account and approves an allowance", async function () {
    const token = await deployToken();
    await mined(token.write.transfer([alice.account.address, parseEther("10")]));

    const asAlice = await viem.getContractAt("Token", token.address, { client: { wallet: alice } });
    await mined(asAlice.write.approve([bob.account.address, parseEther("4")]));
    assert.equal(await token.read.allowance([alice.account.address, bob.account.address]), parseEther("4"));

    const asBob = await viem.getContractAt("Token", token.address, { client: { wallet: bob } });
    await mined(asBob.write.transferFrom([alice.account.address, bob.account.address, parseEther("3")]));
    assert.equal(await token.read.balanceOf([bob.account.address]), parseEther("3"));
    assert.equal(await token.read.balanceOf([alice.account.address]), parseEther("7"));
    assert.equal(await token.read.allowance([alice.account.address, bob.account.address]), parseEther("1"));
  });

  it("finds Transfer events by indexed recipient", async function () {
    const token = await deployToken();
    const fromBlock = await publicClient.getBlockNumber();
    await mined(token.write.transfer([alice.account.address, 1n]));
    await mined(token.write.transfer([bob.account.address, 2n]));
    await mined(token.write.transfer([alice.account.address, 3n]));

    const toAlice = await publicClient.getContractEvents({
      address: token.address,
      abi: token.abi,
      eventName: "Transfer",
      args: { to: alice.account.address },
      fromBlock,
      toBlock: "latest",
      strict: true,
    });
    assert.deepEqual(toAlice.map((e) => e.args.value), [1n, 3n]);
    for (const e of toAlice) {
      assert.equal(e.args.from.toLowerCase(), owner.account.address.toLowerCase());
      assert.equal(e.address.toLowerCase(), token.address.toLowerCase());
    }

    // The same logs by block hash, as a client does for one block.
    const last = await publicClient.getBlock();
    const inLast = await publicClient.getLogs({ address: token.address, blockHash: last.hash });
    assert.equal(inLast.length, 1);
    assert.equal(inLast[0].transactionHash, toAlice[1].transactionHash);
  });

  it("reverts a transfer over the balance with ERC20InsufficientBalance", async function () {
    const token = await deployToken();
    await mined(token.write.transfer([alice.account.address, 5n]));
    const asAlice = await viem.getContractAt("Token", token.address, { client: { wallet: alice } });
    await viem.assertions.revertWithCustomErrorWithArgs(asAlice.write.transfer([bob.account.address, 6n]), token,
      "ERC20InsufficientBalance", [alice.account.address, 5n, 6n]);
  });

  it("reverts a mint by someone else with OwnableUnauthorizedAccount", async function () {
    const token = await deployToken();
    const asBob = await viem.getContractAt("Token", token.address, { client: { wallet: bob } });
    await viem.assertions.revertWithCustomErrorWithArgs(asBob.write.mint([bob.account.address, 1n]), token,
      "OwnableUnauthorizedAccount", [bob.account.address]);
    await mined(token.write.mint([bob.account.address, 1n]));
    assert.equal(await token.read.totalSupply(), SUPPLY + 1n);
  });

  it("moves ether between dev accounts", async function () {
    const value = parseEther("1.5");
    await viem.assertions.balancesHaveChanged(
      alice.sendTransaction({ to: bob.account.address, value }),
      [{ address: bob.account.address, amount: value }],
    );
  });

  it("charges the sender the value plus gasUsed times effectiveGasPrice", async function () {
    const value = 12345n;
    const before = await publicClient.getBalance({ address: alice.account.address });
    const hash = await alice.sendTransaction({ to: bob.account.address, value });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.gasUsed, 21000n);
    const after = await publicClient.getBalance({ address: alice.account.address });
    assert.equal(before - after, value + receipt.gasUsed * receipt.effectiveGasPrice);
  });
});
