// Learning-rate schedules: a pure function of progress, applied by the training loop to optimizer.lr.

export const SCHEDULE_NAMES = ["constant", "cosine", "step"] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export interface ScheduleOptions {
  name: ScheduleName;
  /** Total steps of training (for cosine). */
  totalSteps: number;
  /** Linear warm-up steps from lr/10 (0 for none). */
  warmupSteps?: number;
  /** Cosine: the floor as a fraction of the base lr. */
  minFactor?: number;
  /** Step: multiply by gamma every stepSize steps. */
  stepSize?: number;
  gamma?: number;
}

/** The learning rate at a step (0-based), for a base learning rate. */
export function scheduledLr(base: number, step: number, opts: ScheduleOptions): number {
  const warm = opts.warmupSteps ?? 0;
  if (warm > 0 && step < warm) return base * (0.1 + (0.9 * step) / warm);
  switch (opts.name) {
    case "constant":
      return base;
    case "cosine": {
      const span = Math.max(1, opts.totalSteps - warm);
      const progress = Math.min(1, (step - warm) / span);
      const min = opts.minFactor ?? 0;
      return base * (min + ((1 - min) * (1 + Math.cos(Math.PI * progress))) / 2);
    }
    case "step":
      return base * (opts.gamma ?? 0.1) ** Math.floor(step / Math.max(1, opts.stepSize ?? opts.totalSteps));
  }
}
