import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ValidationError } from '@layerwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accuracyScore,
  balancedAccuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  fbetaScore,
  formatFixed,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  precisionScore,
  r2Score,
  recallScore,
  rocAucScore,
} from '../index.js';
import { REF } from './reference.js';

// The fixed inputs of scripts/reference.py.
const bt = [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
const bp = [0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0];
const mt = [0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 2, 1, 0, 0, 2];
const mp = [0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1, 1, 0, 2];
const st = ['cat', 'dog', 'bird', 'cat', 'fish', 'dog', 'bird', 'cat', 'dog', 'cat'];
const sp = ['cat', 'cat', 'bird', 'cat', 'dog', 'dog', 'cat', 'cat', 'dog', 'bird'];
const pb = [0.1, 0.9, 0.35, 0.2, 0.8, 0.7, 0.6, 0.3, 0.95, 0.55, 0.65, 0.4];
const pm = [
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
  [0.2, 0.2, 0.6],
  [0.1, 0.1, 0.8],
  [0.2, 0.6, 0.2],
  [0.8, 0.1, 0.1],
  [0.3, 0.5, 0.2],
  [0.1, 0.8, 0.1],
  [0.6, 0.3, 0.1],
  [0.5, 0.1, 0.4],
  [0.1, 0.2, 0.7],
  [0.3, 0.4, 0.3],
  [0.3, 0.6, 0.1],
  [1.0, 0.0, 0.0],
  [0.2, 0.3, 0.5],
];
const sb = [0.1, 0.9, 0.4, 0.2, 0.8, 0.7, 0.7, 0.4, 0.9, 0.55, 0.65, 0.4];
const rt = [3.0, -0.5, 2.0, 7.0, 4.2, -1.3, 0.0, 5.5];
const rp = [2.5, 0.0, 2.0, 8.0, 3.9, -2.0, 0.4, 5.0];
const rt2 = [
  [0.5, 1.0],
  [-1.0, 1.0],
  [7.0, -6.0],
  [2.0, 3.5],
];
const rp2 = [
  [0.0, 2.0],
  [-1.0, 2.0],
  [8.0, -5.0],
  [2.5, 3.0],
];

const close = (a: number | number[], b: number | readonly number[]) => {
  if (Array.isArray(b)) {
    expect((a as number[]).length).toBe(b.length);
    for (const [i, v] of (a as number[]).entries()) expect(v).toBeCloseTo(b[i]!, 12);
  } else expect(a as number).toBeCloseTo(b as number, 12);
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('classification scores equal scikit-learn 1.2.1', () => {
  it('accuracyScore and balancedAccuracyScore', () => {
    close(accuracyScore(bt, bp), REF.accuracy.binary);
    close(accuracyScore(mt, mp), REF.accuracy.multi);
    close(accuracyScore(st, sp), REF.accuracy.string);
    expect(accuracyScore(mt, mp, { normalize: false })).toBe(REF.accuracy.multiCount);
    close(balancedAccuracyScore(mt, mp), REF.balancedAccuracy.multi);
    close(balancedAccuracyScore(st, sp), REF.balancedAccuracy.string);
  });

  for (const [name, f] of [
    ['precision', precisionScore],
    ['recall', recallScore],
    ['f1', f1Score],
  ] as const) {
    it(`${name}Score: binary, posLabel, every average, labels, zeroDivision`, () => {
      const r = REF.prf[name];
      close(f(bt, bp), r.binary);
      close(f(bt, bp, { posLabel: 0 }), r.binaryPos0);
      close(
        f(['cat', 'dog', 'dog', 'cat', 'dog'], ['dog', 'dog', 'cat', 'cat', 'dog'], { posLabel: 'dog' }),
        r.stringBinaryPosDog,
      );
      for (const a of ['macro', 'micro', 'weighted'] as const) {
        close(f(mt, mp, { average: a }), r[`multi_${a}`]);
        close(f(st, sp, { average: a }), r[`string_${a}`]);
        close(f(bt, bp, { average: a }), r[`binary_${a}`]);
      }
      close(f(mt, mp, { average: null }), r.multi_none);
      close(f(mt, mp, { labels: [2, 0], average: 'macro' }), r.multi_labels20_macro);
      close(f(mt, mp, { labels: [2, 0], average: 'micro' }), r.multi_labels20_micro);
      close(f(st, sp, { average: null, zeroDivision: 1 }), r.string_none_zd1);
    });
  }

  it('fbetaScore', () => {
    close(fbetaScore(mt, mp, { beta: 2, average: 'macro' }), REF.fbeta2_macro);
  });

  it('accepts every label kind the estimators take (Int32Array, tensors, strings)', () => {
    const t = tf.tensor1d(mt, 'int32');
    const before = tf.memory().numTensors;
    close(f1Score(t, Int32Array.from(mp), { average: 'macro' }), REF.prf.f1.multi_macro);
    close(accuracyScore(tf.tensor1d(mt), mp), REF.accuracy.multi);
    expect(tf.memory().numTensors).toBe(before + 1); // only the tensor made inline above
    t.dispose();
  });

  it('confusionMatrix: counts, label order, normalisation', () => {
    expect(confusionMatrix(mt, mp)).toEqual(REF.confusion.multi);
    expect(confusionMatrix(st, sp)).toEqual(REF.confusion.string);
    expect(confusionMatrix(mt, mp, { labels: [2, 0, 1] })).toEqual(REF.confusion.labels);
    for (const [norm, key] of [
      ['true', 'normTrue'],
      ['pred', 'normPred'],
      ['all', 'normAll'],
    ] as const) {
      const got = confusionMatrix(mt, mp, { normalize: norm });
      for (const [i, row] of got.entries()) close(row, REF.confusion[key][i]!);
    }
  });

  it("classificationReport's text is scikit-learn's, character for character", () => {
    expect(classificationReport(mt, mp)).toBe(REF.report.multi);
    expect(classificationReport(mt, mp, { targetNames: ['zero', 'one', 'two'], digits: 3 })).toBe(
      REF.report.names3,
    );
    expect(classificationReport(st, sp)).toBe(REF.report.string);
    expect(classificationReport(mt, mp, { labels: [0, 1] })).toBe(REF.report.labels);
    expect(classificationReport([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])).toBe(
      REF.report.tie,
    );
  });

  it('classificationReport object form equals output_dict', () => {
    const d = classificationReport(mt, mp, { outputDict: true });
    expect(Object.keys(d)).toEqual(Object.keys(REF.report.dict));
    for (const [k, v] of Object.entries(REF.report.dict)) {
      if (typeof v === 'number') close(d[k] as number, v);
      else for (const [h, x] of Object.entries(v)) close((d[k] as unknown as Record<string, number>)[h]!, x);
    }
    // notebook display (Deno's Jupyter kernel): an HTML table with a row per class, accuracy and the averages;
    // invisible to JSON and Object.keys
    const show = (d as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for('Jupyter.display')
    ]!;
    const html = show.call(d)['text/html']!;
    expect(html).toMatch(/^<table class="layerwise-classification-report"><tr><th><\/th><th>precision<\/th>/);
    for (const k of Object.keys(d)) expect(html).toContain(`<tr><th>${k}</th>`);
    expect(html.match(/<tr>/g)).toHaveLength(Object.keys(d).length + 1);
    expect(Object.keys(JSON.parse(JSON.stringify(d)))).toEqual(Object.keys(d));
  });

  it('formatFixed rounds exact ties half to even like Python', () => {
    expect(formatFixed(0.625, 2)).toBe('0.62');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(0.7333333, 2)).toBe('0.73');
  });
});

describe('probability scores equal scikit-learn 1.2.1', () => {
  it('logLoss: binary 1-D and 2-column, multiclass, sum, renormalised rows, labels', () => {
    close(logLoss(bt, pb), REF.logLoss.binary);
    close(
      logLoss(
        bt,
        pb.map((p) => [1 - p, p]),
      ),
      REF.logLoss.binary2col,
    );
    close(logLoss(mt, pm), REF.logLoss.multi);
    close(logLoss(mt, pm, { normalize: false }), REF.logLoss.multiSum);
    close(
      logLoss(
        [0, 1, 1],
        [
          [0.5, 0.5],
          [0.2, 0.6],
          [0.0, 1.0],
        ],
      ),
      REF.logLoss.unnormalised,
    );
    close(
      logLoss(
        [1, 1, 2],
        [
          [0.2, 0.5, 0.3],
          [0.1, 0.8, 0.1],
          [0.3, 0.3, 0.4],
        ],
        { labels: [0, 1, 2] },
      ),
      REF.logLoss.labels,
    );
  });

  it('logLoss takes predictProba tensors and leaks none', () => {
    const p = tf.tensor2d(pm);
    const before = tf.memory().numTensors;
    expect(logLoss(mt, p)).toBeCloseTo(REF.logLoss.multi, 6); // float32 probabilities
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('rocAucScore: binary, ties, one-vs-rest macro and weighted, string labels', () => {
    close(rocAucScore(bt, pb), REF.rocAuc.binary);
    close(
      rocAucScore(
        bt,
        pb.map((p) => [1 - p, p]),
      ),
      REF.rocAuc.binary,
    );
    close(rocAucScore(bt, sb), REF.rocAuc.ties);
    close(rocAucScore(mt, pm, { multiClass: 'ovr' }), REF.rocAuc.ovrMacro);
    close(rocAucScore(mt, pm, { multiClass: 'ovr', average: 'weighted' }), REF.rocAuc.ovrWeighted);
    close(rocAucScore(['no', 'yes', 'yes', 'no', 'yes'], [0.2, 0.7, 0.4, 0.5, 0.9]), REF.rocAuc.stringBinary);
  });
});

describe('regression scores equal scikit-learn 1.2.1', () => {
  it('MAE, MSE, RMSE, R² on one and two output columns', () => {
    close(meanAbsoluteError(rt, rp), REF.regression.mae);
    close(meanSquaredError(rt, rp), REF.regression.mse);
    close(meanSquaredError(rt, rp, { squared: false }), REF.regression.rmse);
    close(r2Score(rt, rp), REF.regression.r2);
    close(meanAbsoluteError(rt2, rp2), REF.regression.mae2);
    close(meanSquaredError(rt2, rp2), REF.regression.mse2);
    close(meanSquaredError(rt2, rp2, { squared: false }), REF.regression.rmse2);
    close(r2Score(rt2, rp2), REF.regression.r2_2);
    close(r2Score([1, 1, 1], [1, 1, 0.5]), REF.regression.r2Constant);
    close(
      meanSquaredError(Float64Array.from(rt), { data: Float64Array.from(rp), shape: [8, 1] }),
      REF.regression.mse,
    );
  });
});

describe('bad input is a ValidationError saying what to do', () => {
  it.each([
    ['different lengths', () => accuracyScore([0, 1], [0]), /yTrue has 2 labels but yPred has 1/],
    ['empty', () => f1Score([], []), /empty/],
    ['mixed label types', () => accuracyScore([0, 1], ['a', 'b']), /one type/],
    ['binary average on 3 classes', () => f1Score(mt, mp), /choose average/],
    ['posLabel not present', () => precisionScore(['a', 'b'], ['a', 'b']), /posLabel 1 is not a valid label/],
    ['unknown average', () => recallScore(mt, mp, { average: 'samples' as never }), /average must be/],
    ['NaN score', () => rocAucScore([0, 1], [0.1, Number.NaN]), /finite/],
    ['single class in rocAuc', () => rocAucScore([1, 1], [0.2, 0.3]), /only one class/],
    ['multiclass without ovr', () => rocAucScore(mt, pm), /multiClass: 'ovr'/],
    [
      'rows not probabilities',
      () =>
        rocAucScore(
          [0, 1, 2],
          [
            [1, 1, 1],
            [0, 1, 0],
            [0, 0, 1],
          ],
          { multiClass: 'ovr' },
        ),
      /sum/,
    ],
    [
      'logLoss column count',
      () =>
        logLoss(
          mt,
          mt.map(() => [0.5, 0.5]),
        ),
      /columns/,
    ],
    ['logLoss single class', () => logLoss([1, 1], [0.2, 0.4]), /single class/],
    ['report targetNames', () => classificationReport(mt, mp, { targetNames: ['a'] }), /targetNames/],
    ['regression shape', () => r2Score(rt2, rt), /4×2 but yPred is 8×1/],
    [
      'disposed tensor',
      () => {
        const t = tf.tensor1d([1, 2]);
        t.dispose();
        return accuracyScore(t, [1, 2]);
      },
      /disposed/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(message);
  });
});
