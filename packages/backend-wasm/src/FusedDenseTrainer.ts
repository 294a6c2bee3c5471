import type {
  DenseStackData,
  DenseStackLayer,
  DenseStackSpec,
  DenseStackTrainer,
  TrainingAccelerator,
} from '@layerwise/core';
import { acceleratorThreadLimit, ValidationError } from '@layerwise/core';
import { type KernelFlavor, WasmKernels } from './wasmKernels.js';

const ACTIVATION_CODES: Record<DenseStackLayer['activation'], number> = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  elu: 4,
  softplus: 5,
  leakyRelu: 6,
};

/** Why `spec` is not covered by the fused trainer, or undefined when it is. */
export function fusedDeclineReason(spec: DenseStackSpec): string | undefined {
  const layers = spec.layers;
  if (layers.length === 0) return 'no layers';
  if (!(Number.isInteger(spec.maxBatch) && spec.maxBatch >= 1)) return 'maxBatch must be a positive integer';
  if (!['adam', 'sgd', 'momentum'].includes(spec.optimizer)) return `optimizer ${spec.optimizer}`;
  for (const [i, l] of layers.entries()) {
    if (!(l.activation in ACTIVATION_CODES)) return `layer ${i} activation ${l.activation}`;
    const k = spec.params[l.kernel];
    const b = spec.params[l.bias];
    const kShape = l.kernelTransposed ? [l.units, l.inputSize] : [l.inputSize, l.units];
    if (k?.shape.length !== 2 || k.shape[0] !== kShape[0] || k.shape[1] !== kShape[1]) {
      return `layer ${i}: kernel shape`;
    }
    if (b?.shape.length !== 1 || b.shape[0] !== l.units) return `layer ${i}: bias shape`;
    if (i > 0 && layers[i - 1]!.units !== l.inputSize) return `layer ${i}: input size`;
    if ((l.dropout ?? 0) > 0 && i === layers.length - 1) return 'dropout on the last layer';
  }
  const last = layers[layers.length - 1]!;
  if (spec.loss === 'softmaxCrossEntropy' && (spec.target !== 'labels' || last.activation !== 'linear')) {
    return 'softmax cross-entropy needs class labels and linear logits';
  }
  if (spec.loss === 'meanSquaredError' && spec.target === 'labels') return 'MSE against labels';
  if (spec.target === 'input' && last.units !== layers[0]!.inputSize) return 'output size ≠ input size';
  return undefined;
}

interface LayerBuffers {
  spec: DenseStackLayer;
  act: number;
  z: number;
  a: number;
  /** The layer's output after dropout (= a without dropout). */
  out: number;
  mask: number;
}

/**
 * A dense stack trained entirely inside one instance of the layerwise kernel module: weights, gradients,
 * optimizer state and every activation live in its memory, laid out once at creation; a step gathers the
 * batch's rows into it and runs forward, loss, backward, gradient clipping and the update with no allocation.
 * The formulas are tfjs's (the reference path in `@layerwise/nn`), summed in another order: results agree to
 * float32 rounding, and repeat exactly for one seed on one machine.
 */
export class FusedDenseTrainer implements DenseStackTrainer {
  readonly #w: WasmKernels;
  readonly #spec: DenseStackSpec;
  readonly #B: number;
  readonly #in: number;
  readonly #outUnits: number;
  // Per param: weights, gradient, two optimizer slots, element count, Adam's float32 β powers.
  readonly #pw: number[] = [];
  readonly #pg: number[] = [];
  readonly #ps1: number[] = [];
  readonly #ps2: number[] = [];
  readonly #pn: number[] = [];
  readonly #pow1: Float32Array;
  readonly #pow2: Float32Array;
  readonly #written: Uint8Array;
  readonly #frozen: Uint8Array;
  readonly #layers: LayerBuffers[] = [];
  readonly #x: number;
  readonly #xin: number;
  readonly #noiseMask: number;
  readonly #labels: number;
  readonly #targets: number;
  readonly #rowWeights: number;
  readonly #d0: number;
  readonly #d1: number;
  readonly #scratch: number;
  readonly #correct: number;
  #lr: number;
  #data: DenseStackData | undefined;
  #lastCorrect = 0;
  #disposed = false;
  #iterations = 0;
  /**
   * Views of the rows of one input matrix, made as rows are first gathered and kept while later steps gather
   * from the same matrix: `set(x.subarray(…))` per row was 2/3 of everything a search's fits allocated (55 of
   * 84 MB per GridSearchCV of 12 fits), and the garbage collection it caused ran beside the fits. Views, not
   * copies: they always show the matrix's current values.
   */
  #rowViews: (Float32Array | undefined)[] = [];
  #rowViewsOf: Float32Array | null = null;
  // The optimizer-wide β powers of the next update (tfjs's accBeta1/2), float32 products.
  #globalPow: Float32Array;

  private constructor(w: WasmKernels, spec: DenseStackSpec) {
    this.#w = w;
    this.#spec = spec;
    this.#lr = spec.learningRate;
    this.#globalPow = new Float32Array([Math.fround(spec.beta1), Math.fround(spec.beta2)]);
    const B = spec.maxBatch;
    this.#B = B;
    const layers = spec.layers;
    this.#in = layers[0]!.inputSize;
    this.#outUnits = layers[layers.length - 1]!.units;
    const adam = spec.optimizer === 'adam';
    // Inference: weights and activations only (no gradients, optimizer slots or backward buffers).
    const training = spec.inference !== true;
    for (const p of spec.params) {
      const n = p.shape.reduce((s, d) => s * d, 1);
      this.#pn.push(n);
      this.#pw.push(w.alloc(n));
      this.#pg.push(training ? w.alloc(n) : 0);
      this.#ps1.push(training && spec.optimizer !== 'sgd' ? w.alloc(n) : 0);
      this.#ps2.push(training && adam ? w.alloc(n) : 0);
    }
    // Adam's β powers of each param's NEXT update (β^(k+1) after k updates, float32 products, as tfjs keeps them).
    this.#pow1 = new Float32Array(spec.params.length).fill(Math.fround(spec.beta1));
    this.#pow2 = new Float32Array(spec.params.length).fill(Math.fround(spec.beta2));
    this.#written = new Uint8Array(spec.params.length);
    this.#frozen = new Uint8Array(spec.params.length);
    let widest = this.#in;
    let scratch = 0;
    for (const l of layers) {
      const z = w.alloc(B * l.units);
      const a = l.activation === 'linear' ? z : w.alloc(B * l.units);
      const dropout = (l.dropout ?? 0) > 0;
      const out = dropout ? w.alloc(B * l.units) : a;
      const mask = dropout ? w.alloc(B * l.units) : 0;
      this.#layers.push({ spec: l, act: ACTIVATION_CODES[l.activation], z, a, out, mask });
      widest = Math.max(widest, l.units);
      // A·Bᵀ transposes into scratch: training needs it for every layer's input gradient, a forward pass only
      // for tied (transposed) kernels.
      if (training || l.kernelTransposed) scratch = Math.max(scratch, l.inputSize * l.units);
    }
    this.#x = w.alloc(B * this.#in);
    const noise = (spec.inputNoise ?? 0) > 0;
    this.#xin = noise ? w.alloc(B * this.#in) : this.#x;
    this.#noiseMask = noise ? w.alloc(B * this.#in) : 0;
    this.#labels = spec.target === 'labels' ? w.alloc(B) : 0;
    this.#targets = spec.target === 'values' ? w.alloc(B * this.#outUnits) : 0;
    this.#rowWeights = w.alloc(B);
    this.#d0 = training ? w.alloc(B * widest) : 0;
    this.#d1 = training ? w.alloc(B * widest) : 0;
    this.#scratch = w.alloc(scratch);
    this.#correct = w.alloc(1);
  }

  /**
   * A trainer for `spec` on a fresh kernel instance (`flavor` `'auto'`: relaxed SIMD where supported), its big
   * calls split over `threads` threads (the kernel thread pool; the same results as one thread).
   */
  static async create(
    spec: DenseStackSpec,
    flavor: KernelFlavor | 'auto' = 'auto',
    threads = 1,
  ): Promise<FusedDenseTrainer> {
    const reason = fusedDeclineReason(spec);
    if (reason) throw new ValidationError(`FusedDenseTrainer: this stack is not supported (${reason}).`);
    return new FusedDenseTrainer(await WasmKernels.create(flavor, threads), spec);
  }

  /** The threads its kernels run on. */
  get threads(): number {
    return this.#w.threads;
  }

  /** The kernel build in use. */
  get flavor(): KernelFlavor {
    return this.#w.flavor;
  }

  get lastCorrect(): number {
    return this.#lastCorrect;
  }

  #check(): void {
    if (this.#disposed) throw new ValidationError('FusedDenseTrainer: used after dispose().');
  }

  /** Refuses `what` on a trainer created for forward passes only (it has no gradient or optimizer memory). */
  #trains(what: string): void {
    if (this.#spec.inference === true) {
      throw new ValidationError(
        `FusedDenseTrainer.${what}: this trainer was created for inference (spec.inference: true); create one without it to train.`,
      );
    }
  }

  writeWeights(values: readonly Float32Array[]): void {
    this.#check();
    if (values.length !== this.#pn.length) {
      throw new ValidationError(
        `FusedDenseTrainer.writeWeights: ${values.length} arrays for ${this.#pn.length} params.`,
      );
    }
    values.forEach((v, i) => {
      if (v.length !== this.#pn[i]) {
        throw new ValidationError(
          `FusedDenseTrainer.writeWeights: param ${i} needs ${this.#pn[i]} values, got ${v.length}.`,
        );
      }
    });
    const f32 = this.#w.f32;
    values.forEach((v, i) => {
      f32.set(v, this.#pw[i]! >> 2);
    });
  }

  readWeights(): Float32Array[] {
    this.#check();
    const f32 = this.#w.f32;
    return this.#pw.map((p, i) => f32.slice(p >> 2, (p >> 2) + this.#pn[i]!));
  }

  /** The learning rate of the next updates (a schedule calls this between epochs). */
  setLearningRate(learningRate: number): void {
    this.#lr = learningRate;
  }

  setFrozen(params: readonly number[]): void {
    this.#frozen.fill(0);
    for (const p of params) this.#frozen[p] = 1;
  }

  setData(data: DenseStackData): void {
    const s = this.#spec;
    let need = data.rows;
    if (data.index) {
      if (data.index.length !== data.rows) {
        throw new ValidationError('FusedDenseTrainer.setData: index must hold one row number per row.');
      }
      need = data.index.reduce((m, r) => Math.max(m, r + 1), 0);
    }
    if (data.x.length < need * this.#in) {
      throw new ValidationError(
        `FusedDenseTrainer.setData: x holds fewer than ${data.rows} rows of ${this.#in}.`,
      );
    }
    if (s.target === 'labels' && !(data.labels && data.labels.length >= data.rows)) {
      throw new ValidationError('FusedDenseTrainer.setData: class labels are needed, one per row.');
    }
    if (s.target === 'values' && !(data.targets && data.targets.length >= data.rows * this.#outUnits)) {
      throw new ValidationError(`FusedDenseTrainer.setData: targets [rows, ${this.#outUnits}] are needed.`);
    }
    if (data.weights && data.weights.length < data.rows) {
      throw new ValidationError('FusedDenseTrainer.setData: one weight per row is needed.');
    }
    this.#data = data;
  }

  /** Copies rows `idx` (or `start`..`start + rows` when idx is null) of `data` into the batch buffers. */
  #gather(data: DenseStackData, idx: Int32Array | null, start: number, rows: number): void {
    const f32 = this.#w.f32;
    const cols = this.#in;
    const x = this.#x >> 2;
    const out = this.#outUnits;
    const view = data.index;
    if (idx === null && !view) {
      f32.set(data.x.subarray(start * cols, (start + rows) * cols), x);
      if (this.#labels && data.labels)
        this.#w.i32.set(data.labels.subarray(start, start + rows), this.#labels >> 2);
      if (this.#targets && data.targets) {
        f32.set(data.targets.subarray(start * out, (start + rows) * out), this.#targets >> 2);
      }
      if (data.weights) f32.set(data.weights.subarray(start, start + rows), this.#rowWeights >> 2);
      return;
    }
    const i32 = this.#w.i32;
    const rowViews = this.#rowViewsFor(data.x, cols);
    for (let i = 0; i < rows; i++) {
      const j = idx === null ? start + i : idx[i]!;
      const r = view ? view[j]! : j;
      let row = rowViews[r];
      if (row === undefined) {
        row = data.x.subarray(r * cols, r * cols + cols);
        rowViews[r] = row;
      }
      f32.set(row, x + i * cols);
      if (this.#labels && data.labels) i32[(this.#labels >> 2) + i] = data.labels[j]!;
      if (this.#targets && data.targets) {
        f32.set(data.targets.subarray(j * out, j * out + out), (this.#targets >> 2) + i * out);
      }
      if (data.weights) f32[(this.#rowWeights >> 2) + i] = data.weights[j]!;
    }
  }

  /** The row views of `x` made so far (a new, empty list when `x` is another matrix than the last one). */
  #rowViewsFor(x: Float32Array, cols: number): (Float32Array | undefined)[] {
    if (this.#rowViewsOf !== x) {
      this.#rowViewsOf = x;
      // filled, so that V8 keeps it a plain (not a dictionary) array however rows are visited
      this.#rowViews = new Array<Float32Array | undefined>(Math.ceil(x.length / cols)).fill(undefined);
    }
    return this.#rowViews;
  }

  /** Forward pass over `rows` rows of the batch buffers; returns the input of the first layer. */
  #forward(rows: number, training: boolean, seed: number): number {
    const k = this.#w.k;
    const alpha = this.#spec.leakyReluAlpha;
    let h = this.#x;
    const noise = this.#spec.inputNoise ?? 0;
    if (training && noise > 0) {
      k.drop_mask(rows * this.#in, mix(seed, 0), noise, 1, this.#x, this.#xin, this.#noiseMask);
      h = this.#xin;
    }
    const first = h;
    for (const [i, L] of this.#layers.entries()) {
      const l = L.spec;
      const W = this.#pw[l.kernel]!;
      const b = this.#pw[l.bias]!;
      if (l.kernelTransposed) k.gemm_nt(rows, l.units, l.inputSize, h, W, L.z, b, 0, this.#scratch);
      else k.gemm_nn(rows, l.units, l.inputSize, h, W, L.z, b, 0);
      if (L.a !== L.z) k.act_forward(L.act, rows * l.units, L.z, L.a, alpha);
      const rate = l.dropout ?? 0;
      if (L.out !== L.a) {
        if (training) k.drop_mask(rows * l.units, mix(seed, i + 1), rate, 1 / (1 - rate), L.a, L.out, L.mask);
        else k.vec_copy(rows * l.units, L.a, L.out);
      }
      h = L.out;
    }
    return first;
  }

  /** The loss of the batch in the buffers (gradient into `grad` when not 0). */
  #loss(rows: number, grad: number, weighted: boolean): number {
    const k = this.#w.k;
    const s = this.#spec;
    const last = this.#layers[this.#layers.length - 1]!;
    const w = weighted ? this.#rowWeights : 0;
    if (s.loss === 'softmaxCrossEntropy') {
      const v = k.softmax_xent(rows, this.#outUnits, last.z, this.#labels, w, grad, this.#correct);
      this.#lastCorrect = this.#w.f32[this.#correct >> 2]!;
      return v;
    }
    const target = s.target === 'input' ? this.#x : this.#targets;
    return k.mse(rows, this.#outUnits, last.a, target, w, grad);
  }

  step(idx: Int32Array, seed: number): number {
    this.#check();
    const data = this.#data;
    if (!data) throw new ValidationError('FusedDenseTrainer.step: call setData first.');
    this.#trains('step');
    const rows = idx.length;
    if (rows < 1 || rows > this.#B) {
      throw new ValidationError(`FusedDenseTrainer.step: a batch has 1 to ${this.#B} rows, got ${rows}.`);
    }
    const k = this.#w.k;
    const s = this.#spec;
    this.#gather(data, idx, 0, rows);
    const input = this.#forward(rows, true, seed >>> 0);
    let d = this.#d0;
    let dNext = this.#d1;
    let loss = this.#loss(rows, d, data.weights !== undefined);
    // Backward, last layer first.
    this.#written.fill(0);
    const frozen = this.#frozen;
    const alpha = s.leakyReluAlpha;
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const L = this.#layers[i]!;
      const l = L.spec;
      const n = rows * l.units;
      if (L.mask) k.vec_mul(n, d, L.mask);
      if (!(s.loss === 'softmaxCrossEntropy' && i === this.#layers.length - 1)) {
        k.act_backward(L.act, n, L.z, L.a, d, alpha);
      }
      const h = i === 0 ? input : this.#layers[i - 1]!.out;
      if (!frozen[l.kernel]) {
        const acc = this.#written[l.kernel]!;
        if (l.kernelTransposed) k.gemm_tn(l.units, l.inputSize, rows, d, h, this.#pg[l.kernel]!, acc);
        else k.gemm_tn(l.inputSize, l.units, rows, h, d, this.#pg[l.kernel]!, acc);
        this.#written[l.kernel] = 1;
      }
      if (!frozen[l.bias]) {
        k.col_sums(rows, l.units, d, this.#pg[l.bias]!, this.#written[l.bias]!);
        this.#written[l.bias] = 1;
      }
      if (i > 0) {
        const W = this.#pw[l.kernel]!;
        if (l.kernelTransposed) k.gemm_nn(rows, l.inputSize, l.units, d, W, dNext, 0, 0);
        else k.gemm_nt(rows, l.inputSize, l.units, d, W, dNext, 0, 0, this.#scratch);
        const t = d;
        d = dNext;
        dNext = t;
      }
    }
    this.#iterations++;
    // β powers as float32 products of float32 β (what tfjs's accBeta variables hold)
    const fb1 = Math.fround(s.beta1);
    const fb2 = Math.fround(s.beta2);
    this.#globalPow[0] = this.#globalPow[0]! * fb1;
    this.#globalPow[1] = this.#globalPow[1]! * fb2;
    // L2 (scikit-learn's 0.5·alpha·ΣK²/rows), clipping, update.
    const l2 = s.alpha > 0 ? s.alpha / rows : 0;
    const clipValue = s.clipValue ?? -1;
    let sumSq = 0;
    if (l2 > 0) {
      const f32 = this.#w.f32;
      let penalty = 0;
      s.params.forEach((p, i) => {
        if (!p.penalised) return;
        const w = this.#pw[i]! >> 2;
        for (let j = 0; j < this.#pn[i]!; j++) penalty += f32[w + j]! * f32[w + j]!;
      });
      loss += 0.5 * l2 * penalty;
    }
    const needNorm = s.clipNorm != null;
    for (let p = 0; p < this.#pn.length; p++) {
      if (!this.#written[p]) continue;
      const penalised = l2 > 0 && s.params[p]!.penalised;
      // Nothing to add, clip or measure: the pass over the gradient is skipped.
      if (!penalised && clipValue < 0 && !needNorm) continue;
      sumSq += k.grad_prep(this.#pn[p]!, this.#pg[p]!, penalised ? this.#pw[p]! : 0, l2, clipValue);
    }
    let gs = 1;
    if (s.clipNorm != null) gs = s.clipNorm / Math.max(Math.sqrt(sumSq), s.clipNorm);
    for (let p = 0; p < this.#pn.length; p++) {
      if (!this.#written[p]) continue;
      const n = this.#pn[p]!;
      if (s.optimizer === 'adam') {
        const d1 = Math.fround(1 - this.#pow1[p]!);
        const d2 = Math.fround(1 - this.#pow2[p]!);
        this.#pow1[p] = this.#pow1[p]! * fb1;
        this.#pow2[p] = this.#pow2[p]! * fb2;
        k.adam_update(
          n,
          this.#pw[p]!,
          this.#pg[p]!,
          this.#ps1[p]!,
          this.#ps2[p]!,
          gs,
          this.#lr,
          s.beta1,
          s.beta2,
          s.epsilon,
          d1,
          d2,
        );
      } else if (s.optimizer === 'momentum') {
        k.momentum_update(
          n,
          this.#pw[p]!,
          this.#pg[p]!,
          this.#ps1[p]!,
          gs,
          this.#lr,
          s.momentum,
          s.nesterov ? 1 : 0,
        );
      } else {
        k.sgd_update(n, this.#pw[p]!, this.#pg[p]!, gs, this.#lr);
      }
    }
    return loss;
  }

  readOptimizerState(): { iterations: number; slots: Float32Array[]; extra: Record<string, number> } {
    this.#check();
    this.#trains('readOptimizerState');
    const f32 = this.#w.f32;
    const copy = (p: number, i: number) => f32.slice(p >> 2, (p >> 2) + this.#pn[i]!);
    const s = this.#spec;
    const extra: Record<string, number> = {};
    let slots: Float32Array[] = [];
    if (s.optimizer === 'adam') {
      slots = [...this.#ps1.map(copy), ...this.#ps2.map(copy)];
      // tfjs keeps the power of the NEXT update (β^(k+1) after k updates), as float32 products.
      extra.accBeta1 = this.#globalPow[0]!;
      extra.accBeta2 = this.#globalPow[1]!;
      this.#pow1.forEach((b, i) => {
        extra[`accBeta1.${i}`] = b;
        extra[`accBeta2.${i}`] = this.#pow2[i]!;
      });
    } else if (s.optimizer === 'momentum') {
      slots = this.#ps1.map(copy);
    }
    return { iterations: this.#iterations, slots, extra };
  }

  writeOptimizerState(state: {
    iterations: number;
    slots: readonly Float32Array[];
    extra: Readonly<Record<string, number>>;
  }): void {
    this.#check();
    this.#trains('writeOptimizerState');
    const s = this.#spec;
    const np = this.#pn.length;
    const want = s.optimizer === 'adam' ? 2 * np : s.optimizer === 'momentum' ? np : 0;
    const slots = state.slots;
    if (slots.length !== want || slots.some((v, i) => v.length !== this.#pn[i % np])) {
      throw new ValidationError(
        `FusedDenseTrainer.writeOptimizerState: ${s.optimizer} needs ${want} slots shaped like the params, got ${slots.length}.`,
      );
    }
    if (!(Number.isInteger(state.iterations) && state.iterations >= 0)) {
      throw new ValidationError('FusedDenseTrainer.writeOptimizerState: iterations must be an integer >= 0.');
    }
    const f32 = this.#w.f32;
    slots.forEach((v, i) => {
      f32.set(v, (i < np ? this.#ps1[i]! : this.#ps2[i - np]!) >> 2);
    });
    this.#iterations = state.iterations;
    if (s.optimizer === 'adam') {
      const e = state.extra;
      const g1 = e.accBeta1 ?? Math.fround(s.beta1);
      const g2 = e.accBeta2 ?? Math.fround(s.beta2);
      this.#globalPow[0] = g1;
      this.#globalPow[1] = g2;
      for (let i = 0; i < np; i++) {
        this.#pow1[i] = e[`accBeta1.${i}`] ?? g1;
        this.#pow2[i] = e[`accBeta2.${i}`] ?? g2;
      }
    }
  }

  evaluate(data: DenseStackData): { loss: number; acc?: number } {
    this.#check();
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < data.rows; start += this.#B) {
      const rows = Math.min(this.#B, data.rows - start);
      this.#gather(data, null, start, rows);
      this.#forward(rows, false, 0);
      loss += this.#loss(rows, 0, false) * rows;
      correct += this.#lastCorrect;
    }
    const n = Math.max(data.rows, 1);
    return this.#spec.target === 'labels' ? { loss: loss / n, acc: correct / n } : { loss: loss / n };
  }

  predict(x: Float32Array, rows: number, out: Float32Array): void {
    this.#check();
    const units = this.#outUnits;
    if (x.length < rows * this.#in || out.length < rows * units) {
      throw new ValidationError(
        `FusedDenseTrainer.predict: x needs [${rows}, ${this.#in}], out [${rows}, ${units}].`,
      );
    }
    const last = this.#layers[this.#layers.length - 1]!;
    const data: DenseStackData = { x, rows };
    for (let start = 0; start < rows; start += this.#B) {
      const n = Math.min(this.#B, rows - start);
      this.#gather(data, null, start, n);
      this.#forward(n, false, 0);
      out.set(this.#w.f32.subarray(last.a >> 2, (last.a >> 2) + n * units), start * units);
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#data = undefined;
    this.#rowViews = [];
    this.#rowViewsOf = null;
    this.#w.dispose();
  }
}

/** A per-purpose seed from a step's seed (noise 0, dropout of layer i at i + 1). */
function mix(seed: number, salt: number): number {
  return (seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
}

/**
 * The wasm plugin's {@link TrainingAccelerator}: a {@link FusedDenseTrainer} for every dense stack it covers
 * (Adam, SGD, momentum; every activation but softmax in hidden layers; dropout, masking noise, tied kernels,
 * row weights, frozen params, L2, clipNorm, clipValue), `null` for the rest. `options.threads` (default 1): the
 * threads its trainers split their big calls over (the kernel thread pool), capped by core's
 * `limitAcceleratorThreads` while a limit holds; `options.inferenceRowLimit`: see {@link TrainingAccelerator}.
 */
export function wasmTrainingAccelerator(
  flavor: KernelFlavor | 'auto' = 'auto',
  options: { inferenceRowLimit?: number; threads?: number } = {},
): TrainingAccelerator {
  return {
    name: 'wasm-fused',
    ...(options.inferenceRowLimit === undefined ? {} : { inferenceRowLimit: options.inferenceRowLimit }),
    async createTrainer(spec) {
      if (fusedDeclineReason(spec)) return null;
      const threads = Math.min(options.threads ?? 1, acceleratorThreadLimit());
      return FusedDenseTrainer.create(spec, flavor, threads);
    },
  };
}
