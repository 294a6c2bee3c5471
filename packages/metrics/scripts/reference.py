"""Reference numbers for @layerwise/metrics' tests, from scikit-learn (Debian python3-sklearn 1.2.1).

Run once with Debian's Python and copy the printed JSON into src/__tests__/reference.ts:
    /usr/bin/python3 packages/metrics/scripts/reference.py
"""
import json

import numpy as np
import sklearn
from sklearn import metrics as m

out = {"sklearn": sklearn.__version__}

# binary labels
bt = [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
bp = [0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0]
# multiclass labels
mt = [0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 2, 1, 0, 0, 2]
mp = [0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1, 1, 0, 2]
# string labels (a class never predicted: 'fish')
st = ["cat", "dog", "bird", "cat", "fish", "dog", "bird", "cat", "dog", "cat"]
sp = ["cat", "cat", "bird", "cat", "dog", "dog", "cat", "cat", "dog", "bird"]

out["accuracy"] = {
    "binary": m.accuracy_score(bt, bp),
    "multi": m.accuracy_score(mt, mp),
    "string": m.accuracy_score(st, sp),
    "multiCount": float(m.accuracy_score(mt, mp, normalize=False)),
}
out["balancedAccuracy"] = {"multi": m.balanced_accuracy_score(mt, mp), "string": m.balanced_accuracy_score(st, sp)}

prf = {}
for name, f in [("precision", m.precision_score), ("recall", m.recall_score), ("f1", m.f1_score)]:
    r = {
        "binary": f(bt, bp),
        "binaryPos0": f(bt, bp, pos_label=0),
        "stringBinaryPosDog": f(["cat", "dog", "dog", "cat", "dog"], ["dog", "dog", "cat", "cat", "dog"], pos_label="dog"),
    }
    for avg in ["macro", "micro", "weighted"]:
        r["multi_" + avg] = f(mt, mp, average=avg)
        r["string_" + avg] = f(st, sp, average=avg, zero_division=0)
        r["binary_" + avg] = f(bt, bp, average=avg)
    r["multi_none"] = [float(v) for v in f(mt, mp, average=None)]
    r["multi_labels20_macro"] = f(mt, mp, labels=[2, 0], average="macro")
    r["multi_labels20_micro"] = f(mt, mp, labels=[2, 0], average="micro")
    r["string_none_zd1"] = [float(v) for v in f(st, sp, average=None, zero_division=1)]
    prf[name] = r
out["prf"] = prf
out["fbeta2_macro"] = m.fbeta_score(mt, mp, beta=2, average="macro")

out["confusion"] = {
    "multi": m.confusion_matrix(mt, mp).tolist(),
    "string": m.confusion_matrix(st, sp).tolist(),
    "labels": m.confusion_matrix(mt, mp, labels=[2, 0, 1]).tolist(),
    "normTrue": m.confusion_matrix(mt, mp, normalize="true").tolist(),
    "normPred": m.confusion_matrix(mt, mp, normalize="pred").tolist(),
    "normAll": m.confusion_matrix(mt, mp, normalize="all").tolist(),
}

out["report"] = {
    "multi": m.classification_report(mt, mp),
    "names3": m.classification_report(mt, mp, target_names=["zero", "one", "two"], digits=3),
    "string": m.classification_report(st, sp, zero_division=0),
    "labels": m.classification_report(mt, mp, labels=[0, 1]),
    "dict": m.classification_report(mt, mp, output_dict=True),
    # precision 5/8 = 0.625 is an exact tie at 2 digits: Python rounds half to even (0.62)
    "tie": m.classification_report([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
}

# probabilities
pb = [0.1, 0.9, 0.35, 0.2, 0.8, 0.7, 0.6, 0.3, 0.95, 0.55, 0.65, 0.4]
pm = np.array([
    [0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2],
    [0.8, 0.1, 0.1], [0.3, 0.5, 0.2], [0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.5, 0.1, 0.4],
    [0.1, 0.2, 0.7], [0.3, 0.4, 0.3], [0.3, 0.6, 0.1], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5],
])
out["logLoss"] = {
    "binary": m.log_loss(bt, pb),
    "binary2col": m.log_loss(bt, np.stack([1 - np.array(pb), pb], axis=1)),
    "multi": m.log_loss(mt, pm),
    "multiSum": m.log_loss(mt, pm, normalize=False),
    # rows that do not sum to 1 are renormalised; a zero probability is clipped
    "unnormalised": m.log_loss([0, 1, 1], [[0.5, 0.5], [0.2, 0.6], [0.0, 1.0]]),
    "labels": m.log_loss([1, 1, 2], [[0.2, 0.5, 0.3], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]], labels=[0, 1, 2]),
}
# ties in the scores
sb = [0.1, 0.9, 0.4, 0.2, 0.8, 0.7, 0.7, 0.4, 0.9, 0.55, 0.65, 0.4]
out["rocAuc"] = {
    "binary": m.roc_auc_score(bt, pb),
    "ties": m.roc_auc_score(bt, sb),
    "ovrMacro": m.roc_auc_score(mt, pm, multi_class="ovr"),
    "ovrWeighted": m.roc_auc_score(mt, pm, multi_class="ovr", average="weighted"),
    "stringBinary": m.roc_auc_score(["no", "yes", "yes", "no", "yes"], [0.2, 0.7, 0.4, 0.5, 0.9]),
}

rt = [3.0, -0.5, 2.0, 7.0, 4.2, -1.3, 0.0, 5.5]
rp = [2.5, 0.0, 2.0, 8.0, 3.9, -2.0, 0.4, 5.0]
rt2 = [[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0], [2.0, 3.5]]
rp2 = [[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0], [2.5, 3.0]]
out["regression"] = {
    "mae": m.mean_absolute_error(rt, rp),
    "mse": m.mean_squared_error(rt, rp),
    "rmse": m.mean_squared_error(rt, rp, squared=False),
    "r2": m.r2_score(rt, rp),
    "mae2": m.mean_absolute_error(rt2, rp2),
    "mse2": m.mean_squared_error(rt2, rp2),
    "rmse2": m.mean_squared_error(rt2, rp2, squared=False),
    "r2_2": m.r2_score(rt2, rp2),
    "r2Constant": m.r2_score([1.0, 1.0, 1.0], [1.0, 1.0, 0.5]),
}

print(json.dumps(out, indent=1))
