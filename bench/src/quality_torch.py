"""PyTorch side of `pnpm bench -- --only quality` (bench/src/quality.ts), Debian /usr/bin/python3 + python3-torch.

    python3 quality_torch.py CONFIG.json   ->   one JSON line per cell on stdout, progress on stderr

The config (written by quality.ts) names the raw float32/uint8 data files, the labelled-subset file (the very
same indices layerwise trains on), the recipes and the jobs. Every recipe is layerwise's, op for op:

- encoder layers He-uniform U(+-sqrt(6/fan_in)) for ReLU (Glorot-uniform otherwise), biases 0; decoder k has the
  encoder's activation except decoder 0 (the reconstruction: `outputActivation`, sigmoid), Glorot/He by its
  activation; the classifier's output layer is linear (softmax in the loss), Glorot-uniform;
- greedy pretraining: layer k trains on the codes of layers < k, computed once per stage; masking noise zeroes a
  fraction `noise` of each batch's stage input; MSE averaged over every element; then `fineTuneEpochs` of the
  whole stack (masking the input);
- Adam with epsilon 1e-7 (tfjs' default, what layerwise uses; PyTorch's own default is 1e-8); a fresh
  permutation every epoch, the last batch partial (ceil(n / batch) batches);
- classifier: dropout after every hidden layer, cross-entropy averaged over the batch; `freezeEncoder: n`
  keeps the pretrained hidden layers out of the update (and out of Adam's state, unless the recipe says
  `frozenAdamSteps: "count"`) for the first n epochs;
  `freezeLayers: [i, ...]` keeps those pretrained hidden layers fixed for the whole fit.

Pretrained encoders are cached as state dicts under the config's cacheDir (one per dataset, seed, pretraining).
"""
import hashlib
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
try:
    import numpy as np
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001 - report any import failure as "cannot run"
    print(json.dumps({"ready": False, "reason": f"import torch failed: {e}"}), flush=True)
    sys.exit(0)

torch.set_num_threads(1)
EPS = 1e-7


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def uniform_(t, limit, gen):
    with torch.no_grad():
        t.copy_((torch.rand(t.shape, generator=gen, dtype=torch.float32) * 2 - 1) * limit)


def dense(fan_in, fan_out, activation, gen):
    lin = nn.Linear(fan_in, fan_out)
    he = activation in ("relu", "elu", "leakyRelu")
    limit = math.sqrt(6 / fan_in) if he else math.sqrt(6 / (fan_in + fan_out))
    uniform_(lin.weight, limit, gen)
    with torch.no_grad():
        lin.bias.zero_()
    return lin


ACT = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "linear": lambda z: z,
}


def mask(x, noise, gen):
    if noise <= 0:
        return x
    return x * (torch.rand(x.shape, generator=gen) >= noise).float()


def batches(n, batch, gen):
    perm = torch.randperm(n, generator=gen)
    for s in range(0, n, batch):
        yield perm[s : s + batch]


def pretrain(x, sizes, p, seed):
    """Greedy layer-wise pretraining (+ whole-stack fine-tuning); returns the encoder layers."""
    gen = torch.Generator().manual_seed(seed)
    act = ACT[p["activation"]]
    encs, decs, fan_in = [], [], x.shape[1]
    for k, u in enumerate(sizes):
        encs.append(dense(fan_in, u, p["activation"], gen))
        dec_act = p["outputActivation"] if k == 0 else p["activation"]
        decs.append((dense(u, fan_in, dec_act, gen), ACT[dec_act]))
        fan_in = u
    h = x
    for k in range(len(sizes)):
        enc, (dec, dact) = encs[k], decs[k]
        opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=p["learningRate"], eps=EPS)
        for epoch in range(p["epochs"]):
            total = 0.0
            for idx in batches(h.shape[0], p["batchSize"], gen):
                xb = h[idx]
                opt.zero_grad()
                loss = nn.functional.mse_loss(dact(dec(act(enc(mask(xb, p["noise"], gen))))), xb)
                loss.backward()
                opt.step()
                total += float(loss) * xb.shape[0]
            log(f"  torch pretrain layer {k} epoch {epoch + 1}: loss {total / h.shape[0]:.5f}")
        with torch.no_grad():
            h = act(enc(h))
    if p.get("fineTuneEpochs", 0) > 0:
        params = [q for m in encs for q in m.parameters()] + [q for d, _ in decs for q in d.parameters()]
        opt = torch.optim.Adam(params, lr=p["learningRate"], eps=EPS)
        for epoch in range(p["fineTuneEpochs"]):
            total = 0.0
            for idx in batches(x.shape[0], p["batchSize"], gen):
                xb = x[idx]
                z = mask(xb, p["noise"], gen)
                for enc in encs:
                    z = act(enc(z))
                for dec, dact in reversed(decs):
                    z = dact(dec(z))
                opt.zero_grad()
                loss = nn.functional.mse_loss(z, xb)
                loss.backward()
                opt.step()
                total += float(loss) * xb.shape[0]
            log(f"  torch fine-tune epoch {epoch + 1}: loss {total / x.shape[0]:.5f}")
    return encs


def classify(xtr, ytr, xte, yte, sizes, activation, encoder, c, epochs, seed):
    gen = torch.Generator().manual_seed(seed)
    act = ACT[activation]
    layers, fan_in = [], xtr.shape[1]
    for i, u in enumerate(sizes):
        lin = dense(fan_in, u, activation, gen)
        if encoder is not None:
            with torch.no_grad():
                lin.weight.copy_(encoder[i].weight)
                lin.bias.copy_(encoder[i].bias)
        layers.append(lin)
        fan_in = u
    out = dense(fan_in, 10, "linear", gen)
    hidden = [q for m in layers for q in m.parameters()]
    opt = torch.optim.Adam(hidden + list(out.parameters()), lr=c["learningRate"], eps=EPS)
    drop = c["dropout"]
    freeze = c.get("freezeEncoder", 0) if encoder is not None else 0
    n = xtr.shape[0]
    batch = min(c["batchSize"], n)
    schedule = c.get("schedule")

    def forward(xb, training):
        h = xb
        for lin in layers:
            h = act(lin(h))
            if training and drop > 0:
                h = nn.functional.dropout(h, drop, True)
        return out(h)

    # 'count' (tfjs, Keras): frozen layers take part in every Adam step with zero gradients (their moments stay
    # 0, their step count runs on); default: PyTorch's way, a frozen parameter is skipped by Adam altogether
    count_frozen = c.get("frozenAdamSteps") == "count"
    for epoch in range(1, epochs + 1):
        frozen = freeze is True or (freeze and epoch <= freeze)
        for q in hidden:
            q.requires_grad_(count_frozen or not frozen)
        if encoder is not None:
            for i in c.get("freezeLayers", []):
                for q in layers[i].parameters():
                    q.requires_grad_(False)
        if schedule == "cosine":
            for g in opt.param_groups:
                g["lr"] = c["learningRate"] * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
        for idx in batches(n, batch, gen):
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(forward(xtr[idx], True), ytr[idx])
            loss.backward()
            if frozen and count_frozen:
                for q in hidden:
                    q.grad.zero_()
            opt.step()
    with torch.no_grad():
        pred = forward(xte, False).argmax(1)
    return float((pred == yte).float().mean())


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.manual_seed(0)  # dropout's generator (the global one); every other draw has its own
    log(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(json.dumps({"ready": True, "version": torch.__version__}), flush=True)
    os.makedirs(cfg["cacheDir"], exist_ok=True)
    subsets = {ds: json.load(open(path)) for ds, path in cfg["subsetsFiles"].items()}
    data = {}
    for job in cfg["jobs"]:
        ds = job["dataset"]
        if ds not in data:
            f = cfg["data"][ds]
            data[ds] = (
                torch.from_numpy(np.fromfile(f["train"], dtype=np.float32).reshape(-1, 784)),
                torch.from_numpy(np.fromfile(f["trainLabels"], dtype=np.uint8).astype(np.int64)),
                torch.from_numpy(np.fromfile(f["test"], dtype=np.float32).reshape(-1, 784)),
                torch.from_numpy(np.fromfile(f["testLabels"], dtype=np.uint8).astype(np.int64)),
            )
        xtr, ytr, xte, yte = data[ds]
        recipe = cfg["recipes"][job["recipe"]]
        seed = job["seed"]
        encoder = None
        sizes = cfg["hiddenLayerSizes"]
        activation = "relu"
        if recipe.get("pretrain"):
            p = recipe["pretrain"]
            activation = p["activation"]
            key = hashlib.sha1(json.dumps([ds, seed, sizes, p], sort_keys=True).encode()).hexdigest()[:12]
            path = os.path.join(cfg["cacheDir"], f"torch-{ds}-s{seed}-{key}.pt")
            if os.path.exists(path):
                encoder = torch.load(path)
            else:
                t0 = time.perf_counter()
                encoder = pretrain(xtr, sizes, p, 1000 + seed)
                torch.save(encoder, path)
                log(f"torch pretrain {ds} seed {seed} {job['recipe']}: {time.perf_counter() - t0:.0f} s")
        for labels in job["labels"]:
            key = str(labels)
            idx = torch.tensor(subsets[ds][str(seed)][key], dtype=torch.long)
            epochs = cfg["epochs"][key]
            torch.manual_seed(seed)
            c = dict(recipe["classifier"])
            c["freezeEncoder"] = (c.get("freezeEncoder") or {}).get(key, 0)  # epochs, per label count
            acc = classify(xtr[idx], ytr[idx], xte, yte, sizes, activation, encoder, c, epochs, 2000 + seed)
            r = {"side": "pytorch", "dataset": ds, "seed": seed, "recipe": job["recipe"], "labels": labels,
                 "accuracy": acc}
            log(f"torch {ds} seed {seed} {job['recipe']} {labels} labels: {acc * 100:.2f} %")
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
