export { AdaBound, type AdaBoundOptions, adaBoundStep } from "./adabound.js";
export { ADAMW_WEIGHT_DECAY, Adam, type AdamOptions, AdamW, adamStep } from "./adam.js";
export { Optimizer } from "./optimizer.js";
export { SCHEDULE_NAMES, type ScheduleName, type ScheduleOptions, scheduledLr } from "./schedule.js";
