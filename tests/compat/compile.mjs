// Compiles contracts/*.sol with solc-js, OpenZeppelin imports resolved from
// the npm cache, into one JSON file per contract: { abi, bytecode }.
// Usage: node compile.mjs SOURCE_DIR OUT_DIR
// run.sh copies this file next to the cached node_modules, which is how the
// imports below resolve.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import solc from "solc";

const [srcDir, outDir] = process.argv.slice(2);
if (!srcDir || !outDir) {
  console.error("usage: node compile.mjs SOURCE_DIR OUT_DIR");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const nodeModules = path.dirname(path.dirname(path.dirname(
  require.resolve("@openzeppelin/contracts/package.json"))));

const sources = {};
for (const name of readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort())
  sources[name] = { content: readFileSync(path.join(srcDir, name), "utf8") };

// chainbox-node implements Cancun's instruction set; anvil runs it too.
const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

function findImports(name) {
  try {
    return { contents: readFileSync(path.join(nodeModules, name), "utf8") };
  } catch (e) {
    return { error: `cannot read '${name}': ${e.message}` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let failed = false;
for (const err of output.errors ?? []) {
  console.error(err.formattedMessage);
  if (err.severity === "error") failed = true;
}
if (failed) process.exit(1);

mkdirSync(outDir, { recursive: true });
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    writeFileSync(path.join(outDir, `${name}.json`),
      JSON.stringify({ contractName: name, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object }, null, 1));
  }
}
console.log(`compiled ${Object.keys(sources).join(", ")} with solc ${solc.version()}`);
