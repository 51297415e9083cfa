// The `ecg` dispatcher: finds the sub-command, parses its options, maps errors to exit codes.
// Exit codes (see ../shared/spec/cli.md): 0 success, 1 user error, 2 usage error, 130 interrupted.
import { parseArgs } from "node:util";
import { EcgError, isOutOfMemory, UsageError, writeErrorLine } from "../errors.js";
import { PROJECT_VERSION } from "../version.js";
import type { Command, OptionSpec } from "./command.js";
import { info, println } from "./output.js";
import { didYouMean } from "./suggest.js";

/** Every sub-command, loaded lazily so that `ecg detect` never loads libtorch. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  "data download": () => import("./commands/data-download.js"),
  "data build": () => import("./commands/data-build.js"),
  "data info": () => import("./commands/data-info.js"),
  train: () => import("./commands/train.js"),
  eval: () => import("./commands/eval.js"),
  predict: () => import("./commands/predict.js"),
  ensemble: () => import("./commands/ensemble.js"),
  report: () => import("./commands/report.js"),
  detect: () => import("./commands/detect.js"),
  classify: () => import("./commands/classify.js"),
  compare: () => import("./commands/compare.js"),
  view: () => import("./commands/view.js"),
  "bench train": () => import("./commands/bench-train.js"),
  "bench infer": () => import("./commands/bench-infer.js"),
  "bench ops": () => import("./commands/bench-ops.js"),
};

const COMMON: OptionSpec = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean" },
};

function findCommand(argv: string[]): { key: string; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(" ");
  if (argv.length >= 2 && COMMANDS[two]) return { key: two, rest: argv.slice(2) };
  if (argv.length >= 1 && COMMANDS[argv[0]!]) return { key: argv[0]!, rest: argv.slice(1) };
  return undefined;
}

/** Groups of sub-commands ("data", "bench"): the first word of two-word commands. */
function groups(): string[] {
  return [...new Set(Object.keys(COMMANDS).flatMap((k) => (k.includes(" ") ? [k.split(" ")[0]!] : [])))];
}

async function commandList(keys: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const key of keys) {
    const { command } = await COMMANDS[key]!();
    lines.push(`  ${key.padEnd(15)} ${command.summary}`);
  }
  return lines;
}

async function topHelp(): Promise<string> {
  return [
    "usage: ecg <command> [options]",
    "",
    "commands:",
    ...(await commandList(Object.keys(COMMANDS))),
    "",
    "Run `ecg <command> --help` for the options and an example; `ecg --version` for the version.",
  ].join("\n");
}

async function groupHelp(group: string): Promise<string> {
  const keys = Object.keys(COMMANDS).filter((k) => k.startsWith(`${group} `));
  return [
    `usage: ecg ${group} <${keys.map((k) => k.slice(group.length + 1)).join("|")}> [options]`,
    "",
    "commands:",
    ...(await commandList(keys)),
    "",
    `Run \`ecg ${group} <command> --help\` for the options and an example.`,
  ].join("\n");
}

/** The usage error for words that name no command, with the closest command when one is close. */
function unknownCommand(argv: readonly string[]): UsageError {
  const group = groups().includes(argv[0]!) ? argv[0]! : undefined;
  const typed = group !== undefined ? argv.slice(0, 2).join(" ") : argv[0]!;
  const names = group !== undefined ? Object.keys(COMMANDS) : [...Object.keys(COMMANDS), ...groups()];
  return new UsageError(
    `unknown command '${typed}'${didYouMean(typed, names)} (run \`ecg --help\` for the list)`,
  );
}

let pipesWatched = false;

/** Ends the process quietly when the reader of stdout (or stderr) goes away: `ecg … | head`. */
function quietOnClosedPipe(): void {
  if (pipesWatched) return;
  pipesWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

export function commandHelp(cmd: Command): string {
  const lines = [`usage: ecg ${cmd.usage}`, "", cmd.summary];
  const names = Object.keys(cmd.options);
  if (names.length > 0) {
    lines.push("", "options:");
    for (const name of names) {
      const spec = cmd.options[name]!;
      const flag = `--${name}${spec.type === "string" ? " <value>" : ""}`;
      lines.push(`  ${flag.padEnd(26)} ${cmd.optionHelp?.[name] ?? ""}`.trimEnd());
    }
  }
  lines.push(
    `  ${"--verbose".padEnd(26)} show stack traces on errors`,
    `  ${"-h, --help".padEnd(26)} this help`,
  );
  if (cmd.examples.length > 0) lines.push("", "examples:", ...cmd.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/** Runs the CLI and returns the exit code (the caller sets process.exitCode). */
export async function runCli(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  quietOnClosedPipe();
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      println(await topHelp());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === "--version" || argv[0] === "-V") {
      println(`ecg-beats ${PROJECT_VERSION}`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const first = argv[0]!;
      const second = argv[1];
      if (groups().includes(first) && (second === undefined || second === "--help" || second === "-h")) {
        println(await groupHelp(first));
        return second === undefined ? 2 : 0;
      }
      throw unknownCommand(argv);
    }
    const { command } = await COMMANDS[found.key]!();
    const options = { ...COMMON, ...command.options };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: found.rest,
        options,
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const unknown = /^Unknown option '-{1,2}([^']*)'/.exec(err.message)?.[1];
      const hint =
        err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== undefined
          ? didYouMean(unknown, Object.keys(options), "--")
          : "";
      throw new UsageError(`${err.message.split(/\n|\. /)[0]}${hint} (see \`ecg ${command.name} --help\`)`);
    }
    if (parsed.values["help"] === true) {
      println(commandHelp(command));
      return 0;
    }
    await command.run({ values: parsed.values, positionals: parsed.positionals, verbose });
    // A command that ends early on purpose (Ctrl-C: 130) says so through process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    return reportError(e, verbose);
  }
}

function reportError(e: unknown, verbose: boolean): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = err instanceof EcgError ? err.exitCode : 1;
  const firstLine = err.message.split("\n")[0];
  // A failed allocation is the machine's limit, not a bug: one line, as a user error is.
  const outOfMemory = !(err instanceof EcgError) && isOutOfMemory(err);
  const message = outOfMemory ? `out of memory (${firstLine})` : firstLine;
  const to = writeErrorLine(message ?? "", code);
  if (verbose && err.stack) info(err.stack);
  else if (to === "stderr" && !(err instanceof EcgError) && !outOfMemory) {
    info("(an unexpected error: run again with --verbose for the stack trace)");
  }
  return code;
}
