// The shape of one sub-command of `ecg`. Each lives in src/cli/commands/<name>.ts (the two `ecg bench`
// commands are built by src/cli/bench-command.ts from their mode).
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  /** e.g. "data build", "train". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s), without the leading "usage: ecg". */
  usage: string;
  /**
   * Options as node:util parseArgs takes them. The dispatcher (main.ts) adds --help and --verbose to
   * every command; a command that prints results declares its own --json.
   */
  options: OptionSpec;
  /** Human description of each option, shown by --help. */
  optionHelp?: Record<string, string>;
  /** Example invocations, shown by --help. */
  examples: string[];
  /** Whether positional arguments are accepted. */
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<void>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  verbose: boolean;
}
