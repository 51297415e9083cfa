// `npm install` hook: builds the libtorch addon (native/build/Release/ecg_torch.node).
// Fails with one line when no libtorch is found. Skips the build when the addon is newer than its
// sources (pass --force to rebuild). With $ECG_TORCH_ADDON naming an addon already built (by this
// version's sources, against this machine's libtorch: another checkout's, a CI cache's), that one
// is checked by loading it and copied into place instead of compiling (minutes) again.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findLibtorch, HINT } from "./find-libtorch.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const addon = path.join(here, "build", "Release", "ecg_torch.node");
const force = process.argv.includes("--force");

const prebuilt = process.env.ECG_TORCH_ADDON;
if (prebuilt && !force) {
  // Loaded in a child: a libtorch it cannot find, or another Node ABI, fails there, not here.
  const check = spawnSync(
    process.execPath,
    ["-e", `require(${JSON.stringify(path.resolve(prebuilt))}).liveTensors()`],
    {
      encoding: "utf8",
    },
  );
  if (check.status !== 0) {
    const why =
      (check.stderr || "")
        .trim()
        .split("\n")
        .find((l) => /Error/.test(l)) ?? `exit ${check.status}`;
    console.error(
      `ecg-beats: ECG_TORCH_ADDON=${prebuilt} does not load here (${why}); unset it to build the addon`,
    );
    process.exit(1);
  }
  const same = existsSync(addon) && realpathSync(addon) === realpathSync(prebuilt);
  if (!same) {
    mkdirSync(path.dirname(addon), { recursive: true });
    copyFileSync(prebuilt, addon);
  }
  console.log(`ecg-beats: native addon taken from ECG_TORCH_ADDON (${prebuilt}), not compiled`);
  process.exit(0);
}

const libtorch = findLibtorch();
if (!libtorch) {
  console.error(`ecg-beats: ${HINT}`);
  process.exit(1);
}

function newestSource() {
  const files = [
    "binding.gyp",
    "find-libtorch.mjs",
    ...readdirSync(path.join(here, "src")).map((f) => path.join("src", f)),
  ];
  return Math.max(...files.map((f) => statSync(path.join(here, f)).mtimeMs));
}

if (!force && existsSync(addon) && statSync(addon).mtimeMs > newestSource()) {
  console.log(`ecg-beats: native addon up to date (${path.relative(process.cwd(), addon)})`);
  process.exit(0);
}

const require = createRequire(import.meta.url);
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try {
    gyp = require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    console.error("ecg-beats: node-gyp not found (install it: npm install -g node-gyp)");
    process.exit(1);
  }
}

console.log(`ecg-beats: building the native addon against libtorch from ${libtorch.source}`);
const started = Date.now();
// Build against the running Node's own headers when they are installed beside it (no download).
const args = [gyp, "rebuild", "--jobs=max"];
const prefix = path.resolve(path.dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(process.execPath, args, { cwd: here, stdio: "inherit" });
if (r.status !== 0) {
  console.error("ecg-beats: the native build failed (see the compiler output above)");
  process.exit(r.status ?? 1);
}
console.log(`ecg-beats: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
