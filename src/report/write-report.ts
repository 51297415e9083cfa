// `ecg report` as one service: reads the run directories, builds the page, writes it (by default into
// the first run's directory) and returns where. The page never goes over a file of a run it reads.
// With `views` (the records' directory), it also writes the viewer page of each record its
// misclassified beats come from, labelled by the run's best checkpoint, into views/ beside the page
// (views/<run>/ for two runs), and links each beat to its place there.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { writeFileOrFail } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { WHOLE_RECORD_PROTOCOL } from "../eval/bxb-protocol.js";
import { recordFiles } from "../io/read-record.js";
import { type GuardedInput, guardOutputs } from "../output-guard.js";
import { type RunDir, readRunDir } from "../run-dir/read.js";
import { REPORT_FILE, RUN_FILES } from "../run-dir/schema.js";
import { buildReportHtml, type ReportRun, runLabels, slug } from "./report.js";
import { viewRecordPage } from "./view-record.js";

export interface ReportWriteOptions {
  output?: string;
  /** The directory of the records the runs' beats come from (MIT-BIH): write their viewer pages. */
  views?: string;
  /** Hears each viewer page written. */
  onView?: (done: number, total: number) => void;
  /** Lines for the user (a run without a checkpoint to label its pages). */
  onNote?: (line: string) => void;
}

/** The records a run's misclassified beats come from, in order of first appearance. */
function misclassifiedRecords(run: RunDir): string[] {
  return [...new Set((run.misclassified ?? []).flatMap((b) => (b.record !== undefined ? [b.record] : [])))];
}

export async function writeRunReport(
  dirs: readonly string[],
  opts: ReportWriteOptions = {},
): Promise<string> {
  const runs: ReportRun[] = dirs.map((d) => ({
    run: readRunDir(d),
    shownPath: displayPath(path.resolve(d)),
  }));
  const file = path.resolve(opts.output ?? path.join(runs[0]!.run.dir, REPORT_FILE));
  const labels = runLabels(runs.map((r) => r.run));
  // Viewer pages: views/ beside the report, one folder per run when there are two.
  const plans =
    opts.views === undefined
      ? []
      : runs.map((r, i) => viewPlan(r.run, file, runs.length > 1 ? labels[i]! : undefined, opts.views!));
  // A run's files are the page's inputs (only an earlier page, .html, may be replaced); so are the
  // records and checkpoints the viewer pages read.
  const inputs: GuardedInput[] = runs.flatMap(({ run }) =>
    readdirSync(run.dir)
      .filter((f) => !f.endsWith(".html"))
      .map((f) => ({ file: path.join(run.dir, f), what: `a file of run ${displayPath(run.dir)}` })),
  );
  for (const plan of plans) for (const p of plan.pages) inputs.push(...recordFiles(p.recordPath, ["atr"]));
  guardOutputs(
    [
      { file },
      ...plans.flatMap((plan) => plan.pages.map((p) => ({ file: p.file, for: `record ${p.record}` }))),
    ],
    inputs,
  );
  const total = plans.reduce((n, plan) => n + plan.pages.length, 0);
  let done = 0;
  for (const [i, plan] of plans.entries()) {
    if (plan.pages.length === 0) continue;
    if (plan.model === undefined)
      opts.onNote?.(
        `note: ${displayPath(runs[i]!.run.dir)} has no ${RUN_FILES.best}: its viewer pages show the reference labels only`,
      );
    const views = new Map<string, string>();
    const { loadRecordClassifier } = await import("../record/classify-records.js");
    const classifier = plan.model !== undefined ? await loadRecordClassifier(plan.model) : undefined;
    try {
      for (const p of plan.pages) {
        const page = await viewRecordPage({
          recordPath: p.recordPath,
          protocol: WHOLE_RECORD_PROTOCOL,
          ...(plan.model !== undefined && classifier !== undefined
            ? { modelFile: plan.model, classifier }
            : {}),
        });
        writeFileOrFail(p.file, page.html, "viewer page", displayPath(p.file));
        views.set(p.record, path.relative(path.dirname(file), p.file).split(path.sep).join("/"));
        opts.onView?.(++done, total);
      }
    } finally {
      classifier?.dispose();
    }
    runs[i] = { ...runs[i]!, views };
  }
  const html = await buildReportHtml(runs);
  writeFileOrFail(file, html, "report", displayPath(file));
  return file;
}

interface ViewPlan {
  /** The run's best checkpoint, when it has one. */
  model: string | undefined;
  pages: { record: string; recordPath: string; file: string }[];
}

/** Which viewer pages a run's report needs, where they go; a record missing from `recordsDir` is refused. */
function viewPlan(run: RunDir, reportFile: string, label: string | undefined, recordsDir: string): ViewPlan {
  const best = path.join(run.dir, RUN_FILES.best);
  const folder = path.join(path.dirname(reportFile), "views", ...(label !== undefined ? [slug(label)] : []));
  const pages = misclassifiedRecords(run).map((record) => {
    // A name, never a path: a page is written under it.
    if (!/^[A-Za-z0-9_-]+$/.test(record))
      throw new UserError(
        `${displayPath(path.join(run.dir, RUN_FILES.misclassified))}: '${record}' is not a record name`,
        path.join(run.dir, RUN_FILES.misclassified),
      );
    const recordPath = path.join(recordsDir, record);
    if (!existsSync(`${recordPath}.hea`))
      throw new UserError(
        `${displayPath(`${recordPath}.hea`)}: no such record, which ${displayPath(run.dir)}'s misclassified beats come from (--views names the records' directory)`,
        `${recordPath}.hea`,
      );
    return { record, recordPath, file: path.join(folder, `${record}-view.html`) };
  });
  return { model: existsSync(best) ? best : undefined, pages };
}
