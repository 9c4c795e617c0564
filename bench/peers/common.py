"""What both peers share: the request they read, the timing protocol, the one JSON line they print.

A peer is run as `python <peer>.py '<request JSON>'` and prints exactly one JSON
object on stdout (logs go to stderr). The request (bench/speed/peer-protocol.ts
writes it) lists models, each with the measurements to make, and optionally a
matmul; the protocol (warm-up calls, then timed calls, each
timed call waiting for its result) is the same as kdlab's side in bench/speed/.
A model's request may also ask for a kernel profile of its train step
(`profile`: {tracedSteps}); each peer traces with its framework's own
profiler and answers kernel_rows() (bench/speed/step-profile.ts reads them).
"""
import json
import os
import re
import sys
import time

# The four bench models, by kdlab registry name.
MODELS = ("cifar-student", "cifar-teacher", "pneumonia-student-model2", "pneumonia-teacher-model2")

# (filters, stride) per convolution, as lib/models/cifar.ts.
CIFAR_CONVS = {
    "cifar-student": [(32, 1), (64, 2), (64, 2)],
    "cifar-teacher": [(32, 1), (32, 1), (64, 2), (64, 1), (64, 1), (128, 2), (128, 1), (128, 1), (256, 2), (256, 1)],
}

# lib/models/heads.ts: the teacher head's max-pool window at DenseNet121's 7×7 map.
TEACHER_POOL_SIZE = 7
TEACHER_DROPOUT = 0.5


def read_request():
    if len(sys.argv) != 2:
        fail(f"usage: {os.path.basename(sys.argv[0])} '<request JSON>'")
    try:
        request = json.loads(sys.argv[1])
    except json.JSONDecodeError as error:
        fail(f"request is not JSON: {error}")
    for spec in request.get("models", []):
        if spec.get("model") not in MODELS:
            fail(f"unknown model {spec.get('model')!r}; known: {', '.join(MODELS)}")
        for key in ("inputSize", "batch", "classes"):
            if not isinstance(spec.get(key), int) or spec[key] < 1:
                fail(f"{spec['model']}: {key} must be a positive integer, got {spec.get(key)!r}")
    threads = request.get("threads")
    if not isinstance(threads, int) or threads < 1:
        fail(f"request.threads must be a positive integer, got {threads!r}")
    return request


def fail(message):
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(2)


def log(message):
    print(message, file=sys.stderr, flush=True)


def emit(result):
    print(json.dumps(result), flush=True)


def check_params(spec, counted):
    """Refuses to time a model that is not kdlab's network: its parameter counts must equal the ones kdlab sent."""
    expected = spec.get("expectParams")
    if expected and (counted["trainable"] != expected["trainable"] or counted["total"] != expected["total"]):
        fail(
            f"{spec['model']}: this peer's network has {counted['trainable']:,} trainable / {counted['total']:,} total parameters, "
            f"kdlab's has {expected['trainable']:,} / {expected['total']:,}; not the same architecture, not timed"
        )


def time_calls(call, warmup, timed):
    """Seconds of each warm-up and each timed call; `call` must block until its result exists."""
    warmup_seconds = []
    for _ in range(warmup):
        started = time.perf_counter()
        call()
        warmup_seconds.append(time.perf_counter() - started)
    timed_seconds = []
    for _ in range(timed):
        started = time.perf_counter()
        call()
        timed_seconds.append(time.perf_counter() - started)
    return {"warmupSeconds": warmup_seconds, "seconds": timed_seconds}


def kernel_rows(totals, steps):
    """{(node, op): milliseconds over `steps` traced steps} as the answer's kernels, per step, slowest first.

    node: what the kernel ran for (TensorFlow's graph node; PyTorch's outermost
    profiler scope); op: the kernel (a TensorFlow op type such as
    _MklNativeFusedConv2D, a PyTorch aten op)."""
    if not totals:
        fail("the profiler trace held no kernel events")
    rows = [{"node": node, "op": op, "ms": ms / steps} for (node, op), ms in totals.items()]
    return sorted(rows, key=lambda row: -row["ms"])


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def feature_map_side(input_size):
    """DenseNet121 / MobileNetV2 downsample by 32 (sizes that are multiples of 32)."""
    if input_size % 32:
        fail(f"inputSize must be a multiple of 32 for the pneumonia models, got {input_size}")
    return input_size // 32


def peak_rss_mib():
    """This process's peak RSS (Linux VmHWM; unlike ru_maxrss it does not start from the parent's size at fork)."""
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024


def matmul_result(n, timing):
    flops = 2 * n**3
    return {
        "n": n,
        "seconds": timing["seconds"],
        "bestGflops": flops / min(timing["seconds"]) / 1e9,
        "medianGflops": flops / median(timing["seconds"]) / 1e9,
    }


def run_peer(request, header, measure_matmul, measure_model):
    """Measures what the request asks and prints the one JSON answer: `header` (framework, versions, threads, settings) plus results."""
    result = {**header, "models": []}
    matmul = request.get("matmul")
    # The matmul before and after the models: the best run of either is the attainable rate, even if other work slowed one window.
    timings = [measure_matmul(matmul)] if matmul else []
    for spec in request.get("models", []):
        measured = measure_model(spec)
        # Models run in the bench's order, so this is the peak up to this one.
        measured["peakRssMiB"] = peak_rss_mib()
        result["models"].append(measured)
    if matmul:
        timings.append(measure_matmul(matmul))
        result["matmul"] = matmul_result(matmul["n"], {"seconds": [s for t in timings for s in t["seconds"]]})
    emit(result)
