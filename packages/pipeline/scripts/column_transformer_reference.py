"""scikit-learn's ColumnTransformer on a mixed CSV, for src/__tests__/columnTransformer.test.ts.

The CSV is vega-datasets' weather.csv (BSD-3-Clause; a devDependency of this package): 2 922 daily records
of two cities — location (text), date (text), precipitation, temp_max, temp_min, wind (numbers), weather
(text: the class).

Run with Debian's python3-sklearn (1.2.1) and python3-pandas, from the repository root:
    /usr/bin/python3 packages/pipeline/scripts/column_transformer_reference.py
It writes src/__tests__/fixtures/columnTransformer.sklearn.json: for each configuration the output names,
the transformed matrix of every 4th row (full float64 precision, repr) and the column sums over all rows.
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, make_column_selector, make_column_transformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, '..', 'node_modules', 'vega-datasets', 'data', 'weather.csv')
OUT = os.path.join(HERE, '..', 'src', '__tests__', 'fixtures', 'columnTransformer.sklearn.json')

df = pd.read_csv(CSV)
X = df.drop(columns=['weather'])
NUM = ['precipitation', 'temp_max', 'temp_min', 'wind']


def dense(a):
    return a.toarray() if hasattr(a, 'toarray') else np.asarray(a, dtype=float)


def record(ct, frame):
    Z = dense(ct.fit_transform(frame))
    return {
        'names': [str(n) for n in ct.get_feature_names_out()],
        'shape': list(Z.shape),
        'every4th': [[float(v) for v in row] for row in Z[::4]],
        'columnSums': [float(v) for v in Z.sum(axis=0)],
    }


configs = {
    # by name; date (text) dropped by remainder='drop'
    'byName': (ColumnTransformer([
        ('num', StandardScaler(), NUM),
        ('cat', OneHotEncoder(sparse_output=False), ['location']),
    ]), X),
    # selectors: numbers scaled, text columns whose name starts with "loc" ordinal-encoded
    'selectors': (make_column_transformer(
        (StandardScaler(), make_column_selector(dtype_include=np.number)),
        (OrdinalEncoder(), make_column_selector(dtype_include=object, pattern='^loc')),
    ), X),
    # by index and pattern, remainder passthrough (precipitation, wind), on the frame without date
    'passthrough': (ColumnTransformer([
        ('temps', StandardScaler(), make_column_selector(pattern='^temp')),
        ('loc', OrdinalEncoder(), [0]),
    ], remainder='passthrough'), X.drop(columns=['date'])),
}

out = {'sklearn': sklearn.__version__, 'pandas': pd.__version__, 'rows': int(len(df))}
for key, (ct, frame) in configs.items():
    out[key] = record(ct, frame)

with open(OUT, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(OUT, {k: out[k]['names'] for k in configs})
