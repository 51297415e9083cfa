// The default thread count and how libtorch's OpenMP threads wait (src/compute-options.ts,
// src/engine/native.ts): every core, waiting asleep (OMP_WAIT_POLICY=PASSIVE set before libtorch
// loads), so that a busy machine does not turn the second thread into a loss; a user's own
// OMP_WAIT_POLICY or GOMP_SPINCOUNT is left as it is.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { computeValues, defaultThreads } from "../src/compute-options.js";
import { engineSkip } from "./helpers/engine.js";
import { repoRoot } from "./helpers/mitdb.js";

/** OMP_WAIT_POLICY as a process that loaded libtorch sees it, with `env` added to ours. */
function policyAfterLoad(env: NodeJS.ProcessEnv): string {
  const engine = path.join(repoRoot, "dist", "src", "engine", "index.js");
  const script = `const e = await import(${JSON.stringify(engine)}); e.getNumThreads(); console.log(process.env.OMP_WAIT_POLICY ?? "(unset)");`;
  const clean = { ...process.env };
  delete clean["OMP_WAIT_POLICY"];
  delete clean["GOMP_SPINCOUNT"];
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...clean, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("libtorch's threads wait asleep unless the user says otherwise", { skip: engineSkip }, () => {
  assert.equal(policyAfterLoad({}), "PASSIVE");
  assert.equal(policyAfterLoad({ OMP_WAIT_POLICY: "ACTIVE" }), "ACTIVE");
  assert.equal(policyAfterLoad({ GOMP_SPINCOUNT: "10000" }), "(unset)", "a spin count of the user's own");
});

test("--threads: every core by default, shared out among processes; a bad value is a usage error", () => {
  assert.equal(computeValues({}).threads, availableParallelism());
  assert.equal(defaultThreads(availableParallelism() * 2), 1);
  assert.equal(computeValues({ threads: "3", device: "cuda" }).threads, 3);
  assert.equal(computeValues({ device: "cuda" }).device, "cuda");
  assert.throws(() => computeValues({ threads: "0" }), /--threads must be at least 1, got 0/);
  assert.throws(() => computeValues({ device: "tpu" }), /--device must be one of cpu, cuda, got 'tpu'/);
});
