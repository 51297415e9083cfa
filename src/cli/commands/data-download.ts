// `ecg data download`: fetch a PhysioNet database, every file SHA-256-verified, resumable.
import path from "node:path";
import { UsageError } from "../../errors.js";
import { listenForInterrupt, quitInterrupted } from "../../interrupt.js";
import { DEFAULT_MAX_FILE_BYTES, defaultBaseUrl, downloadDatabase } from "../../wfdb/physionet-download.js";
import { boolOpt, numberOpt, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info, printJson, println } from "../output.js";
import { formatCount, ProgressBar } from "../progress.js";

export const command: Command = {
  name: "data download",
  summary: "fetch a PhysioNet database, SHA256-verified, resumable",
  usage: "data download [--db mitdb] [--dest DIR] [--base-url URL] [--all] [--json]",
  options: {
    db: { type: "string" },
    dest: { type: "string" },
    "base-url": { type: "string" },
    all: { type: "boolean" },
    "max-file-mb": { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    db: "PhysioNet database name (default mitdb)",
    dest: "destination directory (default data/<db>)",
    "base-url": "where the files are (default https://physionet.org/files/<db>/1.0.0/)",
    all: "also fetch the files in the database's sub-directories",
    "max-file-mb": `refuse a file larger than this many MiB (default ${DEFAULT_MAX_FILE_BYTES / 2 ** 20})`,
    json: "print the summary as JSON",
  },
  examples: [
    "ecg data download                       # MIT-BIH into data/mitdb",
    "ecg data download --db mitdb --dest /data/mitdb --base-url http://mirror.example/mitdb/1.0.0/",
  ],
  async run(args) {
    const db = stringOpt(args, "db") ?? "mitdb";
    if (!/^[a-z0-9-]+$/i.test(db))
      throw new UsageError(`--db must be a PhysioNet database name like 'mitdb', got '${db}'`);
    const dest = path.resolve(stringOpt(args, "dest") ?? path.join("data", db));
    const baseUrl = stringOpt(args, "base-url") ?? defaultBaseUrl(db);
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol))
      throw new UsageError(`--base-url must be an http:// or https:// URL, got '${baseUrl}'`);
    let bar: ProgressBar | undefined;
    let done = 0;
    let bytes = 0;
    const start = performance.now();
    // Ctrl-C while waiting on the network: the .part files stay for the next run to resume.
    listenForInterrupt({
      onFirst: () => {
        bar?.finish();
        quitInterrupted("interrupted; run the same command again to resume");
      },
    });
    const summary = await downloadDatabase({
      baseUrl,
      dest,
      all: boolOpt(args, "all"),
      maxFileBytes: numberOpt(args, "max-file-mb", DEFAULT_MAX_FILE_BYTES / 2 ** 20, { min: 0 }) * 2 ** 20,
      onList: (entries) => {
        bar = new ProgressBar({ label: `${db}`, total: entries.length, unit: "files" });
      },
      onBytes: (n) => {
        bytes += n;
        bar?.update(done, `${formatCount(bytes)}B`);
      },
      onFile: (entry) => {
        done++;
        bar?.update(done, `${formatCount(bytes)}B ${entry.name}`);
      },
    });
    bar?.finish(`${formatCount(bytes)}B`);
    const seconds = (performance.now() - start) / 1000;
    if (args.values["json"] === true) {
      printJson({ db, dest: displayPath(dest), baseUrl, ...summary, seconds: Number(seconds.toFixed(2)) });
      return;
    }
    println(
      `${db}: ${summary.files} files verified in ${displayPath(dest)} (${summary.downloaded} downloaded, ${summary.resumed} resumed, ${summary.present} already present; ${formatCount(summary.bytes)}B fetched)`,
    );
    info(`done in ${seconds.toFixed(1)} s`);
  },
};
