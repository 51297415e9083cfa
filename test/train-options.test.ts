// `ecg train`'s options: what the trainer gets when a flag is given or left out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainOptionsFrom } from "../src/cli/commands/train.js";
import { ADAMW_WEIGHT_DECAY } from "../src/nn/optim/index.js";

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
