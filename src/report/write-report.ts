// `ecg report` as one service: reads the run directories, builds the page, writes it (by default into
// the first run's directory) and returns where. The page never goes over a file of a run it reads.
import { readdirSync } from "node:fs";
import path from "node:path";
import { writeFileOrFail } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { guardOutputs } from "../output-guard.js";
import { readRunDir } from "../run-dir/read.js";
import { REPORT_FILE } from "../run-dir/schema.js";
import { buildReportHtml } from "./report.js";

export async function writeRunReport(dirs: readonly string[], output?: string): Promise<string> {
  const runs = dirs.map((d) => ({ run: readRunDir(d), shownPath: displayPath(path.resolve(d)) }));
  const file = path.resolve(output ?? path.join(runs[0]!.run.dir, REPORT_FILE));
  // A run's files are the page's inputs; only an earlier page (.html) may be replaced.
  const inputs = runs.flatMap(({ run }) =>
    readdirSync(run.dir)
      .filter((f) => !f.endsWith(".html"))
      .map((f) => ({ file: path.join(run.dir, f), what: `a file of run ${displayPath(run.dir)}` })),
  );
  guardOutputs([{ file }], inputs);
  const html = await buildReportHtml(runs);
  writeFileOrFail(file, html, "report", displayPath(file));
  return file;
}
