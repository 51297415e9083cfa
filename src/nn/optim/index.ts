export { AdaBound, type AdaBoundOptions } from "./adabound.js";
export { Adam, type AdamOptions, AdamW } from "./adam.js";
export { Optimizer } from "./optimizer.js";
export { SCHEDULE_NAMES, type ScheduleName, type ScheduleOptions, scheduledLr } from "./schedule.js";
