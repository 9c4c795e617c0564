"""Keras 3 on TensorFlow: the bench's models built the Keras way, timed like kdlab's side.

The networks come from keras_models.py (CIFAR nets layer by layer, the
pneumonia Model 2 nets on keras.applications backbones). Training is the
idiomatic Keras path: compile() with SGD momentum and sparse categorical
cross-entropy on logits, then train_on_batch (the compiled train function;
Keras's default jit_compile, "auto", is kept unless the request says
otherwise, and the resolved value is reported). Inference is predict_on_batch.
A profile request traces train_on_batch with TensorFlow's profiler and reads
each kernel's time from the trace (XPlane): the same op types kdlab's own
FULL_TRACE step stats name.
With request["precision"] == "bf16" every graph (train step, predict, the
matmul) gets TensorFlow's oneDNN bf16 rewrite, the one kdlab's KDLAB_BF16=1
turns on (auto_mixed_precision_onednn_bfloat16): bf16 convolutions and
matmuls, float32 variables.

    python bench/peers/keras_peer.py '<request JSON>'   (see common.py)
"""
import glob
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check_params, fail, kernel_rows, log, read_request, run_peer, time_calls  # noqa: E402

request = read_request()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# Thread pools are fixed before TensorFlow creates its runtime.
tf.config.threading.set_intra_op_parallelism_threads(request["threads"])
tf.config.threading.set_inter_op_parallelism_threads(request["threads"])
BF16 = request.get("precision") == "bf16"
if BF16:
    tf.config.optimizer.set_experimental_options({"auto_mixed_precision_onednn_bfloat16": True})

import keras  # noqa: E402
from keras_models import build, param_counts  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

# A kernel's event in the host trace is "<node>:<OpType>"; the profiler's own events ("ThreadpoolListener::Record", "EagerExecute: X") are not.
KERNEL_EVENT = re.compile(r"^([^:\s][^:]*):([A-Za-z_][A-Za-z0-9_]*)$")


def profile_kernels(call, steps):
    """Each kernel's time over `steps` calls of `call`, from TensorFlow's profiler trace of this process's host threads."""
    logdir = tempfile.mkdtemp(prefix="kdlab-keras-profile-")
    try:
        tf.profiler.experimental.start(logdir)
        try:
            for _ in range(steps):
                call()
        finally:
            tf.profiler.experimental.stop()
        files = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
        if len(files) != 1:
            fail(f"the profiler wrote {len(files)} trace files under {logdir}, expected 1")
        space = xplane_pb2.XSpace()
        with open(files[0], "rb") as trace:
            space.ParseFromString(trace.read())
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
    totals = {}
    for plane in space.planes:
        if not plane.name.startswith("/host:"):
            continue
        for line in plane.lines:
            for event in line.events:
                match = KERNEL_EVENT.match(plane.event_metadata[event.metadata_id].name)
                if match:
                    key = (match.group(1), match.group(2))
                    totals[key] = totals.get(key, 0.0) + event.duration_ps / 1e9
    return kernel_rows(totals, steps)


def measure_model(spec):
    """One entry of request["models"]: {model, inputSize, batch, classes}."""
    result = {"model": spec["model"]}
    size, batch, classes = spec["inputSize"], spec["batch"], spec["classes"]
    keras.utils.set_random_seed(spec.get("seed", 0))
    model = build(spec["model"], size, classes)
    result["params"] = param_counts(model)
    check_params(spec, result["params"])
    rng = np.random.default_rng(spec.get("seed", 0))
    train = spec.get("train")
    if train:
        jit = spec.get("options", {}).get("jitCompile", "auto")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=train["learningRate"], momentum=train["momentum"]),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit,
        )
        result["jitCompile"] = bool(model.jit_compile)
        xs = tf.constant(rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32"))
        ys = tf.constant(rng.integers(0, classes, batch).astype("int32"))
        log(f"keras: training {spec['model']} (batch {batch}, {size}×{size}, jit_compile={model.jit_compile})")
        result["train"] = {"batch": batch, **time_calls(lambda: model.train_on_batch(xs, ys), train["warmup"], train["timed"])}
        profile = spec.get("profile")
        if profile:
            log(f"keras: profiling {profile['tracedSteps']} train steps of {spec['model']}")
            result["profile"] = {"tracedSteps": profile["tracedSteps"], "kernels": profile_kernels(lambda: model.train_on_batch(xs, ys), profile["tracedSteps"])}
    inference = spec.get("inference")
    if inference:
        result["inference"] = {}
        for kind in ("latency", "throughput"):
            n = inference[f"{kind}Batch"]
            xs = tf.constant(rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"))
            log(f"keras: inference {spec['model']} batch {n}")
            timing = time_calls(lambda: model.predict_on_batch(xs), inference["warmup"], inference["timed"])
            result["inference"][kind] = {"batch": n, **timing}
    del model
    keras.backend.clear_session(free_memory=True)
    return result


def measure_matmul(spec):
    """Timing of a square FP32 matmul (run before and after the models)."""
    n = spec["n"]
    a = tf.random.uniform((n, n), seed=1)
    b = tf.random.uniform((n, n), seed=2)
    matmul = tf.function(lambda: tf.linalg.matmul(a, b))
    return time_calls(lambda: matmul().numpy(), spec["warmup"], spec["timed"])


header = {
    "framework": "keras",
    "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": sys.version.split()[0]},
    "threads": {
        "intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
        "interOp": tf.config.threading.get_inter_op_parallelism_threads(),
    },
    # As this configuration got them (bench/speed/peer-configs.ts): unset means TensorFlow's own choice for this CPU, which may be off.
    "settings": {
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"),
        "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", "unset"),
        "precision": "bf16 (Grappler's auto_mixed_precision_onednn_bfloat16)" if BF16 else "float32",
    },
}
run_peer(request, header, measure_matmul, measure_model)
