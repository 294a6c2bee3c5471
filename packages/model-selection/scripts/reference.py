"""Reference folds and sizes for @layerwise/model-selection's tests, from scikit-learn (Debian python3-sklearn 1.2.1).

    /usr/bin/python3 packages/model-selection/scripts/reference.py
"""
import json
import warnings

import numpy as np
from sklearn.model_selection import KFold, ParameterGrid, StratifiedKFold, StratifiedShuffleSplit, train_test_split

out = {}
y = [2, 0, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 1, 0, 2, 1]
X = np.zeros((len(y), 1))
out["kfold"] = [t.tolist() for _, t in KFold(4).split(X)]
out["skfold"] = [t.tolist() for _, t in StratifiedKFold(4).split(X, y)]
out["skfold3"] = [t.tolist() for _, t in StratifiedKFold(3).split(X, y)]
ys = ["b", "a", "c", "a", "b", "b", "a", "c", "c", "b", "a", "b", "b"]
out["skfoldStrings"] = [t.tolist() for _, t in StratifiedKFold(3).split(np.zeros((len(ys), 1)), ys)]
out["trainTestSizes"] = {}
for ts in [0.25, 0.3, 5, None]:
    a, b = train_test_split(list(range(23)), test_size=ts)
    out["trainTestSizes"][str(ts)] = [len(a), len(b)]
a, b = train_test_split(list(range(23)), train_size=0.6)
out["trainTestSizes"]["train0.6"] = [len(a), len(b)]
# per-class counts of a stratified split (deterministic up to tie-breaking; these inputs have no ties)
ytr, yte = train_test_split(y, test_size=0.3, stratify=y, random_state=0)
out["stratifiedCounts"] = {"train": np.bincount(ytr).tolist(), "test": np.bincount(yte).tolist()}
sss = StratifiedShuffleSplit(n_splits=1, test_size=6, random_state=0)
tr, te = next(sss.split(X, y))
out["sssCounts"] = {"train": np.bincount(np.array(y)[tr]).tolist(), "test": np.bincount(np.array(y)[te]).tolist()}
out["grid"] = list(ParameterGrid([{"b": [1, 2], "a": ["x", "y"]}, {"c": [True]}]))
print(json.dumps(out))
