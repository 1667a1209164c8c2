// Compiles the examples' contracts with solc-js and writes the artifacts that
// are committed next to them (examples/README.md, "Artifacts").
//
// Usage: node examples/compile.mjs [--check] [--any-version]
//   --check        compile, compare with the committed files, write nothing;
//                  exit 1 when any differs
//   --any-version  accept a solc other than the pinned one (the artifacts
//                  then change: their bytecode and version with it)
//
// solc-js is found at $SOLC_JS (the solc package's folder), else at
// ~/.cache/chainbox/npm/node_modules/solc.  Install it with
//   npm install --prefix ~/.cache/chainbox/npm solc@0.8.26
//
// Exit status: 0 done (or up to date), 1 a compile error, a version mismatch
// or a difference under --check, 2 bad usage or no solc-js.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SOLC_PINNED = "0.8.26";

// Each example: its folder, its sources (relative to the folder, which is
// also how solc names them) and the artifact formats it gets beyond
// artifacts/NAME.json (solc --combined-json abi,bin,bin-runtime).
const EXAMPLES = [
  { name: "token", sources: ["contracts/ChainboxToken.sol"], hardhat: true },
  { name: "supply-chain", sources: ["contracts/SupplyChain.sol"], foundry: true },
  { name: "evidence", sources: ["contracts/Evidence.sol"] },
];

const SETTINGS = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: {
    "*": {
      "*": [
        "abi",
        "metadata",
        "evm.bytecode.object",
        "evm.bytecode.linkReferences",
        "evm.deployedBytecode.object",
        "evm.deployedBytecode.linkReferences",
        "evm.deployedBytecode.immutableReferences",
        "evm.methodIdentifiers",
      ],
    },
  },
};

const args = process.argv.slice(2);
const check = args.includes("--check");
const anyVersion = args.includes("--any-version");
for (const a of args) {
  if (a !== "--check" && a !== "--any-version") {
    console.error(`compile.mjs: unknown argument '${a}'`);
    console.error("usage: node examples/compile.mjs [--check] [--any-version]");
    process.exit(2);
  }
}

const solcDir = process.env.SOLC_JS || path.join(homedir(), ".cache/chainbox/npm/node_modules/solc");
if (!existsSync(path.join(solcDir, "package.json"))) {
  console.error(`compile.mjs: no solc-js at ${solcDir}`);
  console.error(`install it with: npm install --prefix ~/.cache/chainbox/npm solc@${SOLC_PINNED}`);
  console.error("or point SOLC_JS at the solc package's folder");
  process.exit(2);
}
const solc = createRequire(import.meta.url)(path.resolve(solcDir));
const version = solc.version();
if (!version.startsWith(SOLC_PINNED + "+") && !anyVersion) {
  console.error(`compile.mjs: ${solcDir} is solc ${version}; the examples are pinned to ${SOLC_PINNED}`);
  console.error(`install it with: npm install --prefix ~/.cache/chainbox/npm solc@${SOLC_PINNED}`);
  console.error("or pass --any-version to rebuild the artifacts with this one");
  process.exit(1);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const json = (v) => JSON.stringify(v, null, 2) + "\n";
const hex0x = (s) => "0x" + s;

let failed = false;
let differ = 0;
let written = 0;

// Writes `text` to `file` unless it already holds exactly that.
function emit(file, text) {
  const old = existsSync(file) ? readFileSync(file, "utf8") : null;
  if (old === text) return;
  const rel = path.relative(here, file);
  if (check) {
    console.error(`${rel}: ${old === null ? "missing" : "differs from a fresh compile"}`);
    differ++;
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote examples/${rel}`);
  written++;
}

for (const ex of EXAMPLES) {
  const dir = path.join(here, ex.name);
  const sources = {};
  for (const s of ex.sources) sources[s] = { content: readFileSync(path.join(dir, s), "utf8") };
  const input = { language: "Solidity", sources, settings: SETTINGS };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  let bad = false;
  for (const e of out.errors ?? []) {
    console.error(`${ex.name}: ${e.formattedMessage.trimEnd()}`);
    if (e.severity === "error") bad = true;
  }
  if (bad) {
    failed = true;
    continue;
  }

  const combined = { contracts: {}, version };
  for (const s of ex.sources) {
    for (const [cname, c] of Object.entries(out.contracts[s])) {
      combined.contracts[`${s}:${cname}`] = {
        abi: c.abi,
        bin: c.evm.bytecode.object,
        "bin-runtime": c.evm.deployedBytecode.object,
      };
      if (ex.hardhat) {
        emit(path.join(dir, "artifacts", `${cname}.json`), json({
          _format: "hh-sol-artifact-1",
          contractName: cname,
          sourceName: s,
          abi: c.abi,
          bytecode: hex0x(c.evm.bytecode.object),
          deployedBytecode: hex0x(c.evm.deployedBytecode.object),
          linkReferences: c.evm.bytecode.linkReferences,
          deployedLinkReferences: c.evm.deployedBytecode.linkReferences,
          solcVersion: version,
        }));
      }
      if (ex.foundry) {
        emit(path.join(dir, "out", path.basename(s), `${cname}.json`), json({
          abi: c.abi,
          bytecode: {
            object: hex0x(c.evm.bytecode.object),
            linkReferences: c.evm.bytecode.linkReferences,
          },
          deployedBytecode: {
            object: hex0x(c.evm.deployedBytecode.object),
            linkReferences: c.evm.deployedBytecode.linkReferences,
            immutableReferences: c.evm.deployedBytecode.immutableReferences ?? {},
          },
          methodIdentifiers: c.evm.methodIdentifiers,
          metadata: JSON.parse(c.metadata),
        }));
      }
    }
  }
  emit(path.join(dir, "artifacts", `${ex.name}.json`), json(combined));
}

if (failed) process.exit(1);
if (check) {
  if (differ) {
    console.error(`${differ} artifact(s) out of date: run make examples`);
    process.exit(1);
  }
  console.log(`examples: artifacts match solc ${version}`);
} else {
  console.log(written ? `examples: ${written} artifact(s) written with solc ${version}`
                      : `examples: artifacts up to date (solc ${version})`);
}
