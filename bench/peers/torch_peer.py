"""PyTorch: the bench's models built the PyTorch way, timed like kdlab's side.

CIFAR nets layer by layer as lib/models/cifar.ts (PyTorch's NCHW; "same"
padding as padding=1, which gives TensorFlow's output sizes); the pneumonia
Model 2 nets as torchvision's densenet121 / mobilenet_v2 feature extractors
(random init) with the heads of lib/models/heads.ts. Training: SGD momentum,
cross-entropy on logits, zero_grad / backward / step, loss.item() to wait.
Inference: eval mode under torch.inference_mode(). A profile request traces
the train step with torch.profiler and answers each aten op's self CPU time.
With request["precision"]
== "bf16" the forward pass and loss (training), the forward pass (inference)
and the matmul run under torch.autocast("cpu", torch.bfloat16): PyTorch's
own bf16 mixed precision, float32 parameters and gradients.

torchvision on pip's index is the CUDA build: its compiled ops do not load
beside the CPU torch, and importing it fails on the missing torchvision::nms
schema. The model definitions are pure Python, so the two op schemas are
defined first (DESIGN.md).

    python bench/peers/torch_peer.py '<request JSON>'   (see common.py)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    CIFAR_CONVS, TEACHER_DROPOUT, TEACHER_POOL_SIZE, check_params, emit, feature_map_side, kernel_rows, log, read_request, run_peer, time_calls,
)

request = read_request()

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# Thread pools are fixed before any parallel work starts.
torch.set_num_threads(request["threads"])
torch.set_num_interop_threads(request["threads"])
BF16 = request.get("precision") == "bf16"


def compute_precision():
    """float32 as it is, or PyTorch's CPU autocast to bf16."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=BF16)


def import_torchvision():
    try:
        import torchvision
        return torchvision
    except (RuntimeError, ImportError) as error:
        if "torchvision::nms" not in str(error):
            raise
    # A failed import leaves half-initialised modules behind: drop them and retry with the schemas defined.
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    schemas = torch.library.Library("torchvision", "DEF")
    schemas.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    schemas.define("qnms(Tensor dets, Tensor scores, float iou_threshold, Tensor? batch_size=None) -> Tensor")
    import torchvision
    return torchvision


torchvision = import_torchvision()


class CifarNet(nn.Module):
    def __init__(self, convs, classes):
        super().__init__()
        layers, channels = [], 3
        for filters, stride in convs:
            layers += [nn.Conv2d(channels, filters, 3, stride=stride, padding=1), nn.ReLU(inplace=True)]
            channels = filters
        self.features = nn.Sequential(*layers, nn.MaxPool2d(2, 2), nn.Flatten())
        # Input side 32 halved by each stride-2 conv and by the pool.
        side = 32 // 2 ** (sum(1 for _, s in convs if s == 2) + 1)
        self.fc = nn.Linear(channels * side * side, 256)
        self.logits = nn.Linear(256, classes)

    def forward(self, x):
        return self.logits(F.relu(self.fc(self.features(x))))


class StudentModel2(nn.Module):
    """MobileNetV2 features → global average pool → Dense 512 ReLU → logits."""

    def __init__(self, classes):
        super().__init__()
        self.features = torchvision.models.mobilenet_v2().features
        self.fc1 = nn.Linear(1280, 512)
        self.logits = nn.Linear(512, classes)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        return self.logits(F.relu(self.fc1(x)))


class TeacherModel2(nn.Module):
    """DenseNet121 features (+ ReLU, as Keras's) → Dropout → Conv 512 3×3 ReLU → MaxPool 7 s1 → Dense 64 → logits."""

    def __init__(self, classes, side):
        super().__init__()
        self.features = torchvision.models.densenet121().features
        self.dropout = nn.Dropout(TEACHER_DROPOUT)
        self.conv = nn.Conv2d(1024, 512, 3, padding=1)
        pool = min(TEACHER_POOL_SIZE, side)
        self.pool = nn.MaxPool2d(pool, stride=1)
        self.fc1 = nn.Linear(512 * (side - pool + 1) ** 2, 64)
        self.logits = nn.Linear(64, classes)

    def forward(self, x):
        x = self.dropout(F.relu(self.features(x)))
        x = self.pool(F.relu(self.conv(x))).flatten(1)
        return self.logits(self.fc1(x))


def build(name, size, classes):
    if name in CIFAR_CONVS:
        if size != 32:
            raise SystemExit(f"torch_peer: the CIFAR nets take 32×32 input, got {size}")
        return CifarNet(CIFAR_CONVS[name], classes)
    if name == "pneumonia-student-model2":
        feature_map_side(size)
        return StudentModel2(classes)
    return TeacherModel2(classes, feature_map_side(size))


def profile_kernels(call, steps):
    """Each op's self CPU time over `steps` calls of `call` (torch.profiler), keyed by its outermost scope (the optimizer's step, autograd's backward function, or the forward op itself)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as trace:
        for _ in range(steps):
            call()
    totals = {}
    for event in trace.events():
        if event.self_cpu_time_total <= 0:
            continue
        scope = event
        while scope.cpu_parent is not None:
            scope = scope.cpu_parent
        key = (scope.name, event.name)
        totals[key] = totals.get(key, 0.0) + event.self_cpu_time_total / 1000
    return kernel_rows(totals, steps)


def param_counts(model):
    """Trainable parameters; total adds the float buffers (BatchNorm running mean/var), as Keras counts its moving statistics."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    stats = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    return {"trainable": trainable, "total": trainable + frozen + stats}


def measure_model(spec):
    """One entry of request["models"]: {model, inputSize, batch, classes}."""
    result = {"model": spec["model"]}
    size, batch, classes = spec["inputSize"], spec["batch"], spec["classes"]
    torch.manual_seed(spec.get("seed", 0))
    model = build(spec["model"], size, classes)
    result["params"] = param_counts(model)
    check_params(spec, result["params"])
    generator = torch.Generator().manual_seed(spec.get("seed", 0))
    train = spec.get("train")
    if train:
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=train["learningRate"], momentum=train["momentum"])
        xs = torch.rand((batch, 3, size, size), generator=generator) * 2 - 1
        ys = torch.randint(0, classes, (batch,), generator=generator)

        def step():
            optimizer.zero_grad(set_to_none=True)
            with compute_precision():
                loss = F.cross_entropy(model(xs), ys)
            loss.backward()
            optimizer.step()
            return loss.item()

        log(f"torch: training {spec['model']} (batch {batch}, {size}×{size})")
        result["train"] = {"batch": batch, **time_calls(step, train["warmup"], train["timed"])}
        profile = spec.get("profile")
        if profile:
            log(f"torch: profiling {profile['tracedSteps']} train steps of {spec['model']}")
            result["profile"] = {"tracedSteps": profile["tracedSteps"], "kernels": profile_kernels(step, profile["tracedSteps"])}
    inference = spec.get("inference")
    if inference:
        model.eval()
        result["inference"] = {}
        for kind in ("latency", "throughput"):
            n = inference[f"{kind}Batch"]
            xs = torch.rand((n, 3, size, size), generator=generator) * 2 - 1

            def forward():
                with torch.inference_mode(), compute_precision():
                    return model(xs).float().sum().item()

            log(f"torch: inference {spec['model']} batch {n}")
            result["inference"][kind] = {"batch": n, **time_calls(forward, inference["warmup"], inference["timed"])}
    return result


def measure_matmul(spec):
    """Timing of a square FP32 matmul (run before and after the models)."""
    n = spec["n"]
    generator = torch.Generator().manual_seed(1)
    a = torch.rand((n, n), generator=generator)
    b = torch.rand((n, n), generator=generator)
    def product():
        with compute_precision():
            return torch.mm(a, b).float().sum().item()

    return time_calls(product, spec["warmup"], spec["timed"])


header = {
    "framework": "torch",
    "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "python": sys.version.split()[0]},
    "threads": {"intraOp": torch.get_num_threads(), "interOp": torch.get_num_interop_threads()},
    # ONEDNN_MAX_CPU_ISA as this configuration got it (bench/speed/peer-configs.ts): torch's bundled oneDNN reads it too.
    "settings": {"mkldnn": torch.backends.mkldnn.is_available(), "memoryFormat": "NCHW (contiguous)", "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", "unset"), "precision": "bf16 (torch.autocast cpu)" if BF16 else "float32"},
}
run_peer(request, header, measure_matmul, measure_model)
