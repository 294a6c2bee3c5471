// Printed by scripts/reference.py (scikit-learn 1.2.1, Debian python3-sklearn); do not edit by hand.
export const REF = {
  kfold: [
    [0, 1, 2, 3, 4, 5],
    [6, 7, 8, 9, 10, 11],
    [12, 13, 14, 15, 16, 17],
    [18, 19, 20, 21, 22],
  ],
  skfold: [
    [0, 1, 2, 3, 4, 5],
    [6, 7, 8, 9, 10, 11],
    [12, 13, 14, 15, 16, 18],
    [17, 19, 20, 21, 22],
  ],
  skfold3: [
    [0, 1, 2, 3, 4, 5, 6, 7],
    [8, 9, 10, 11, 12, 13, 14, 15],
    [16, 17, 18, 19, 20, 21, 22],
  ],
  skfoldStrings: [
    [0, 1, 2, 3, 4],
    [5, 6, 7, 9],
    [8, 10, 11, 12],
  ],
  trainTestSizes: { '0.25': [17, 6], '0.3': [16, 7], '5': [18, 5], None: [17, 6], 'train0.6': [13, 10] },
  stratifiedCounts: { train: [5, 6, 5], test: [2, 3, 2] },
  sssCounts: { train: [5, 7, 5], test: [2, 2, 2] },
  grid: [{ a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 1 }, { a: 'y', b: 2 }, { c: true }],
} as const;
