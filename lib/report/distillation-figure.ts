/**
 * The canonical distillation figure's numbers (charts/distillation.ts) from
 * the seed studies: notebook 05's alone-vs-distilled study and notebook 07's
 * method study (its `kd` row, per task), or one seed's teacher, student
 * alone and distilled student (notebook 01: n = 1), with the study's reported numbers
 * where STUDY.md gives them. The reproduce job keeps one figure per task,
 * the one whose distilled student has the most seeds.
 */
import type { MethodRun, MethodStudyTask } from "../experiments/method-study";
import { spreadOf } from "../stats/summary";
import { SeedStudySummary, teacherIdentityOf } from "../experiments/seed-study";
import type { ExperimentResult } from "../experiments/results";
import { DistillationFigure, FigureBar, figureBar } from "./charts/distillation";

/** STUDY.md's reported test accuracies: the final pneumonia stage's teacher and (distilled) student; CIFAR-10's 73.42 % does not say which model. */
const STUDY_NUMBERS: Record<MethodStudyTask, { teacher?: number; distilled?: number; note?: string }> = {
  pneumonia: { teacher: 0.8012, distilled: 0.798 },
  cifar10: { note: "the study's 73.42 % does not say which model" },
};

function withNote(figure: DistillationFigure, task: MethodStudyTask): DistillationFigure {
  const note = STUDY_NUMBERS[task].note;
  return note ? { ...figure, note } : figure;
}

/** From notebook 05's summary (the pneumonia task). */
export function seedStudyFigure(summary: SeedStudySummary, data: string, task: MethodStudyTask = "pneumonia"): DistillationFigure {
  const study = STUDY_NUMBERS[task];
  const bars: FigureBar[] = [];
  if (Number.isFinite(summary.accuracy.teacher.mean)) bars.push(figureBar("teacher", summary.accuracy.teacher, study.teacher));
  bars.push(figureBar("student alone", summary.accuracy.alone), figureBar("distilled student", summary.accuracy.distilled, study.distilled));
  return withNote({ task, data, bars }, task);
}

/** From notebook 07's runs of one task: the student alone, the `method` student and the teacher(s) it learnt from. */
export function methodStudyFigure(task: MethodStudyTask, runs: readonly MethodRun[], data: string, method = "kd"): DistillationFigure | undefined {
  const study = STUDY_NUMBERS[task];
  const accuracies = (name: string) => runs.filter((r) => r.method === name).map((r) => r.result.student.test.accuracy);
  const alone = accuracies("alone");
  const distilled = accuracies(method);
  if (alone.length === 0 || distilled.length === 0) return undefined;
  // One accuracy per distinct teacher (seed-study.ts's identity: its cache key, else its seed).
  const teachers = new Map<string, number>();
  for (const run of runs.filter((r) => r.method === method)) {
    if (run.result.teacher) teachers.set(teacherIdentityOf(run.result), run.result.teacher.test.accuracy);
  }
  const bars: FigureBar[] = [];
  if (teachers.size > 0) bars.push(figureBar("teacher", spreadOf([...teachers.values()]), study.teacher));
  bars.push(figureBar("student alone", spreadOf(alone)), figureBar(`distilled student`, spreadOf(distilled), study.distilled));
  return withNote({ task, data, bars, method }, task);
}

/** From one seed's distilled run (teacher and distilled student) and the student trained alone on the same seed: every bar n = 1. */
export function singleRunFigure(task: MethodStudyTask, distilled: ExperimentResult, alone: ExperimentResult, data: string): DistillationFigure {
  const study = STUDY_NUMBERS[task];
  const bars: FigureBar[] = [];
  if (distilled.teacher) bars.push(figureBar("teacher", spreadOf([distilled.teacher.test.accuracy]), study.teacher));
  bars.push(figureBar("student alone", spreadOf([alone.student.test.accuracy])), figureBar("distilled student", spreadOf([distilled.student.test.accuracy]), study.distilled));
  return withNote({ task, data, bars, ...(distilled.config.distillation.method === "kd" ? {} : { method: distilled.config.distillation.method }) }, task);
}

/** One figure per task: the one whose distilled student has the most seeds (a later one wins a tie). */
export function canonicalFigures(figures: readonly DistillationFigure[]): DistillationFigure[] {
  const best = new Map<string, DistillationFigure>();
  const seedsOf = (f: DistillationFigure) => f.bars.find((b) => b.model === "distilled student")?.n ?? 0;
  for (const figure of figures) {
    const kept = best.get(figure.task);
    if (!kept || seedsOf(figure) >= seedsOf(kept)) best.set(figure.task, figure);
  }
  return [...best.values()];
}
