import {
  type EstimatorOptions,
  type FeaturesLike,
  type MatrixLike,
  type ParamSpec,
  ValidationError,
} from '@layerwise/core';
import { EVD, Matrix, SVD } from 'ml-matrix';
import { BaseTransformer, type FileReader, type FittedData, named, readMatrix, toOutput } from './base.js';
import { columnMeanVar } from './stats.js';

/** Hyper-parameters of {@link PCA}. */
export interface PCAParams {
  /**
   * Components to keep: an integer (1 … min(samples, features)), a fraction in (0, 1) — the fewest
   * components whose explained variance ratio adds up to more than it — or null/undefined for all
   * min(samples, features). Default null.
   */
  nComponents: number | null;
  /** Divide the projections by `sqrt(explainedVariance)` so each component has unit variance. Default false. */
  whiten: boolean;
  /**
   * Seed for randomized solvers. The decomposition here is always the exact (full) SVD, which uses no
   * randomness; the parameter is kept so scikit-learn code ports unchanged. Default null.
   */
  randomState: number | null;
  /**
   * `'full'`: exact SVD of the centred data (scikit-learn's full solver). `'covariance_eigh'`: eigenvectors
   * of the covariance matrix — far cheaper for many samples and few features (its cost grows with
   * features³, not samples × features²; sparse rows such as MNIST's are cheap), equal to float precision.
   * `'auto'` (default): `'covariance_eigh'` when samples ≥ features and features ≤ 1000, else `'full'`
   * (scikit-learn 1.5's auto asks for samples ≥ 10 × features; the exact SVD in JavaScript is slower).
   */
  svdSolver: 'auto' | 'full' | 'covariance_eigh';
}

const DEFAULTS: PCAParams = { nComponents: null, whiten: false, randomState: null, svdSolver: 'auto' };
const SPEC: ParamSpec<PCAParams> = {
  nComponents: { type: 'number', nullable: true, exclusiveMin: 0 },
  whiten: { type: 'boolean' },
  randomState: { type: 'int', nullable: true },
  svdSolver: { type: 'enum', values: ['auto', 'full', 'covariance_eigh'] },
};

/**
 * Principal component analysis (scikit-learn's `PCA`): the exact SVD of the centred data, or for tall
 * data the eigenvectors of its covariance (`svdSolver`; both from `ml-matrix`). Component signs follow
 * scikit-learn's `svd_flip`: the largest
 * absolute entry of each column of U is positive, so `components` equal scikit-learn's. Fitted arrays
 * are kept as float32, the precision of the model file, so a loaded PCA transforms identically.
 *
 * ```ts
 * const pca = new PCA({ nComponents: 0.95 }).fit(X);
 * pca.nComponents;            // components that explain > 95 % of the variance
 * const Z = pca.transform(X); // [samples, nComponents]
 * ```
 */
export class PCA extends BaseTransformer<PCAParams> {
  #mean: Float32Array | null = null;
  /** `[k, features]`, row-major. */
  #components: Float32Array | null = null;
  #explainedVariance: Float32Array | null = null;
  #explainedVarianceRatio: Float32Array | null = null;
  #singularValues: Float32Array | null = null;
  #k = 0;
  #nSamples = 0;
  #noiseVariance = 0;

  /** @param params `{ nComponents, whiten, randomState }`; bad values → ValidationError */
  constructor(params: Partial<PCAParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  protected override validateCombination(p: PCAParams): void {
    const n = p.nComponents;
    if (n !== null && n >= 1 && !Number.isInteger(n)) {
      throw new ValidationError(
        `PCA: nComponents must be an integer ≥ 1, a fraction in (0, 1) or null, got ${n}.`,
      );
    }
  }

  get kind(): string {
    return 'PCA';
  }

  get isFitted(): boolean {
    return this.#k > 0;
  }

  #get(x: Float32Array | null, what: string): number[] {
    this.assertFitted(what);
    return Array.from(x!);
  }

  /** Per-feature mean of the training data. */
  get mean(): number[] {
    return this.#get(this.#mean, 'mean');
  }

  /** Principal axes `[nComponents][features]`, by decreasing explained variance. */
  get components(): number[][] {
    this.assertFitted('components');
    const p = this.nFeatures;
    return Array.from({ length: this.#k }, (_, i) =>
      Array.from(this.#components!.subarray(i * p, (i + 1) * p)),
    );
  }

  /** Variance along each component (`singularValues² / (samples - 1)`). */
  get explainedVariance(): number[] {
    return this.#get(this.#explainedVariance, 'explainedVariance');
  }

  /** Fraction of the total variance along each component. */
  get explainedVarianceRatio(): number[] {
    return this.#get(this.#explainedVarianceRatio, 'explainedVarianceRatio');
  }

  /** Singular values of the centred data for the kept components. */
  get singularValues(): number[] {
    return this.#get(this.#singularValues, 'singularValues');
  }

  /** Names of the output columns: `pca0`, `pca1`, … (scikit-learn's `get_feature_names_out`). */
  override getFeatureNamesOut(_inputFeatures?: readonly string[]): string[] {
    this.assertFitted('getFeatureNamesOut');
    return Array.from({ length: this.nComponents }, (_, i) => `pca${i}`);
  }

  /** Number of components kept (scikit-learn's `n_components_`). */
  get nComponents(): number {
    this.assertFitted('nComponents');
    return this.#k;
  }

  /** Samples seen at fit time. */
  get nSamples(): number {
    this.assertFitted('nSamples');
    return this.#nSamples;
  }

  /** Mean variance of the dropped components (0 when all are kept), as scikit-learn's `noise_variance_`. */
  get noiseVariance(): number {
    this.assertFitted('noiseVariance');
    return this.#noiseVariance;
  }

  /** Centres X and decomposes it by SVD. Returns this. */
  fit(X: FeaturesLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true);
    const { rows: n, cols: p } = m;
    const maxK = Math.min(n, p);
    const nc = this.params.nComponents;
    if (nc !== null && nc >= 1 && nc > maxK) {
      throw new ValidationError(
        `PCA.fit: nComponents ${nc} is more than min(samples, features) = min(${n}, ${p}) = ${maxK}: ask for at most ${maxK}.`,
      );
    }
    if (n < 2)
      throw new ValidationError('PCA.fit: X has 1 sample; PCA needs at least 2 to estimate variance.');
    const { mean } = columnMeanVar(m.values, n, p);
    const solver =
      this.params.svdSolver === 'auto'
        ? n >= p && p <= 1000
          ? 'covariance_eigh'
          : 'full'
        : this.params.svdSolver;
    const { s, axes } =
      solver === 'full' ? svdAxes(m.values, n, p, mean, maxK) : eighAxes(m.values, n, p, mean, maxK);
    const ev = s.map((x) => (x * x) / (n - 1));
    const total = ev.reduce((a, b) => a + b, 0);
    const ratio = ev.map((v) => (total > 0 ? v / total : 0));
    let k: number;
    if (nc === null) k = maxK;
    else if (nc >= 1) k = nc;
    else {
      // scikit-learn: searchsorted(cumsum(ratio), nComponents, side='right') + 1.
      let cum = 0;
      k = maxK;
      for (let i = 0; i < maxK; i++) {
        cum += ratio[i]!;
        if (cum > nc) {
          k = i + 1;
          break;
        }
      }
    }
    const comps = new Float32Array(k * p);
    const u = new Float64Array(n);
    for (let i = 0; i < k; i++) {
      // svd_flip (U-based): the largest |U[:, i]| is made positive; U[:, i] ∝ (X - mean) · axis i.
      const v = axes.subarray(i * p, (i + 1) * p);
      let mv = 0;
      for (let c = 0; c < p; c++) mv += mean[c]! * v[c]!;
      for (let r = 0; r < n; r++) {
        let acc = 0;
        const o = r * p;
        for (let c = 0; c < p; c++) {
          const x = m.values[o + c]!;
          if (x !== 0) acc += x * v[c]!;
        }
        u[r] = acc - mv;
      }
      let arg = 0;
      for (let r = 1; r < n; r++) if (Math.abs(u[r]!) > Math.abs(u[arg]!)) arg = r;
      const sign = u[arg]! < 0 ? -1 : 1;
      for (let c = 0; c < p; c++) comps[i * p + c] = sign * v[c]!;
    }
    this.#mean = Float32Array.from(mean);
    this.#components = comps;
    this.#explainedVariance = Float32Array.from(ev.slice(0, k));
    this.#explainedVarianceRatio = Float32Array.from(ratio.slice(0, k));
    this.#singularValues = Float32Array.from(s.slice(0, k));
    this.#noiseVariance = k < maxK ? ev.slice(k).reduce((a, b) => a + b, 0) / (maxK - k) : 0;
    this.#nSamples = n;
    this.#k = k;
    this.nFeatures = p;
    return this;
  }

  /** Projections `(X - mean) · componentsᵀ` (÷ `sqrt(explainedVariance)` when whitening), in the kind of X. */
  transform(X: FeaturesLike): MatrixLike {
    const m = this.read(X, 'transform', false);
    const p = m.cols;
    const k = this.#k;
    const out = new Float64Array(m.rows * k);
    const whiten = this.params.whiten;
    for (let r = 0; r < m.rows; r++) {
      for (let i = 0; i < k; i++) {
        let acc = 0;
        for (let c = 0; c < p; c++)
          acc += (m.values[r * p + c]! - this.#mean![c]!) * this.#components![i * p + c]!;
        out[r * k + i] = whiten ? acc / Math.sqrt(this.#explainedVariance![i]!) : acc;
      }
    }
    return toOutput(out, m.rows, k, m.kind, m.f64);
  }

  /** Back to feature space: `Z · components + mean` (undoing whitening), in the kind of Z. */
  inverseTransform(Z: MatrixLike): MatrixLike {
    this.assertFitted('inverseTransform');
    const k = this.#k;
    const m = readMatrix(Z, { where: 'PCA.inverseTransform', name: 'Z', expectedFeatures: k });
    const p = this.nFeatures;
    const out = new Float64Array(m.rows * p);
    const whiten = this.params.whiten;
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < p; c++) {
        let acc = this.#mean![c]!;
        for (let i = 0; i < k; i++) {
          const z = m.values[r * k + i]!;
          acc += (whiten ? z * Math.sqrt(this.#explainedVariance![i]!) : z) * this.#components![i * p + c]!;
        }
        out[r * p + c] = acc;
      }
    }
    return toOutput(out, m.rows, p, m.kind, m.f64);
  }

  protected clearFitted(): void {
    this.#mean = null;
    this.#components = null;
    this.#explainedVariance = null;
    this.#explainedVarianceRatio = null;
    this.#singularValues = null;
    this.#k = 0;
  }

  protected fittedData(): FittedData {
    const k = this.#k;
    return {
      state: { nComponents: k, nSamples: this.#nSamples, noiseVariance: this.#noiseVariance },
      tensors: [
        named('mean', this.#mean!),
        named('components', this.#components!, [k, this.nFeatures]),
        named('explainedVariance', this.#explainedVariance!),
        named('explainedVarianceRatio', this.#explainedVarianceRatio!),
        named('singularValues', this.#singularValues!),
      ],
    };
  }

  protected restore(file: FileReader): void {
    const p = this.nFeatures;
    const k = file.int('nComponents', 1);
    const n = file.int('nSamples', 2);
    if (k > Math.min(n, p))
      file.fail(`state.nComponents ${k} exceeds min(samples, features) = ${Math.min(n, p)}.`);
    const noise = file.state.noiseVariance;
    if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0)
      file.fail('state.noiseVariance must be a finite number ≥ 0.');
    file.only(['mean', 'components', 'explainedVariance', 'explainedVarianceRatio', 'singularValues']);
    this.#mean = file.vector('mean', p);
    this.#components = file.matrix('components', k, p);
    this.#explainedVariance = file.vector('explainedVariance', k);
    if (this.params.whiten && this.#explainedVariance!.some((v) => !(v > 0)))
      file.fail('explainedVariance must be > 0 to whiten.');
    this.#explainedVarianceRatio = file.vector('explainedVarianceRatio', k);
    this.#singularValues = file.vector('singularValues', k);
    this.#nSamples = n;
    this.#noiseVariance = noise as number;
    this.#k = k;
  }

  /** Loads a PCA saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<PCA> {
    return BaseTransformer.loadAs(PCA, 'PCA', dir, options);
  }
}

/** Singular values and right singular vectors (rows of `axes`, `[maxK, p]`) by exact SVD of X - mean. */
function svdAxes(
  values: Float64Array,
  n: number,
  p: number,
  mean: Float64Array,
  maxK: number,
): { s: number[]; axes: Float64Array } {
  const centred = new Matrix(n, p);
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) centred.set(r, c, values[r * p + c]! - mean[c]!);
  const svd = new SVD(centred, { autoTranspose: true, computeLeftSingularVectors: false });
  const V = svd.rightSingularVectors; // [p, ≥ maxK], columns are the axes
  const axes = new Float64Array(maxK * p);
  for (let i = 0; i < maxK; i++) for (let c = 0; c < p; c++) axes[i * p + c] = V.get(c, i);
  return { s: svd.diagonal.slice(0, maxK), axes };
}

/**
 * The same from the eigenvectors of `(X - mean)ᵀ(X - mean) = XᵀX - n·mean·meanᵀ` (zeros of X are
 * skipped, so sparse rows cost little); singular values are the square roots of the eigenvalues.
 */
function eighAxes(
  values: Float64Array,
  n: number,
  p: number,
  mean: Float64Array,
  maxK: number,
): { s: number[]; axes: Float64Array } {
  const C = new Float64Array(p * p);
  const idx = new Int32Array(p);
  const val = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    let nnz = 0;
    for (let c = 0; c < p; c++) {
      const x = values[r * p + c]!;
      if (x !== 0) {
        idx[nnz] = c;
        val[nnz++] = x;
      }
    }
    for (let a = 0; a < nnz; a++) {
      const row = idx[a]! * p;
      const va = val[a]!;
      for (let b = a; b < nnz; b++) C[row + idx[b]!]! += va * val[b]!;
    }
  }
  const cov = new Matrix(p, p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const v = C[i * p + j]! - n * mean[i]! * mean[j]!;
      cov.set(i, j, v);
      cov.set(j, i, v);
    }
  }
  const evd = new EVD(cov, { assumeSymmetric: true });
  const lambda = evd.realEigenvalues; // ascending
  const E = evd.eigenvectorMatrix;
  const order = Array.from(lambda.keys()).sort((a, b) => lambda[b]! - lambda[a]!);
  const axes = new Float64Array(maxK * p);
  const s: number[] = [];
  for (let i = 0; i < maxK; i++) {
    const j = order[i]!;
    s.push(Math.sqrt(Math.max(lambda[j]!, 0)));
    for (let c = 0; c < p; c++) axes[i * p + c] = E.get(c, j);
  }
  return { s, axes };
}
