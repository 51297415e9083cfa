// The package as a user gets it: `npm pack` (its prepack builds dist/ with declarations, tests left
// out), the tarball installed into a fresh temporary project with `npm ci --offline` (a lockfile
// made from this repository's, so every dependency comes from npm's cache), the native addon put in
// place by the package's own install script, and the README's API example run there, from the
// README itself, and type-checked against the package's declarations.
//
// The install script takes the addon built here (ECG_TORCH_ADDON: loaded to check it, then copied)
// rather than compiling for minutes; ECG_PACKAGE_BUILD=1 makes it compile from the tarball's sources.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-package-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const addon = path.join(repoRoot, "native", "build", "Release", "ecg_torch.node");
const addonSkip = existsSync(addon) ? false : `the addon is not built (${addon})`;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} (in ${cwd}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The README's API example: the ```js block under "## The library". */
function readmeExample(): string {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## The library"));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(m, "README: a ```js block under '## The library'");
  return m[1]!;
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/** A consumer project depending on the tarball, locked to this repository's dependency versions. */
function consumerProject(dir: string, tarball: string): void {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const lock = JSON.parse(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const spec = `file:${path.relative(dir, tarball)}`;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const root = { name: "consumer", version: "1.0.0", dependencies: { "ecg-beats": spec } };
  const packages: Record<string, unknown> = {
    "": root,
    "node_modules/ecg-beats": {
      version: pkg["version"],
      resolved: spec,
      integrity,
      hasInstallScript: true,
      license: pkg["license"],
      dependencies: pkg["dependencies"],
      bin: pkg["bin"],
      engines: pkg["engines"],
    },
  };
  for (const [key, entry] of Object.entries(lock.packages))
    if (key !== "" && !entry.dev) packages[key] = entry;
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ ...root, private: true, type: "module", allowScripts: { "ecg-beats": true } }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(dir, "package-lock.json"),
    `${JSON.stringify({ name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

test("npm pack, install the tarball into a fresh project, run the README's API example there", {
  skip: mitdbSkip || addonSkip,
}, () => {
  const packDir = path.join(tmp, "pack");
  mkdirSync(packDir);
  const packed = run("npm", ["pack", "--pack-destination", packDir, "--json"], repoRoot);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = info!.files.map((f) => f.path);
  for (const f of [
    "dist/src/index.js",
    "dist/src/index.d.ts",
    "dist/src/cli/main.js",
    "bin/ecg.js",
    "models/interpatient.safetensors",
    "native/binding.gyp",
    "native/install.mjs",
    "native/src/addon.cc",
  ])
    assert.ok(files.includes(f), `the tarball has ${f}`);
  assert.deepEqual(
    files.filter((f) => f.startsWith("dist/test") || f.startsWith("test/") || f.startsWith("native/build")),
    [],
    "no tests, no built addon in the tarball",
  );
  assert.deepEqual(
    files.filter((f) => f.endsWith(".map")),
    [],
    "no source maps of sources the tarball does not hold",
  );

  const app = path.join(tmp, "app");
  mkdirSync(app);
  consumerProject(app, path.join(packDir, info!.filename));
  const env = { ...process.env };
  if (process.env["ECG_PACKAGE_BUILD"] === "1") delete env["ECG_TORCH_ADDON"];
  else env["ECG_TORCH_ADDON"] = addon;
  const installed = run(
    "npm",
    ["ci", "--offline", "--no-audit", "--no-fund", "--foreground-scripts"],
    app,
    env,
  );
  assert.match(
    installed.stdout + installed.stderr,
    process.env["ECG_PACKAGE_BUILD"] === "1"
      ? /native addon built in/
      : /native addon taken from ECG_TORCH_ADDON/,
  );
  const installedAddon = path.join(
    app,
    "node_modules",
    "ecg-beats",
    "native",
    "build",
    "Release",
    "ecg_torch.node",
  );
  assert.ok(existsSync(installedAddon), "the install script put the addon in the package");

  // The example, as the README has it, run without ECG_TORCH_ADDON: the package finds its own addon.
  writeFileSync(path.join(app, "example.mjs"), readmeExample());
  const runEnv = { ...process.env };
  delete runEnv["ECG_TORCH_ADDON"];
  const out = run(process.execPath, ["example.mjs", recordPath("100")], app, runEnv).stdout;
  assert.match(out, /^100 \(wfdb\): MLII 360 Hz, V5 360 Hz$/m);
  assert.match(out, /^lead MLII \(MLII\): 22\d\d R peaks$/m);
  const beats = /^(\d+) beats: N (\d+), S (\d+), V (\d+), F (\d+), Q (\d+)$/m.exec(out);
  assert.ok(beats, out);
  // The same figures as this repository's `ecg classify` (the default model both ways).
  const cli = JSON.parse(
    run(
      process.execPath,
      [path.join(repoRoot, "bin", "ecg.js"), "classify", "--record", recordPath("100"), "--json"],
      repoRoot,
    ).stdout,
  ) as { beats: number; counts: Record<string, number> };
  assert.deepEqual(beats.slice(1).map(Number), [
    cli.beats,
    cli.counts["N"],
    cli.counts["S"],
    cli.counts["V"],
    cli.counts["F"],
    cli.counts["Q"],
  ]);
  // The installed command works too.
  const version = run(path.join(app, "node_modules", ".bin", "ecg"), ["--version"], app, runEnv).stdout;
  assert.match(version, /0\.1\.0/);

  // The example type-checks against the declarations the package's `exports` names.
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  run(
    process.execPath,
    [
      tsc,
      "--noEmit",
      "--allowJs",
      "--checkJs",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--skipLibCheck",
      "--typeRoots",
      path.join(repoRoot, "node_modules", "@types"),
      "--types",
      "node",
      "example.mjs",
    ],
    app,
  );
});
