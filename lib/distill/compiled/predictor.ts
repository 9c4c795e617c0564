/**
 * A frozen model's inference pass as a TensorFlow graph (BatchNorm on moving
 * statistics, no dropout), for the teacher's logits during distillation. The
 * weights are baked into the graph as constants at construction (use it for a
 * model that does not change while the predictor lives): with variables,
 * oneDNN reordered every filter on every call, which made batch-1 inference
 * of MobileNetV2 at 224 take 1.5 s instead of tens of milliseconds.
 * `taps` names layers whose outputs `predictWithTaps` also returns (the
 * teacher's features a distillation method reads).
 */
import * as tf from "@tensorflow/tfjs";
import { GraphBinding, loadGraphBinding, OutputRef, SessionHandle } from "../../graph/binding";
import { GraphBuilder } from "../../graph/graph";
import { buildModelGraph, ModelGraph } from "../../graph/model-graph";
import { ComputePrecision, computePrecision } from "../../runtime/precision";
import { sessionConfig, ThreadSettings } from "../../graph/session-config";
import { tensorValue } from "../../graph/tensor-value";
import { decodeStepStats, FULL_TRACE_RUN_OPTIONS, OpTiming } from "../../graph/trace";

export interface PredictorOptions {
  threads?: ThreadSettings;
  /** Layers whose outputs predictWithTaps also returns. */
  taps?: readonly string[];
  /** Overrides model-graph's choice of BatchNorm form (tests check both). */
  foldFrozenBatchNorm?: boolean;
  /** Default: KDLAB_BF16's (lib/runtime/precision.ts). */
  precision?: ComputePrecision;
}

export class CompiledPredictor {
  private readonly binding: GraphBinding;
  private readonly model: ModelGraph;
  private readonly tapOutputs: OutputRef[];
  private session: SessionHandle | undefined;
  /** What its graph computes in (the option, else KDLAB_BF16's for an unsaid role). */
  readonly precision: ComputePrecision;

  constructor(
    private readonly source: tf.LayersModel,
    options: PredictorOptions = {},
  ) {
    const { threads, taps = [], foldFrozenBatchNorm } = options;
    this.precision = options.precision ?? computePrecision();
    this.binding = loadGraphBinding();
    const g = new GraphBuilder(this.binding);
    this.model = buildModelGraph(g, source, { training: false, prefix: "frozen", constantWeights: true, foldFrozenBatchNorm });
    this.tapOutputs = taps.map((name) => {
      const output = this.model.layerOutputs.get(name);
      if (!output) throw new Error(`compiled predictor of ${source.name}: no layer "${name}"`);
      return output;
    });
    this.session = this.binding.newSession(g.graph, sessionConfig(threads, this.precision));
  }

  private activeSession(): SessionHandle {
    if (!this.session) throw new Error(`compiled predictor of ${this.source.name}: used after dispose()`);
    return this.session;
  }

  /** The model's output for `xs` (float32, NHWC), as a new tensor. */
  async predict(xs: tf.Tensor4D): Promise<tf.Tensor2D> {
    const [output] = await this.binding.sessionRunAsync(this.activeSession(), [[this.model.input, await tensorValue(xs)]], [this.model.output], []);
    return tf.tensor2d(output.data as Float32Array, output.shape as [number, number]);
  }

  /** [output, ...the taps' outputs] for `xs`, as new tensors. */
  async predictWithTaps(xs: tf.Tensor4D): Promise<tf.Tensor[]> {
    const values = await this.binding.sessionRunAsync(this.activeSession(), [[this.model.input, await tensorValue(xs)]], [this.model.output, ...this.tapOutputs], []);
    return values.map((value) => tf.tensor(value.data as Float32Array, value.shape, "float32"));
  }

  /** One traced inference pass (TensorFlow's step stats), for bench/speed/profile-predictor.ts. */
  async traceRun(xs: tf.Tensor4D): Promise<OpTiming[]> {
    const metadata = this.binding.sessionRunTraced(this.activeSession(), [[this.model.input, await tensorValue(xs)]], [this.model.output], [], FULL_TRACE_RUN_OPTIONS);
    return decodeStepStats(metadata);
  }

  dispose(): void {
    if (this.session) this.binding.closeSession(this.session);
    this.session = undefined;
  }
}
