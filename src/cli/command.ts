// The shape of one sub-command of `ecg`. Each lives in src/cli/commands/<name>.ts.
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  /** e.g. "data build", "train". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s), without the leading "usage: ecg". */
  usage: string;
  /** Options as node:util parseArgs takes them; --help, --verbose and --json are added by the dispatcher where relevant. */
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
