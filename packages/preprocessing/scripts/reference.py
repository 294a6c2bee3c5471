"""Reference outputs of scikit-learn for the fixed inputs in src/__tests__/preprocessing.test.ts.

Run with Debian's python3-sklearn (1.2.1):  /usr/bin/python3 packages/preprocessing/scripts/reference.py
The tests hard-code the numbers this prints; change both together.
"""
import json

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (LabelEncoder, MaxAbsScaler, MinMaxScaler, Normalizer, OneHotEncoder,
                                   OrdinalEncoder, RobustScaler, StandardScaler)

X = np.array([
    [1.0, -2.0, 3.5, 10.0],
    [2.5, 0.0, -1.0, 10.0],
    [-3.0, 4.0, 0.5, 10.0],
    [0.5, 1.5, 2.0, 10.0],
    [4.0, -1.0, 8.0, 10.0],
    [1.5, 2.5, -4.5, 10.0],
    [-0.5, 3.0, 1.0, 10.0],
])
T = np.array([[0.0, 1.0, 2.0, 11.0], [5.0, -3.0, 0.0, 9.0]])


def r(a):
    return np.round(np.asarray(a, dtype=float), 10).tolist()


out = {"sklearn": sklearn.__version__}

s = StandardScaler().fit(X)
out["standard"] = {"mean": r(s.mean_), "var": r(s.var_), "scale": r(s.scale_), "transformT": r(s.transform(T))}
s = StandardScaler()
s.partial_fit(X[:3]); s.partial_fit(X[3:5]); s.partial_fit(X[5:])
out["standardPartial"] = {"mean": r(s.mean_), "var": r(s.var_), "n": int(s.n_samples_seen_)}
s = StandardScaler(with_mean=False).fit(X)
out["standardNoMean"] = {"transformT": r(s.transform(T))}

s = MinMaxScaler(feature_range=(-1, 2)).fit(X)
out["minmax"] = {"dataMin": r(s.data_min_), "dataMax": r(s.data_max_), "scale": r(s.scale_), "min": r(s.min_),
                 "transformT": r(s.transform(T))}
s = MinMaxScaler(feature_range=(-1, 2), clip=True).fit(X)
out["minmaxClip"] = {"transformT": r(s.transform(T))}
s = MinMaxScaler()
s.partial_fit(X[:2]); s.partial_fit(X[2:])
out["minmaxPartial"] = {"dataMin": r(s.data_min_), "dataMax": r(s.data_max_), "transformT": r(s.transform(T))}

s = MaxAbsScaler().fit(X)
out["maxabs"] = {"maxAbs": r(s.max_abs_), "scale": r(s.scale_), "transformT": r(s.transform(T))}

s = RobustScaler().fit(X)
out["robust"] = {"center": r(s.center_), "scale": r(s.scale_), "transformT": r(s.transform(T))}
s = RobustScaler(quantile_range=(10.0, 80.0), with_centering=False).fit(X)
out["robust1080"] = {"scale": r(s.scale_), "transformT": r(s.transform(T))}

out["normalizer"] = {n: r(Normalizer(norm=n).fit(X).transform(X[:3])) for n in ["l1", "l2", "max"]}

M = X.copy()
M[0, 0] = np.nan; M[2, 0] = np.nan; M[1, 2] = np.nan; M[4, 2] = np.nan; M[5, 2] = np.nan
M[:, 1] = np.array([1.0, 2.0, 2.0, 3.0, 3.0, np.nan, 1.0])
MT = np.array([[np.nan, np.nan, np.nan, 1.0]])
out["imputer"] = {}
for strat in ["mean", "median", "most_frequent"]:
    s = SimpleImputer(strategy=strat).fit(M)
    out["imputer"][strat] = {"statistics": r(s.statistics_), "transformMT": r(s.transform(MT))}
s = SimpleImputer(strategy="constant", fill_value=-7.0).fit(M)
out["imputer"]["constant"] = {"statistics": r(s.statistics_), "transformMT": r(s.transform(MT))}

C = [["red", 1.0], ["blue", 3.0], ["red", 3.0], ["green", 2.0]]
e = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(C)
out["onehot"] = {"categories": [[v if isinstance(v, str) else float(v) for v in c] for c in e.categories_],
                 "transform": r(e.transform([["green", 1.0], ["purple", 3.0]]))}

o = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(C)
out["ordinal"] = {"categories": [[v if isinstance(v, str) else float(v) for v in c] for c in o.categories_],
                  "transformC": r(o.transform(C)), "transform": r(o.transform([["green", 1.0], ["purple", 3.0]])),
                  "inverse": [[v if isinstance(v, str) or v is None else float(v) for v in row]
                              for row in o.inverse_transform([[2, 0], [-1, 2]]).tolist()]}

le = LabelEncoder().fit(["tokyo", "paris", "tokyo", "amsterdam"])
out["label"] = {"classes": le.classes_.tolist(), "transform": le.transform(["paris", "amsterdam"]).tolist()}

Xp = X[:, :3]
p = PCA(n_components=2).fit(Xp)
out["pca2"] = {"components": r(p.components_), "explainedVariance": r(p.explained_variance_),
               "explainedVarianceRatio": r(p.explained_variance_ratio_), "singularValues": r(p.singular_values_),
               "mean": r(p.mean_), "noiseVariance": round(float(p.noise_variance_), 10),
               "transformT": r(p.transform(T[:, :3]))}
p = PCA(n_components=0.8).fit(Xp)
out["pca08"] = {"nComponents": int(p.n_components_)}
p = PCA(whiten=True).fit(Xp)
out["pcaWhiten"] = {"nComponents": int(p.n_components_), "transformT": r(p.transform(T[:, :3])),
                    "components": r(p.components_)}
Xw = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 0.0, 1.0, -1.0, 3.0], [0.0, 1.0, 4.0, 2.0, -2.0]])
p = PCA().fit(Xw)
out["pcaWide"] = {"nComponents": int(p.n_components_), "components": r(p.components_),
                  "singularValues": r(p.singular_values_)}

print(json.dumps(out, indent=1))
