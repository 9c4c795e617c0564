/**
 * Learning-rate schedules, applied per epoch: step decay, cosine annealing
 * (optional linear warm-up) and reduce-on-plateau (the study's "LR
 * regularisation"). A schedule's state is plain JSON so a resumed run
 * continues with the same rates.
 */
import { defaultMode, isImprovement, MonitorMode, readMetric } from "./monitor";

export type ScheduleConfig =
  | { kind: "constant" }
  /** lr · gamma^⌊epoch / everyEpochs⌋ */
  | { kind: "step"; everyEpochs: number; gamma: number }
  /** Linear warm-up, then half-cosine from lr down to minLr over the remaining epochs. */
  | { kind: "cosine"; epochs: number; minLr?: number; warmupEpochs?: number }
  /** Multiply by factor once more than `patience` epochs in a row failed to improve `monitor` (PyTorch semantics). */
  | { kind: "plateau"; monitor: string; mode?: MonitorMode; factor: number; patience: number; minDelta?: number; minLr?: number; cooldown?: number };

export interface ScheduleState {
  lr: number;
  best: number | null;
  wait: number;
  cooldownLeft: number;
}

export interface LrSchedule {
  /** The learning rate for epoch `epoch` (0-based). */
  learningRate(epoch: number): number;
  /** Feeds the finished epoch's record (reduce-on-plateau reacts to it). */
  observe(record: Readonly<Record<string, number>>): void;
  state(): ScheduleState;
  restore(state: ScheduleState): void;
}

function positive(value: number, name: string): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`schedule.${name} must be a positive number, got ${value}`);
}

export function validateSchedule(config: ScheduleConfig): void {
  switch (config.kind) {
    case "constant":
      return;
    case "step":
      positive(config.everyEpochs, "everyEpochs");
      positive(config.gamma, "gamma");
      return;
    case "cosine":
      positive(config.epochs, "epochs");
      if ((config.warmupEpochs ?? 0) < 0) throw new Error(`schedule.warmupEpochs must be ≥ 0, got ${config.warmupEpochs}`);
      return;
    case "plateau":
      if (!(config.factor > 0 && config.factor < 1)) throw new Error(`schedule.factor must be in (0, 1), got ${config.factor}`);
      if (!(config.patience >= 0)) throw new Error(`schedule.patience must be ≥ 0, got ${config.patience}`);
      return;
    default:
      throw new Error(`schedule.kind must be constant, step, cosine or plateau, got ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

export function createSchedule(config: ScheduleConfig, baseLr: number): LrSchedule {
  validateSchedule(config);
  let state: ScheduleState = { lr: baseLr, best: null, wait: 0, cooldownLeft: 0 };
  const fixed = (rate: (epoch: number) => number): LrSchedule => ({
    learningRate: rate,
    observe: () => undefined,
    state: () => ({ ...state }),
    restore: (saved) => {
      state = { ...saved };
    },
  });
  switch (config.kind) {
    case "constant":
      return fixed(() => baseLr);
    case "step":
      return fixed((epoch) => baseLr * Math.pow(config.gamma, Math.floor(epoch / config.everyEpochs)));
    case "cosine": {
      const minLr = config.minLr ?? 0;
      const warmup = config.warmupEpochs ?? 0;
      return fixed((epoch) => {
        if (epoch < warmup) return (baseLr * (epoch + 1)) / (warmup + 1);
        const span = Math.max(1, config.epochs - warmup);
        const t = Math.min(1, (epoch - warmup) / span);
        return minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * t))) / 2;
      });
    }
    case "plateau": {
      const mode = config.mode ?? defaultMode(config.monitor);
      return {
        learningRate: () => state.lr,
        observe(record) {
          const value = readMetric(record, config.monitor, "reduce-on-plateau schedule");
          if (isImprovement(value, state.best, mode, config.minDelta ?? 0)) {
            state.best = value;
            state.wait = 0;
          } else if (state.cooldownLeft > 0) {
            state.cooldownLeft -= 1;
          } else {
            state.wait += 1;
            if (state.wait > config.patience) {
              state.lr = Math.max(config.minLr ?? 0, state.lr * config.factor);
              state.wait = 0;
              state.cooldownLeft = config.cooldown ?? 0;
            }
          }
        },
        state: () => ({ ...state }),
        restore: (saved) => {
          state = { ...saved };
        },
      };
    }
  }
}
