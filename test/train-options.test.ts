// `ecg train`'s options: what the trainer gets when a flag is given or left out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainOptionsFrom } from "../src/cli/commands/train.js";
import { ADAMW_WEIGHT_DECAY } from "../src/nn/optim/index.js";
import { RunConfigSchema } from "../src/run-dir/schema.js";
import { dataConfig, optionsFromRunConfig, runConfig } from "../src/train/run-config.js";
import { settingHelp } from "../src/train/setting-options.js";
import { SETTINGS } from "../src/train/settings.js";

const parsed = (values: Record<string, string>) => ({
  values: { data: "d", ...values },
  positionals: [],
  verbose: false,
});

test("--weight-decay: 0 means 0 (AdamW too); left out, AdamW decays by its default and the others not at all", () => {
  assert.equal(trainOptionsFrom(parsed({ optimizer: "adamw", "weight-decay": "0" })).weightDecay, 0);
  assert.equal(trainOptionsFrom(parsed({ optimizer: "adamw" })).weightDecay, ADAMW_WEIGHT_DECAY);
  assert.equal(ADAMW_WEIGHT_DECAY, 1e-2, "torch.optim.AdamW's default");
  assert.equal(trainOptionsFrom(parsed({ optimizer: "adam" })).weightDecay, 0);
  assert.equal(trainOptionsFrom(parsed({})).weightDecay, 0);
  assert.equal(trainOptionsFrom(parsed({ optimizer: "adabound", "weight-decay": "5e-4" })).weightDecay, 5e-4);
});

test("--grad-clip: one row of the settings table, read, recorded in config.json, read back; older runs read 0", () => {
  const o = trainOptionsFrom(parsed({ "grad-clip": "0.5" }));
  assert.equal(o.gradClip, 0.5);
  assert.equal(trainOptionsFrom(parsed({})).gradClip, 0);
  assert.throws(
    () => trainOptionsFrom(parsed({ "grad-clip": "-1" })),
    /--grad-clip must be at least 0, got -1/,
  );
  const data = dataConfig(o, { valSplit: "stratified" }, { train: [1, 0, 0, 0, 0], val: [1, 0, 0, 0, 0] });
  const config = runConfig(o, data);
  assert.equal(config.optimizer.gradClip, 0.5);
  const stored = RunConfigSchema.parse(JSON.parse(JSON.stringify(config)));
  assert.equal(optionsFromRunConfig(stored, trainOptionsFrom(parsed({}))).gradClip, 0.5);
  const { gradClip: _, ...older } = stored.optimizer;
  assert.equal(RunConfigSchema.parse({ ...stored, optimizer: older }).optimizer.gradClip, 0);
  assert.match(settingHelp()["grad-clip"]!, /clip the gradients' total norm .* \(default 0: off\)/);
  assert.equal(SETTINGS.gradClip.onResume, "override");
});
