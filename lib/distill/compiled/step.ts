/**
 * The compiled train step: forward pass, loss, gradients (TensorFlow's
 * gradient registry through TF_AddGradients, each ReluGrad then rewired to
 * read its Relu's output so the Relu fuses) and optimizer update built once
 * as one TensorFlow graph, its variables living in a TensorFlow session, run
 * with one native call per batch. It implements distill/step.ts's TrainStep,
 * so the trainer drives it like the eager step.
 *
 * The tfjs model stays the source of truth outside the step: the step copies
 * the model's weights and the optimizer's slots in before its first run, and
 * `syncToModel` copies them back (the trainer calls it before validation and
 * checkpoints), so evaluation, Grad-CAM, checkpoints and notebooks keep
 * working on tfjs models, and a run can resume in either kind of step.
 *
 * The loss is the objective (lib/distill/objective.ts, built as graph ops by
 * method-graph.ts): the hard-label cross-entropy and, with a distillation
 * method, the method's named terms; each term is fetched with the loss, so
 * the trainer can log it. With a method the graph takes the teacher's logits
 * and tapped layers as inputs and reads the student's tapped layers from its
 * own graph; the method's extra parts (FitNets' regressor) become variables
 * trained with the student's.
 */
import * as tf from "@tensorflow/tfjs";
import { StepBatch } from "../batch";
import { OptimizerConfig, optimizerState, OptimizerState, replaceOptimizerState } from "../optimizers";
import { isKernel, StepOptions, StepResult, TrainStep, TrainStepSpec } from "../step";
import { DT, GraphBinding, loadGraphBinding, OperationHandle, OutputRef, SessionHandle, TensorValue } from "../../graph/binding";
import { attr, GraphBuilder } from "../../graph/graph";
import { objectiveGraph } from "./method-graph";
import { buildModelGraph, GraphVariable, ModelGraph } from "../../graph/model-graph";
import { tapShape } from "../methods/method";
import { buildOptimizerGraph, OptimizerGraph } from "./optimizer-graph";
import { ComputePrecision, computePrecision } from "../../runtime/precision";
import { sessionConfig, ThreadSettings } from "../../graph/session-config";
import { float32Value, tensorValue } from "../../graph/tensor-value";
import { decodeStepStats, FULL_TRACE_RUN_OPTIONS, OpTiming } from "../../graph/trace";

export interface CompiledStepSpec extends TrainStepSpec {
  threads?: ThreadSettings;
  /** Default: KDLAB_BF16's (lib/runtime/precision.ts). */
  precision?: ComputePrecision;
  /** Default true: each ReluGrad reads its Relu's output (same values, and the Relu fuses into its convolution or BatchNorm); false keeps TensorFlow's C++ gradient as it comes (tests compare the two). */
  reluGradsFromOutputs?: boolean;
}

export class CompiledTrainStep implements TrainStep {
  readonly description: string;
  /** How many ReluGrad ops read their Relu's output instead of its input (reluGradsFromOutputs): one per ReLU the loss reaches. */
  readonly reluGradsRewired: number = 0;
  private readonly binding: GraphBinding;
  private readonly builder: GraphBuilder;
  private readonly model: ModelGraph;
  private readonly optimizerGraph: OptimizerGraph;
  /** The model's variables, then the method parts' (the order the optimizer's slots follow). */
  private readonly variables: GraphVariable[];
  private readonly trainable: GraphVariable[];
  private readonly labels: OutputRef;
  private readonly teacherLogits?: OutputRef;
  private readonly teacherFeatures: OutputRef[] = [];
  private readonly epoch?: OutputRef;
  private readonly dropoutSeed: OutputRef;
  private readonly loss: OutputRef;
  /** The objective's named terms, fetched with the loss. */
  private readonly termNames: string[];
  private readonly termOutputs: OutputRef[];
  private readonly correct: OutputRef;
  private readonly stepTarget: OperationHandle;
  private readonly gradients: OutputRef[];
  private session: SessionHandle | undefined;
  private iterations = 0;
  private loaded = false;
  private readonly optimizerConfig: OptimizerConfig;

  constructor(private readonly spec: CompiledStepSpec) {
    const { model, method, classWeights, optimizerConfig } = spec;
    if (!optimizerConfig) throw new Error("compiled step: the spec needs optimizerConfig (the graph builds its own update ops)");
    this.optimizerConfig = optimizerConfig;
    const decay = spec.weightDecay ?? 0;
    if (!(decay >= 0) || !Number.isFinite(decay)) throw new Error(`weightDecay must be ≥ 0, got ${decay}`);
    this.binding = loadGraphBinding();
    const g = (this.builder = new GraphBuilder(this.binding));
    const classes = model.outputs[0].shape[1];
    if (typeof classes !== "number") throw new Error(`compiled step: ${model.name} must output [batch, classes]`);
    this.dropoutSeed = g.placeholder(DT.int32, [2], "dropout_seed");
    const precision = spec.precision ?? computePrecision();
    // bf16 training kernels on an odd input-channel count race into NaN on some CPUs (model-graph.ts).
    const evenInputChannels = precision !== "float32";
    this.model = buildModelGraph(g, model, { training: true, dropoutSeed: this.dropoutSeed, prefix: "model", evenInputChannels });
    this.labels = g.placeholder(DT.int32, [-1], "labels");
    const regularization = [...this.model.regularization];
    const stateUpdates = [...this.model.stateUpdates];
    let variables = this.model.variables;
    let teacherLogits: OutputRef | undefined;
    let studentFeatures: OutputRef[] = [];
    if (method) {
      teacherLogits = this.teacherLogits = g.placeholder(DT.float32, [-1, classes], "teacher_logits");
      this.epoch = g.placeholder(DT.float32, [], "epoch");
      studentFeatures = method.taps.student.map((name) => {
        const value = this.model.layerOutputs.get(name);
        if (!value) throw new Error(`compiled step: ${method.name} taps student layer ${name}, which ${model.name} does not have`);
        return value;
      });
      // The teacher's taps are fed (live or cached outputs), with the shapes its layers declare.
      const teacher = spec.teacher;
      if (method.taps.teacher.length > 0 && !teacher) throw new Error(`compiled step: ${method.name} taps the teacher's layers; the spec needs the teacher (for their shapes)`);
      this.teacherFeatures = method.taps.teacher.map((name, i) => g.placeholder(DT.float32, [-1, ...tapShape(teacher as tf.LayersModel, name, "teacher", method.name)], `teacher_feature_${i}`));
    }
    const built = objectiveGraph(
      g,
      method,
      { studentLogits: this.model.output, teacherLogits: teacherLogits ?? this.model.output, studentFeatures, teacherFeatures: this.teacherFeatures, labels: this.labels, classes, classWeights, epoch: this.epoch ?? g.scalar(0) },
      { dropoutSeed: this.dropoutSeed, evenInputChannels, hardLabelWeight: spec.hardLabelWeight },
    );
    for (const part of built.parts) {
      if (!part) continue;
      variables = [...variables, ...part.variables];
      regularization.push(...part.regularization);
      stateUpdates.push(...part.stateUpdates);
    }
    const unused = built.parts.findIndex((part) => part === undefined);
    if (method && unused >= 0) throw new Error(`compiled step: ${method.name}'s loss never applied its part ${unused}`);
    this.termNames = Object.keys(built.terms);
    this.termOutputs = Object.values(built.terms);
    this.variables = variables;
    this.trainable = variables.filter((v) => v.trainable);
    if (this.trainable.length === 0) throw new Error(`model ${model.name} has no trainable weights`);
    const terms = [built.total, ...regularization];
    if (decay > 0) {
      // Coupled L2 on kernels, as the eager step: (weightDecay / 2) · Σ‖W‖².
      const kernels = this.trainable.filter((v) => isKernel(v.weight.originalName));
      terms.push(g.mul(g.scalar(decay / 2), g.addN(kernels.map((k) => g.sum(g.square(k.read), k.shape.map((_, i) => i))))));
    }
    this.loss = g.addN(terms);
    this.correct = correctCountGraph(g, this.model.output, this.labels);
    const gradients = this.binding.addGradients(g.graph, "gradients", [this.loss], this.trainable.map((v) => v.read), null);
    const missing = gradients.findIndex((grad) => grad === null);
    if (missing >= 0) throw new Error(`compiled step: ${this.trainable[missing].weight.name} does not reach the loss`);
    // Same gradients, but the pre-activation no longer has a second reader, so Conv2D + BiasAdd + Relu fuse (binding.ts).
    if (spec.reluGradsFromOutputs ?? true) this.reluGradsRewired = this.binding.reluGradsFromOutputs(g.graph);
    // Every write waits for every read of the step, so the forward pass sees this step's weights.
    const readsDone = g.noOp(
      this.variables.map((v) => v.read[0]),
      "reads_done",
    );
    const lossDone = g.noOp([this.loss[0], this.correct[0], ...(gradients as OutputRef[]).map((grad) => grad[0])], "loss_done");
    this.gradients = gradients as OutputRef[];
    this.optimizerGraph = buildOptimizerGraph(g, optimizerConfig, this.trainable, gradients as OutputRef[], readsDone);
    const stateWrites = stateUpdates.map(({ variable, value }) => g.assign(variable.handle, value, [readsDone, lossDone]));
    this.stepTarget = g.noOp([...this.optimizerGraph.updates, ...stateWrites], "train_step");
    this.session = this.binding.newSession(g.graph, sessionConfig(spec.threads, precision));
    this.description = `compiled TensorFlow graph (${this.variables.length} variables, ${optimizerConfig.kind}, TensorFlow ${this.binding.version()}${precision === "float32" ? "" : `, ${precision}`})`;
  }

  private get activeSession(): SessionHandle {
    if (!this.session) throw new Error("compiled step: used after dispose()");
    return this.session;
  }

  /** Copies the model's weights and the optimizer's slots into the session. */
  async loadFromModel(): Promise<void> {
    const feeds: (readonly [OutputRef, TensorValue])[] = [];
    const targets: OperationHandle[] = [];
    for (const v of this.variables) {
      feeds.push([v.initValue, await tensorValue(v.weight.read())]);
      targets.push(v.initAssign);
    }
    const state = await optimizerState(this.spec.optimizer);
    const iterations = state.slots[0] ? Number(state.slots[0].values[0]) : 0;
    const stored = state.slots.slice(1);
    const slotsPerVariable = this.optimizerGraph.slots[0].length;
    if (stored.length !== 0 && stored.length !== slotsPerVariable * this.trainable.length) {
      throw new Error(`compiled step: the optimizer holds ${stored.length} slots, expected ${slotsPerVariable * this.trainable.length}`);
    }
    this.optimizerGraph.slots.forEach((slots, i) => {
      slots.forEach((slot, k) => {
        // tfjs orders Adam's slots as all m's, then all v's.
        const saved = stored[k * this.trainable.length + i];
        const values = saved ? Float32Array.from(saved.values) : new Float32Array(slot.shape.reduce((a, b) => a * b, 1));
        feeds.push([slot.initValue, float32Value(slot.shape, values)]);
        targets.push(slot.initAssign);
      });
    });
    await this.binding.sessionRunAsync(this.activeSession, feeds, [], targets);
    this.iterations = iterations;
    this.loaded = true;
  }

  private async feedsFor(batch: StepBatch, options: StepOptions): Promise<(readonly [OutputRef, TensorValue])[]> {
    if (!(options.learningRate >= 0) || !Number.isFinite(options.learningRate)) throw new Error(`learning rate must be a non-negative number, got ${options.learningRate}`);
    const feeds: (readonly [OutputRef, TensorValue])[] = [
      [this.model.input, await tensorValue(batch.xs)],
      [this.labels, await tensorValue(batch.labels)],
      [this.optimizerGraph.learningRate, float32Value([], Float32Array.of(options.learningRate))],
      [this.dropoutSeed, { dtype: DT.int32, shape: [2], data: Int32Array.of(options.seed | 0, 0) }],
    ];
    if (this.teacherLogits) {
      if (!batch.teacherLogits) throw new Error(`compiled step: distillation method ${this.spec.method?.name} needs the batch's teacher logits`);
      feeds.push([this.teacherLogits, await tensorValue(batch.teacherLogits)]);
      const features = batch.teacherFeatures ?? [];
      if (features.length !== this.teacherFeatures.length) throw new Error(`compiled step: ${this.spec.method?.name} needs ${this.teacherFeatures.length} teacher feature(s), the batch has ${features.length}`);
      for (let i = 0; i < features.length; i++) feeds.push([this.teacherFeatures[i], await tensorValue(features[i])]);
    }
    if (this.epoch) feeds.push([this.epoch, float32Value([], Float32Array.of(options.epoch ?? 0))]);
    const { beta1Power, beta2Power } = this.optimizerGraph;
    if (beta1Power && beta2Power && this.optimizerConfig.kind === "adam") {
      const t = this.iterations + 1;
      feeds.push([beta1Power, float32Value([], Float32Array.of((this.optimizerConfig.beta1 ?? 0.9) ** t))]);
      feeds.push([beta2Power, float32Value([], Float32Array.of((this.optimizerConfig.beta2 ?? 0.999) ** t))]);
    }
    return feeds;
  }

  async run(batch: StepBatch, options: StepOptions): Promise<StepResult> {
    if (!this.loaded) await this.loadFromModel();
    const feeds = await this.feedsFor(batch, options);
    const [loss, correct, ...termValues] = await this.binding.sessionRunAsync(this.activeSession, feeds, [this.loss, this.correct, ...this.termOutputs], [this.stepTarget]);
    this.iterations += 1;
    const terms = Object.fromEntries(this.termNames.map((name, i) => [name, termValues[i].data[0] as number]));
    return { loss: loss.data[0] as number, correct: correct.data[0] as number, count: batch.labels.shape[0], terms };
  }

  /**
   * Where a step's time goes, as median milliseconds over `repeats` runs of
   * ever larger parts of the graph on `batch` (weights are not updated):
   * copying the batch in, the forward pass with the loss, forward + backward
   * (fetching the gradients, which adds their copy out). The full step is
   * what `run` costs.
   */
  async profile(batch: StepBatch, options: StepOptions, repeats = 5): Promise<{ feedMs: number; forwardMs: number; forwardBackwardMs: number }> {
    if (!this.loaded) await this.loadFromModel();
    const median = async (part: () => Promise<unknown>): Promise<number> => {
      await part();
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        await part();
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    };
    const session = this.activeSession;
    return {
      feedMs: await median(() => this.feedsFor(batch, options)),
      forwardMs: await median(async () => this.binding.sessionRunAsync(session, await this.feedsFor(batch, options), [this.loss], [])),
      forwardBackwardMs: await median(async () => this.binding.sessionRunAsync(session, await this.feedsFor(batch, options), [this.loss, ...this.gradients], [])),
    };
  }

  /** Runs one full step (weights are updated) with TensorFlow's tracing on; returns every op's time. */
  async traceStep(batch: StepBatch, options: StepOptions): Promise<OpTiming[]> {
    if (!this.loaded) await this.loadFromModel();
    const metadata = this.binding.sessionRunTraced(this.activeSession, await this.feedsFor(batch, options), [this.loss], [this.stepTarget], FULL_TRACE_RUN_OPTIONS);
    this.iterations += 1;
    return decodeStepStats(metadata);
  }

  /** Writes the session's weights into the tfjs model and, with `optimizer`, its slots and iteration count into the tfjs optimizer. */
  async syncToModel(options: { optimizer: boolean }): Promise<void> {
    if (!this.loaded) return;
    const variables = this.variables;
    const slots = this.optimizerGraph.slots;
    const fetches = [...variables.map((v) => v.read), ...(options.optimizer ? slots.flat().map((s) => s.read) : [])];
    const values = await this.binding.sessionRunAsync(this.activeSession, [], fetches, []);
    variables.forEach((v, i) => {
      const tensor = tf.tensor(values[i].data as Float32Array, v.shape, "float32");
      v.weight.write(tensor);
      tensor.dispose();
    });
    if (!options.optimizer) return;
    const slotValues = values.slice(variables.length);
    const perVariable = slots[0].length;
    const ordered: OptimizerState["slots"] = [];
    for (let k = 0; k < perVariable; k++) {
      slots.forEach((variableSlots, i) => {
        const slot = variableSlots[k];
        ordered.push({ name: slot.name, shape: slot.shape, dtype: "float32", values: slotValues[i * perVariable + k].data as Float32Array });
      });
    }
    const state: OptimizerState = { className: this.spec.optimizer.getClassName(), slots: [{ name: "iter", shape: [], dtype: "int32", values: Int32Array.of(this.iterations) }, ...ordered] };
    await replaceOptimizerState(this.spec.optimizer, state, this.trainable.map((v) => v.shape), "compiled step");
  }

  dispose(): void {
    if (this.session) this.binding.closeSession(this.session);
    this.session = undefined;
  }
}

/** Samples whose argmax logit equals the label, as float32. */
function correctCountGraph(g: GraphBuilder, logits: OutputRef, labels: OutputRef): OutputRef {
  const predicted = g.op("ArgMax", [logits, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(1) })], [attr.type("T", DT.float32), attr.type("Tidx", DT.int32), attr.type("output_type", DT.int32)]);
  const equal = g.op("Equal", [predicted, labels], [attr.type("T", DT.int32), attr.bool("incompatible_shape_error", true)]);
  return g.sum(g.cast(equal, DT.bool, DT.float32), [0]);
}

/** A TrainStepFactory (distill/step.ts) for the compiled step. */
export function createCompiledTrainStep(spec: CompiledStepSpec): CompiledTrainStep {
  return new CompiledTrainStep(spec);
}
