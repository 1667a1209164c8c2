// A Hardhat 3 project run against chainbox-node by ../hardhat.sh, which
// starts the node and sets CHAINBOX_RPC_URL.  By hand, with a node already
// listening:
//
//   CHAINBOX_RPC_URL=http://127.0.0.1:8545 npx hardhat test --network chainbox
import { createRequire } from "node:module";

import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";

// The compiler is solc-js from the npm package, so that compiling needs no
// download (Hardhat fetches its own compilers from a host that is not
// reachable everywhere these tests run).
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.37";
const solcjs = require.resolve("solc/soljson.js");

// anvil's (and chainbox-node --dev's) dev mnemonic.
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    version: SOLC_VERSION,
    path: solcjs,
    settings: {
      // chainbox-node implements Cancun's instruction set.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
    },
  },
  networks: {
    // The node's own dev accounts: eth_accounts and eth_sendTransaction.
    chainbox: {
      type: "http",
      chainType: "l1",
      url: configVariable("CHAINBOX_RPC_URL"),
    },
    // The same node with keys held by Hardhat: it signs, and sends with
    // eth_sendRawTransaction.  test/LocalAccounts.ts connects to it.
    chainboxLocal: {
      type: "http",
      chainType: "l1",
      url: configVariable("CHAINBOX_RPC_URL"),
      chainId: 31337,
      accounts: { mnemonic: DEV_MNEMONIC, count: 10 },
    },
  },
});
