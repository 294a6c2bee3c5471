"""PyTorch contender (CPU, N threads: argv[1], default 1) for the layerwise benchmark.

Reads JSON tasks on stdin, one per line, and answers one JSON line each on stdout — the same tasks as the Node
workers (see spec.ts): 'step' (one autoencoder layer, one epoch), 'infer' (encoder forward over rows), 'pretrain'
(greedy one-epoch-per-layer pretraining). Data come as raw float32 files written by the parent, so every contender
reads the very same digits. Time is measured around the work only.
"""
import json
import os
import resource
import sys
import time

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
try:
    import numpy as np
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001 - report any import failure as "cannot run"
    print(json.dumps({"ready": False, "reason": f"import torch failed: {e}"}), flush=True)
    sys.exit(0)

torch.set_num_threads(THREADS)
INPUTS, HIDDEN, BATCH, LR = 784, 200, 100, 1e-3
_cache = {}
_base = float("nan")


def data(path):
    if path not in _cache:
        _cache[path] = torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(-1, INPUTS))
    return _cache[path]


def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return float("nan")


def train_layer(x, hidden, seed):
    torch.manual_seed(seed)
    n, cols = x.shape
    enc, dec = nn.Linear(cols, hidden), nn.Linear(hidden, cols)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    perm = torch.randperm(n)
    loss = None
    for s in range(0, n, BATCH):
        xb = x[perm[s : s + BATCH]]
        opt.zero_grad()
        loss = nn.functional.mse_loss(torch.sigmoid(dec(torch.relu(enc(xb)))), xb)
        loss.backward()
        opt.step()
    return enc, float(loss.item()) if loss is not None else float("nan")


def run(task):
    global _base
    x = data(task["file"])
    _base = rss("VmRSS")
    seed = task.get("seed", 0)
    if task["kind"] == "step":
        x = x[: task["samples"]]
        t0 = time.perf_counter()
        _, loss = train_layer(x, HIDDEN, seed)
        return {"seconds": time.perf_counter() - t0, "samples": int(x.shape[0]), "loss": loss}
    if task["kind"] == "infer":
        x = x[: task["rows"]]
        global _encoder
        if "_encoder" not in globals():
            torch.manual_seed(seed)
            layers, fan_in = [], INPUTS
            for u in [500, 250, 64]:
                layers += [nn.Linear(fan_in, u), nn.ReLU()]
                fan_in = u
            _encoder = nn.Sequential(*layers)
        with torch.no_grad():
            _encoder(x[:200])
            t0 = time.perf_counter()
            out = _encoder(x).numpy()
        return {"seconds": time.perf_counter() - t0, "samples": int(out.shape[0])}
    if task["kind"] == "pretrain":
        x = x[: task["rows"]]
        detail = {}
        t0 = time.perf_counter()
        h, loss = x, float("nan")
        for k, u in enumerate(task["layers"]):
            t1 = time.perf_counter()
            enc, loss = train_layer(h, u, seed + 10 * k)
            with torch.no_grad():
                h = torch.relu(enc(h))
            detail[f"layer{k + 1}Seconds"] = time.perf_counter() - t1
        return {"seconds": time.perf_counter() - t0, "samples": int(x.shape[0]), "loss": loss, "detail": detail}
    raise ValueError(f"unknown task {task['kind']}")


def blas():
    """The BLAS library torch loaded: Debian's torch uses whichever libblas.so.3 is selected (netlib's
    reference BLAS is ~18x slower than OpenBLAS on these matMuls: install libopenblas0-pthread)."""
    torch.rand(8, 8) @ torch.rand(8, 8)
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    names = sorted({os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p) for p in libs})
    return ", ".join(names) or "unknown"


print(
    json.dumps(
        {
            "ready": True,
            "backend": "cpu",
            "threads": torch.get_num_threads(),
            "version": f"torch {torch.__version__}, BLAS {blas()}",
        }
    ),
    flush=True,
)
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    task = json.loads(line)
    if task.get("kind") == "exit":
        break
    try:
        r = run(task)
        r.update({"peakRss": rss("VmHWM"), "baseRss": _base})
        print(json.dumps(r), flush=True)
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"error": repr(e)}), flush=True)
