/**
 * Runs one lockstep comparison (equivalence.ts) in its own process and prints
 * the result as JSON, so a test can choose the process's oneDNN setting
 * (it must be in the environment before TensorFlow loads). Usage:
 *   node --import tsx test/compiled/lockstep-child.ts <mobilenet|densenet>
 */
import { initBackend } from "../../lib/backend";
import { OptimizerConfig } from "../../lib/distill/optimizers";
import { buildModel } from "../../lib/models/registry";
import { lockstepRun, TwinRunOptions } from "./equivalence";

const STUDY_SGD: OptimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 };

const CASES: Record<string, TwinRunOptions> = {
  mobilenet: { build: () => buildModel("pneumonia-student-model2", { inputSize: 32 }), steps: 20, batchSize: 8, optimizer: STUDY_SGD },
  densenet: { build: () => buildModel("pneumonia-teacher-model2", { inputSize: 32, dropout: 0 }), steps: 20, batchSize: 4, optimizer: STUDY_SGD, alpha: 0.5, temperature: 4 },
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? "";
  const options = CASES[name];
  if (!options) throw new Error(`unknown case "${name}"; known: ${Object.keys(CASES).join(", ")}`);
  const backend = await initBackend();
  const result = await lockstepRun(options);
  process.stdout.write(`${JSON.stringify({ backend: backend.line, ...result })}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
