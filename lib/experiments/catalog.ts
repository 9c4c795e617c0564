/**
 * The study's stages (see STUDY.md) as named configs, each in four
 * profiles: `full` (the study's settings), `paper` (standard's training,
 * more seeds in the seed studies), `standard` (designed to converge
 * on 2 cores: every image of the embedded real PneumoniaMNIST at 32 px,
 * Adam, early stopping and the best checkpoint chosen on val; the main job's
 * default) and `quick` (32 px, a few batches, 2 epochs: seconds per
 * experiment, for tests and a first look at a notebook).
 */
import { AugmentationChoice, EXPERIMENT_NAMES, ExperimentConfig, ExperimentName, Profile, PROFILES } from "./config";

/** The study's Model 2 / final optimizer (SGD, lr 1e-4, momentum 0.8). */
const STUDY_OPTIMIZER = { kind: "sgd", lr: 1e-4, momentum: 0.8 } as const;
/** SGD at lr 1e-4 barely moves in the quick profile's dozen steps; Adam shows learning curves there. */
const QUICK_OPTIMIZER = { kind: "adam", lr: 1e-3, momentum: 0.8 } as const;

/** Moving BatchNorm statistics that settle within the quick profile's few steps (see ExperimentConfig.batchNormMomentum). */
const QUICK_BATCH_NORM_MOMENTUM = 0.5;

const NO_AUGMENTATION: AugmentationChoice = { enabled: false, flipProbability: 0.5, maxRotationDegrees: 10, cropAreaMin: 0.8, brightness: 0.1, contrast: 0.2 };
const STUDY_AUGMENTATION: AugmentationChoice = { ...NO_AUGMENTATION, enabled: true };

/** The final stage's regularisation: reduce-on-plateau LR, dropout (model defaults 0.5 / 0.3), weight decay, augmentation. */
const FINAL_SCHEDULE = { kind: "plateau", monitor: "val_loss", factor: 0.5, patience: 2, minLr: 1e-6 } as const;

type Stage = Omit<ExperimentConfig, "profile">;

/** The full profile's shared settings (the pneumonia stages'; CIFAR overrides its data, batch and optimizer). */
const STUDY_DEFAULTS = {
  seed: 42,
  teacherSeed: null,
  epochs: 25,
  batchSize: 32,
  dataset: { kind: "chest-xray", inputSize: 224, trainLimit: null, validationLimit: null, testLimit: null, valFraction: 0.1, classWeights: "none" },
  optimizer: { ...STUDY_OPTIMIZER },
  schedule: { kind: "constant" },
  regularisation: { weightDecay: 0 },
  augmentation: { ...NO_AUGMENTATION },
  distillation: { method: "kd", params: { temperature: 4, alpha: 0.5 }, cacheTeacherOutputs: true },
  earlyStoppingPatience: null,
  batchNormMomentum: null,
  checkpoints: true,
  trainStep: "auto",
} as const satisfies Partial<Stage>;

const model = (name: ExperimentConfig["student"]["model"], dropout: number | null = null): ExperimentConfig["student"] => ({ model: name, dropout, backboneWeights: null });

function fullStage(name: ExperimentName): Stage {
  switch (name) {
    case "cifar10-teacher-student":
      return {
        ...STUDY_DEFAULTS,
        name,
        description: "Stage 1: CIFAR-10 teacher (10 conv, 1 pool, FC 256) distilled into a student (3 conv, 1 pool, FC 256); 32×32 colour",
        batchSize: 64,
        dataset: { kind: "cifar10", inputSize: 32, trainLimit: null, validationLimit: null, testLimit: null, valFraction: 0.1, classWeights: "none" },
        teacher: model("cifar-teacher"),
        student: model("cifar-student"),
        // The study does not give CIFAR's optimizer; SGD at 1e-4 would not reach its 73 % in 25 epochs.
        optimizer: { kind: "adam", lr: 1e-3, momentum: 0.8 },
      };
    case "cifar10-student-alone":
      return {
        ...fullStage("cifar10-teacher-student"),
        name,
        description: "Stage 1's CIFAR-10 student trained alone (no teacher: cross-entropy only), the baseline its distilled students are compared with",
        teacher: null,
        distillation: { method: "none", params: {}, cacheTeacherOutputs: false },
      };
    case "pneumonia-model1-pretrained":
      return {
        ...STUDY_DEFAULTS,
        name,
        description: "Stage 2 (Model 1): DenseNet121 teacher and MobileNetV2 student, backbones frozen (ImageNet weights when teacher/student.backboneWeights name a .h5 file, else random init), one FC layer",
        teacher: model("pneumonia-teacher-model1"),
        student: model("pneumonia-student-model1"),
      };
    case "pneumonia-model2":
      return {
        ...STUDY_DEFAULTS,
        name,
        description: "Stage 3 (Model 2): from scratch; DenseNet121 + dropout 0.5 + conv 512 + maxpool 7 + FC 64 + FC 2 teacher, MobileNetV2 + GAP + FC 512 + FC 2 student; SGD 1e-4 momentum 0.8, 25 epochs",
        teacher: model("pneumonia-teacher-model2", 0.5),
        student: model("pneumonia-student-model2"),
      };
    case "pneumonia-final":
      return {
        ...STUDY_DEFAULTS,
        name,
        description: "Stage 4 (final): Model 2 plus reduce-on-plateau LR, dropout (teacher 0.5, student 0.3), weight decay 1e-4 and augmentation; 25 epochs",
        teacher: model("pneumonia-teacher-final", 0.5),
        student: model("pneumonia-student-final", 0.3),
        schedule: { ...FINAL_SCHEDULE },
        regularisation: { weightDecay: 1e-4 },
        augmentation: { ...STUDY_AUGMENTATION },
      };
    case "pneumonia-student-alone":
      return {
        ...fullStage("pneumonia-final"),
        name,
        description: "Stage 5: the final stage's student trained alone (no teacher: cross-entropy only), to compare with the distilled student of pneumonia-final",
        teacher: null,
        distillation: { method: "none", params: {}, cacheTeacherOutputs: false },
      };
  }
}

/** The quick profile: the same stage, shrunk (a handful of batches per epoch, 2 epochs, 32 px). */
function quickStage(name: ExperimentName): Stage {
  const full = fullStage(name);
  const cifar = full.dataset.kind === "cifar10";
  return {
    ...full,
    epochs: 2,
    batchSize: cifar ? 16 : 8,
    dataset: { ...full.dataset, inputSize: 32, trainLimit: cifar ? 64 : 16, validationLimit: cifar ? 16 : 8, testLimit: cifar ? 64 : 16 },
    optimizer: { ...QUICK_OPTIMIZER },
    schedule: full.schedule.kind === "plateau" ? { ...full.schedule, patience: 0 } : full.schedule,
    batchNormMomentum: QUICK_BATCH_NORM_MOMENTUM,
    checkpoints: false,
  };
}

/**
 * Designed, not shrunk (see DESIGN.md "Real data"): the study's SGD at 1e-4
 * stays at the majority class for many epochs, so standard trains with Adam
 * at 1e-3 on batches of 64 — 74 steps an epoch on PneumoniaMNIST's 4,708
 * training images — and keeps each stage's architecture, dropout, weight
 * decay and schedule. BatchNorm's moving statistics at momentum 0.9 settle
 * within an epoch. Augmentation is off in the pneumonia stages: with it the
 * teacher must run live on every student batch (a distilled epoch costs
 * twice an alone one, 34 s vs 17 s here), without it its logits are computed
 * once; the full profile keeps the study's augmentation. Epochs and
 * patience were chosen on val: in a 5-epoch run (2026-12-01) the val loss
 * of teachers and students was at its best by epoch 2–4 and val AUC ≥ 0.97
 * from epoch 2, so 4 epochs with early stopping (patience 2, best epoch
 * restored) and the plateau schedule
 * halving the rate after each epoch without a better val loss (patience 0;
 * at 1 it could only act on the epoch early stopping ends). Model 1's
 * frozen random backbones stay at the majority class however long they
 * train: 2 epochs show it. CIFAR-10 runs on the shipped partial real set
 * (4,660 train images, 10 % of them held out for val) unless the full set
 * is in data/. The test split only reports.
 *
 * CIFAR-10's recipe was chosen on val for its teacher (2026-12-05, partial
 * real CIFAR-10, 4,194 train / 466 val, seeds 42 and 43;
 * bench/results/teacher-recipes-2026-12-05.md): at 8 epochs without
 * augmentation the 10-conv teacher was still learning (best epoch 7–8 of 8,
 * train accuracy 0.58) and reached val 45.9 % against the student alone's
 * 51.9 %. The study's augmentation (flip, crop, rotation, brightness,
 * contrast) with 20 epochs of cosine decay and early stopping at patience 5
 * gave the best recipe of the candidates: val 56.2 % (seed 42: 54.9 %,
 * where 40 epochs gave 51.3 %, Adam 5e-4 53.9 %, 2e-3 diverged, dropout 0.5
 * 51.7 %, weight decay 5e-4 54.3 %). The same recipe lifts the student alone
 * to 60.3 %, so the study's plain 10-conv teacher still trailed its student
 * (−4.1 points). With batch norm after each of its 10 convolutions
 * (cifar-teacher-bn; 2026-12-06, same recipe, seeds 42 and 43) the teacher
 * reaches val 65.0 % (64.2, 65.9): +4.7 points over the student alone, so
 * standard and paper train that teacher; full keeps the study's plain one.
 * Augmentation makes the distilled student run the teacher live on every
 * batch. The pneumonia stages' recipe already gives teachers above the
 * student alone on val and is unchanged: final teacher 95.4 %, AUC 0.994;
 * Model 2 teacher 95.7 %, AUC 0.992; final student alone 93.4 %, AUC 0.976.
 */
const STANDARD_OPTIMIZER = { kind: "adam", lr: 1e-3, momentum: 0.8 } as const;
const STANDARD_BATCH_NORM_MOMENTUM = 0.9;
/** CIFAR-10's standard epochs, the cosine schedule's length (chosen on val, above). */
const CIFAR_STANDARD_EPOCHS = 20;

function standardStage(name: ExperimentName): Stage {
  const full = fullStage(name);
  const cifar = full.dataset.kind === "cifar10";
  return {
    ...full,
    // The teacher recipe chosen on val (above): batch norm lets the 10-conv teacher beat its student on 4k images.
    teacher: full.teacher && cifar ? { ...full.teacher, model: "cifar-teacher-bn" } : full.teacher,
    epochs: cifar ? CIFAR_STANDARD_EPOCHS : name === "pneumonia-model1-pretrained" ? 2 : 4,
    batchSize: 64,
    // The full CIFAR-10 has 50,000 training images: 10,000 of them bound the stage's time (the partial default has 4,660; its batch-norm teacher's 20 epochs take 5–6 min on 2 cores).
    dataset: { ...full.dataset, inputSize: 32, trainLimit: cifar ? 10000 : null, validationLimit: null, testLimit: null },
    optimizer: { ...STANDARD_OPTIMIZER },
    schedule: cifar ? { kind: "cosine", epochs: CIFAR_STANDARD_EPOCHS } : full.schedule.kind === "plateau" ? { ...full.schedule, patience: 0 } : full.schedule,
    augmentation: cifar ? { ...STUDY_AUGMENTATION } : { ...full.augmentation, enabled: false },
    batchNormMomentum: STANDARD_BATCH_NORM_MOMENTUM,
    earlyStoppingPatience: cifar ? 5 : 2,
    checkpoints: true,
  };
}

/** The seed studies: 05 (student alone vs distilled), 07 (distillation methods), 08 (the temperature × α sweep). */
export const SEED_STUDIES = ["alone-vs-distilled", "methods", "sweep"] as const;
export type SeedStudy = (typeof SEED_STUDIES)[number];

/**
 * Seeds a seed study repeats each run over when the notebook leaves the
 * count to the profile (seeds = null). quick: 1 (nothing can be judged, and
 * is marked n = 1). standard, the main job: 3 for 05, the study's claim
 * (with a paired sd of 2 points 3 seeds detect only ≥ 6 points), and 1 for
 * 07 and 08, which then screen (every method and setting once, marked
 * n = 1): at 3 seeds they took 29 of the job's 54 minutes on 2 cores, and
 * the job must fit 30. paper: 10 everywhere (the same sd: ≥ 2.1 points),
 * for the intervals the main job leaves out. full: 3, as the study.
 */
export const PROFILE_SEEDS: Readonly<Record<Profile, Readonly<Record<SeedStudy, number>>>> = {
  quick: { "alone-vs-distilled": 1, methods: 1, sweep: 1 },
  standard: { "alone-vs-distilled": 3, methods: 1, sweep: 1 },
  paper: { "alone-vs-distilled": 10, methods: 10, sweep: 10 },
  full: { "alone-vs-distilled": 3, methods: 3, sweep: 3 },
};

/** A seed study's seed count: the notebook's own when given, else the profile's (PROFILE_SEEDS; null or undefined). */
export function profileSeeds(profile: Profile, study: SeedStudy, requested: number | null | undefined = null): number {
  if (requested === null || requested === undefined) return PROFILE_SEEDS[profile][study];
  if (!(Number.isInteger(requested) && requested > 0)) throw new Error(`seeds must be a positive integer (or null for the ${profile} profile's ${PROFILE_SEEDS[profile][study]}), got ${requested}`);
  return requested;
}

export function isExperimentName(name: string): name is ExperimentName {
  return (EXPERIMENT_NAMES as readonly string[]).includes(name);
}

/** The one wording for a name that is not an experiment, listing the known ones (CLI, sweep spec, getExperiment). */
export function unknownExperimentMessage(name: string): string {
  return `unknown experiment "${name}"; known: ${EXPERIMENT_NAMES.join(", ")}`;
}

export function isProfile(name: string): name is Profile {
  return (PROFILES as readonly string[]).includes(name);
}

/** A fresh copy of an experiment's config; unknown names throw, listing the known ones. */
export function getExperiment(name: string, profile: Profile = "quick"): ExperimentConfig {
  if (!isExperimentName(name)) throw new Error(unknownExperimentMessage(name));
  if (!isProfile(profile)) throw new Error(`unknown profile "${String(profile)}"; known: ${PROFILES.join(", ")}`);
  // paper trains as standard does; only its seed studies repeat more (PROFILE_SEEDS).
  const stage = profile === "full" ? fullStage(name) : profile === "standard" || profile === "paper" ? standardStage(name) : quickStage(name);
  return structuredClone({ ...stage, profile });
}

export interface ExperimentSummary {
  name: ExperimentName;
  description: string;
  dataset: string;
  teacher: string | null;
  student: string;
}

export function listExperiments(): ExperimentSummary[] {
  return EXPERIMENT_NAMES.map((name) => {
    const config = fullStage(name);
    return { name, description: config.description, dataset: config.dataset.kind, teacher: config.teacher?.model ?? null, student: config.student.model };
  });
}
