// The `ecg` dispatcher: finds the sub-command, parses its options, maps errors to exit codes.
// Exit codes (see ../shared/spec/cli.md): 0 success, 1 user error, 2 usage error.
import { parseArgs } from "node:util";
import { EcgError } from "../errors.js";
import type { Command, OptionSpec } from "./command.js";
import { UsageError } from "./errors.js";

/** Every sub-command, loaded lazily so that `ecg detect` never loads libtorch. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  "data download": () => import("./commands/data-download.js"),
  "data build": () => import("./commands/data-build.js"),
  "data info": () => import("./commands/data-info.js"),
  train: () => import("./commands/train.js"),
  eval: () => import("./commands/eval.js"),
  predict: () => import("./commands/predict.js"),
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

async function topHelp(): Promise<string> {
  const lines = ["usage: ecg <command> [options]", "", "commands:"];
  for (const [key, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${key.padEnd(15)} ${command.summary}`);
  }
  lines.push("", "Run `ecg <command> --help` for the options and an example.");
  return lines.join("\n");
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
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      process.stdout.write(`${await topHelp()}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    const found = findCommand(argv);
    if (!found)
      throw new UsageError(
        `unknown command '${argv.slice(0, 2).join(" ")}'; run \`ecg --help\` for the list`,
      );
    const { command } = await COMMANDS[found.key]!();
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: found.rest,
        options: { ...COMMON, ...command.options },
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split("\n")[0]} (see \`ecg ${command.name} --help\`)`);
    }
    if (parsed.values["help"] === true) {
      process.stdout.write(`${commandHelp(command)}\n`);
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
  const prefix = code === 2 ? "usage error" : code === 130 ? "stopped" : "error";
  const firstLine = err.message.split("\n")[0];
  process.stderr.write(`ecg: ${prefix}: ${firstLine}\n`);
  if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (!(err instanceof EcgError)) {
    process.stderr.write("(an unexpected error: run again with --verbose for the stack trace)\n");
  }
  return code;
}
