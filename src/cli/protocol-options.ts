// Options shared by the commands that score beats against a reference (classify, compare): the
// scoring protocol, EC57's by default (eval/bxb-protocol.ts).

import { UsageError } from "../errors.js";
import {
  EC57_PROTOCOL,
  LEARNING_PERIOD_SECONDS,
  MATCH_WINDOW_MS,
  type ScoringProtocol,
} from "../eval/bxb-protocol.js";
import { boolOpt, numberOpt } from "./args.js";
import type { OptionSpec, ParsedArgs } from "./command.js";

export const PROTOCOL_OPTIONS: OptionSpec = {
  from: { type: "string" },
  "whole-record": { type: "boolean" },
  window: { type: "string" },
};

export const PROTOCOL_OPTION_HELP: Record<string, string> = {
  from: `start of the comparison in seconds (default ${LEARNING_PERIOD_SECONDS}: EC57's learning period, as bxb and papers score)`,
  "whole-record": "compare from sample 0 (the same as --from 0)",
  window: `match window in ms (default ${MATCH_WINDOW_MS})`,
};

export function protocolFrom(args: ParsedArgs): ScoringProtocol {
  const whole = boolOpt(args, "whole-record");
  if (whole && args.values["from"] !== undefined)
    throw new UsageError("give --from or --whole-record, not both");
  return {
    matchWindowMs: numberOpt(args, "window", EC57_PROTOCOL.matchWindowMs, { min: 1 }),
    startSeconds: whole ? 0 : numberOpt(args, "from", EC57_PROTOCOL.startSeconds, { min: 0 }),
  };
}
