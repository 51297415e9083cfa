// A training in a child process that kills itself (SIGKILL: no handler, no cleanup) right after a
// chosen file of a chosen epoch is committed, for the kill-consistency tests. Usage:
//   node dist/test/helpers/train-child.js '{"options": TrainOptions, "killAt": {"what": "metrics", "epoch": 2}}'
import type { TrainOptions } from "../../src/train/options.js";
import { trainRun } from "../../src/train/train-run.js";
import type { RunCommit } from "../../src/train/trainer.js";

const request = JSON.parse(process.argv[2]!) as {
  options: TrainOptions;
  killAt?: { what: RunCommit; epoch: number };
};
const { killAt } = request;
await trainRun(
  { options: request.options, test: false },
  {
    onCommit(what, epoch) {
      if (killAt && what === killAt.what && epoch === killAt.epoch) process.kill(process.pid, "SIGKILL");
    },
  },
);
