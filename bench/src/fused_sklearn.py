# scikit-learn's side of `pnpm --filter @layerwise/bench run bench:fused`: the small tabular fits
# (StandardScaler + MLPClassifier [64], batch 32, 50 epochs, Adam lr 1e-3), fit time and test accuracy.
# Debian's python3-sklearn: run with /usr/bin/python3. Prints one JSON line per data set.
import json
import sys
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
for name, load in (("breast_cancer", load_breast_cancer), ("digits", load_digits)):
    X, y = load(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    times, accs = [], []
    for seed in range(rounds):
        model = make_pipeline(
            StandardScaler(),
            MLPClassifier(hidden_layer_sizes=(64,), batch_size=32, max_iter=50, n_iter_no_change=1000,
                          tol=0, random_state=seed),
        )
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        times.append(time.perf_counter() - t0)
        accs.append(model.score(Xte, yte))
    print(json.dumps({"dataset": name, "seconds": sorted(times)[len(times) // 2], "accuracy": sum(accs) / len(accs)}))
