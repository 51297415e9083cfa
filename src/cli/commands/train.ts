// `ecg train`: parses the options (the table of training settings, src/train/settings.ts), runs the
// training job (src/train/train-job.ts: here, as one rank, or as the launcher of this host's ranks)
// and prints its progress and results.
import path from "node:path";
import { formatReport } from "../../eval/metrics.js";
import { PRESET_NAMES } from "../../models/config.js";
import { RUN_FILES } from "../../run-dir/schema.js";
import type { TrainOptions } from "../../train/options.js";
import {
  givenSettings,
  settingHelp,
  settingOptionSpecs,
  trainOptionsFromArgs,
} from "../../train/setting-options.js";
import { type TrainJobHooks, trainJob } from "../../train/train-job.js";
import { boolOpt, stringOpt } from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import { LAUNCH_HELP, LAUNCH_OPTIONS, launchArgsFrom, launchSelf } from "../launch.js";
import { displayPath, info, println } from "../output.js";
import { formatDuration, ProgressBar } from "../progress.js";

/** A fraction as a percentage with one decimal. */
const pct = (v: number): string => (v * 100).toFixed(1);

export function trainOptionsFrom(args: ParsedArgs): TrainOptions {
  return trainOptionsFromArgs(args.values, {
    outDir: stringOpt(args, "out"),
    resume: boolOpt(args, "resume"),
    overwrite: boolOpt(args, "overwrite"),
  });
}

export const command: Command = {
  name: "train",
  summary: "train a model; writes a run directory (checkpoints, metrics log, config)",
  usage: `train --data DIR --preset ${PRESET_NAMES.join("|")} [--out DIR] [options]\n       ecg train --out DIR --resume [--override OPTIONS ...]`,
  options: {
    ...settingOptionSpecs(),
    out: { type: "string" },
    resume: { type: "boolean" },
    overwrite: { type: "boolean" },
    override: { type: "string" },
    "no-test": { type: "boolean" },
    ...LAUNCH_OPTIONS,
  },
  optionHelp: {
    ...settingHelp(),
    out: "run directory (default runs/<preset>-<time>); one that holds a run needs --resume or --overwrite",
    resume: "continue the run in --out from its last complete epoch, with the settings of its config.json",
    overwrite: "start afresh in an --out that holds a run (its run files are removed, nothing else)",
    override:
      "with --resume: the options that may differ from the run's, e.g. epochs,lr (recorded in config.json)",
    "no-test": "skip the final evaluation on mitbih_test.csv",
    ...LAUNCH_HELP,
  },
  examples: [
    "ecg train --data data/kaggle --preset compact --epochs 14 --out runs/compact-kaggle",
    "ecg train --data data/kaggle --preset compact --max-steps 50 --limit-beats 5000 --out runs/try --overwrite",
    "ecg train --out runs/compact-kaggle --resume",
    "ecg train --out runs/compact-kaggle --resume --epochs 30 --override epochs",
    "ecg train --data data/kaggle --preset compact --nproc 2 --threads 1 --out runs/compact-ddp",
    "ecg train --data data/interpatient --preset compact-rr-rel --balance 0.3 --augment --select sv-f1 --out runs/rr",
  ],
  async run(args) {
    const options = trainOptionsFrom(args);
    const launch = launchArgsFrom(args);
    const view = new TrainView();
    try {
      const job = await trainJob(
        {
          options,
          ...givenSettings(args.values, options.resume, stringOpt(args, "override")),
          test: !boolOpt(args, "no-test"),
          launch,
          threads: stringOpt(args, "threads"),
          relaunch: (replace) => launchSelf(["train"], args, command.options, launch, replace),
        },
        view.hooks,
      );
      if (job.role === "launcher" || !job.talks) {
        if (job.role === "rank" && job.stoppedQuietly) process.exitCode = 130;
        return;
      }
      const { training, test, options: o } = job.run;
      if (training.stoppedBy === "max-steps") info(`stopped at --max-steps ${o.maxSteps}`);
      info(
        `best epoch ${training.best.epoch} (validation ${o.select} ${training.best.score.toFixed(4)}) → ${displayPath(path.join(o.outDir, RUN_FILES.best))}`,
      );
      if (test) {
        println(`test set (${displayPath(test.file)}), best checkpoint:`);
        println(formatReport(test.report));
      }
    } finally {
      view.bar?.finish();
    }
  },
};

/** What rank 0 shows while it trains: the run, a progress bar per epoch, a line per epoch. */
class TrainView {
  bar: ProgressBar | undefined;
  private epochs = 0;
  private batch = 0;

  readonly hooks: TrainJobHooks = {
    onNote: (line) => info(line),
    onStart: (s) => {
      // A resumed run's settings come from its config.json: print those.
      const o = s.options;
      this.epochs = o.epochs;
      this.batch = o.batch;
      const start =
        s.startEpoch > o.epochs
          ? `; all ${o.epochs} epochs done`
          : s.startEpoch > 1
            ? `; resuming at epoch ${s.startEpoch}`
            : "";
      info(
        `training ${o.preset} (${s.params.toLocaleString("en-US")} parameters) on ${s.trainCount.toLocaleString("en-US")} beats, validating on ${s.valCount.toLocaleString("en-US")}` +
          (s.valRecords ? ` (records ${s.valRecords.join(" ")})` : "") +
          `; ${o.optimizer}, ${o.loss} loss, batch ${o.batch}, ${s.processes > 1 ? `${s.processes} processes × ` : ""}${o.threads} threads, ${o.device}${start}`,
      );
    },
    onBatch: (b) => {
      if (b.batch === 1)
        this.bar = new ProgressBar({
          label: `epoch ${b.epoch}/${this.epochs}`,
          total: b.batches * this.batch,
          unit: "beats",
        });
      this.bar?.update(b.batch * this.batch, `loss ${b.loss.toFixed(4)} acc ${(b.acc * 100).toFixed(2)}%`);
    },
    onEpoch: (m, isBest) => {
      this.bar?.finish();
      this.bar = undefined;
      const sv =
        m.valS && m.valV
          ? ` S ${pct(m.valS.se)}/${pct(m.valS.ppv)} V ${pct(m.valV.se)}/${pct(m.valV.ppv)}`
          : "";
      info(
        `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${(m.trainAcc * 100).toFixed(2)}% | val loss ${m.valLoss.toFixed(4)} ` +
          `acc ${(m.valAcc * 100).toFixed(2)}% macro-F1 ${m.valMacroF1.toFixed(4)}${sv}${isBest ? " (best)" : ""} | ${formatDuration(m.seconds)}, ${Math.round(m.samplesPerSec)} beats/s`,
      );
    },
    onTestStart: (file) => info(`scoring the best checkpoint on ${displayPath(file)}`),
  };
}
