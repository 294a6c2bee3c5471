/*
 * layerwise WebAssembly kernels: dense-layer training in f32, row-major.
 *
 * Freestanding C (no libc): compiled by scripts/build-wasm.mjs with clang-16 for wasm32 + SIMD128, once
 * with RELAXED defined (f32x4.relaxed_madd) and once without. The JavaScript side owns the memory layout:
 * it places every buffer 16-byte aligned with its length rounded up to 4 floats, so element-wise kernels
 * run whole vectors over ceil(n / 4) * 4 values (the padding lanes are scratch).
 *
 * GEMM: one 4x8 register-blocked micro-kernel (8 v128 accumulators, 2 B vectors, 1 broadcast fits the
 * ~15 SIMD registers V8 keeps in registers; larger tiles spilled) with 4x4 / 1x8 / 1x4 / scalar edges.
 */
#include <wasm_simd128.h>

typedef float f32;
typedef v128_t v4;

#define EXPORT(name) __attribute__((export_name(#name)))

#ifdef RELAXED
#define MADD(a, b, c) ((v4)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define SPLAT(x) wasm_f32x4_splat(x)

/* ------------------------------------------------------------------------------------------------------ */
/* GEMM: C[M,N] (=|+=) op(A)[M,K] . B[K,N] (+ bias[N]).                                                     */
/* A element (i, k) is A[i * ra + k * ka]: (ra, ka) = (lda, 1) for A, (1, lda) for A transposed.            */
/* ------------------------------------------------------------------------------------------------------ */

/*
 * Stores the first w (1..8) of the 8 values lo|hi at c: a whole panel with two vector stores, the last panel of
 * a row whose width is not a multiple of 8 lane by lane (nothing past column N is written).
 */
static inline void store8(f32 *c, v4 lo, v4 hi, int w) {
  if (w == 8) {
    ST(c, lo);
    ST(c + 4, hi);
    return;
  }
  if (w >= 4) {
    ST(c, lo);
    lo = hi;
    c += 4;
    w -= 4;
  }
  if (w > 0) c[0] = wasm_f32x4_extract_lane(lo, 0);
  if (w > 1) c[1] = wasm_f32x4_extract_lane(lo, 1);
  if (w > 2) c[2] = wasm_f32x4_extract_lane(lo, 2);
}

/*
 * A 4x8 tile of C; only its first w columns are stored. With w < 8 (the last panel of a width not a multiple
 * of 8) the loads of B, C and the bias run up to 7 floats past the panel's valid columns: those lanes are
 * computed and dropped (every buffer has slack after it, see WasmKernels.alloc). OP is the multiply-add: the
 * build's MADD for whole panels; a separate multiply and add (MULADD) for the last, narrower panel, which
 * gives each of its values exactly the rounding of a plain dot product.
 */
#define MULADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#define TILE4X8(NAME, OP)                                                                                     \
  static void NAME(int K, const f32 *A, int ra, int ka, const f32 *B, int ldb, f32 *C, int ldc, v4 i0, v4 i1, \
                   int acc, int w) {                                                                         \
    v4 c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;                       \
    const f32 *a0 = A, *a1 = A + ra, *a2 = A + 2 * ra, *a3 = A + 3 * ra;                                     \
    for (int k = 0; k < K; k++) {                                                                            \
      const f32 *b = B + k * ldb;                                                                            \
      v4 b0 = LD(b), b1 = LD(b + 4);                                                                         \
      int o = k * ka;                                                                                        \
      v4 a = SPLAT(a0[o]);                                                                                   \
      c00 = OP(a, b0, c00);                                                                                  \
      c01 = OP(a, b1, c01);                                                                                  \
      a = SPLAT(a1[o]);                                                                                      \
      c10 = OP(a, b0, c10);                                                                                  \
      c11 = OP(a, b1, c11);                                                                                  \
      a = SPLAT(a2[o]);                                                                                      \
      c20 = OP(a, b0, c20);                                                                                  \
      c21 = OP(a, b1, c21);                                                                                  \
      a = SPLAT(a3[o]);                                                                                      \
      c30 = OP(a, b0, c30);                                                                                  \
      c31 = OP(a, b1, c31);                                                                                  \
    }                                                                                                        \
    if (acc) {                                                                                               \
      c00 = wasm_f32x4_add(c00, LD(C));                                                                      \
      c01 = wasm_f32x4_add(c01, LD(C + 4));                                                                  \
      c10 = wasm_f32x4_add(c10, LD(C + ldc));                                                                \
      c11 = wasm_f32x4_add(c11, LD(C + ldc + 4));                                                            \
      c20 = wasm_f32x4_add(c20, LD(C + 2 * ldc));                                                            \
      c21 = wasm_f32x4_add(c21, LD(C + 2 * ldc + 4));                                                        \
      c30 = wasm_f32x4_add(c30, LD(C + 3 * ldc));                                                            \
      c31 = wasm_f32x4_add(c31, LD(C + 3 * ldc + 4));                                                        \
    }                                                                                                        \
    store8(C, c00, c01, w);                                                                                  \
    store8(C + ldc, c10, c11, w);                                                                            \
    store8(C + 2 * ldc, c20, c21, w);                                                                        \
    store8(C + 3 * ldc, c30, c31, w);                                                                        \
  }

#define TILE1X8(NAME, OP)                                                                                     \
  static void NAME(int K, const f32 *A, int ka, const f32 *B, int ldb, f32 *C, v4 i0, v4 i1, int acc, int w) { \
    v4 c0 = i0, c1 = i1;                                                                                     \
    for (int k = 0; k < K; k++) {                                                                            \
      const f32 *b = B + k * ldb;                                                                            \
      v4 a = SPLAT(A[k * ka]);                                                                               \
      c0 = OP(a, LD(b), c0);                                                                                 \
      c1 = OP(a, LD(b + 4), c1);                                                                             \
    }                                                                                                        \
    if (acc) {                                                                                               \
      c0 = wasm_f32x4_add(c0, LD(C));                                                                        \
      c1 = wasm_f32x4_add(c1, LD(C + 4));                                                                    \
    }                                                                                                        \
    store8(C, c0, c1, w);                                                                                    \
  }

TILE4X8(tile4x8, MADD)
TILE1X8(tile1x8, MADD)
TILE4X8(tile4x8_last, MULADD)
TILE1X8(tile1x8_last, MULADD)

/*
 * Rows i0..i1 (i0 a multiple of 4) and columns j0..j1 (j0 a multiple of 8; j1 a multiple of 8 or N) of C. Every
 * value of C is computed the same way whichever block it falls in (the tile shape changes only at the last
 * rows and the last panel of the whole matrix), so splitting C into blocks — the thread pool does — gives the
 * same bits as one call.
 */
static void gemm_part(int M, int N, int K, const f32 *A, int ra, int ka, const f32 *B, int ldb, f32 *C, int ldc,
                      const f32 *bias, int acc, int i0, int i1, int j0, int j1) {
  int M4 = M & ~3;
  int e4 = i1 < M4 ? i1 : M4;
  v4 z = SPLAT(0.0f);
  // 8-column panels; the last one may be narrower (N not a multiple of 8): vector code, fewer stores.
  int N8 = N & ~7;
  int p1 = j1 < N8 ? j1 : N8;
  for (int j = j0; j < p1; j += 8) {
    v4 c0 = bias ? LD(bias + j) : z, c1 = bias ? LD(bias + j + 4) : z;
    int i = i0;
    for (; i < e4; i += 4) tile4x8(K, A + i * ra, ra, ka, B + j, ldb, C + i * ldc + j, ldc, c0, c1, acc, 8);
    for (; i < i1; i++) tile1x8(K, A + i * ra, ka, B + j, ldb, C + i * ldc + j, c0, c1, acc, 8);
  }
  if (N8 < N && j1 > N8) {
    int j = N8, w = N - N8;
    v4 c0 = bias ? LD(bias + j) : z, c1 = bias ? LD(bias + j + 4) : z;
    int i = i0;
    for (; i < e4; i += 4) tile4x8_last(K, A + i * ra, ra, ka, B + j, ldb, C + i * ldc + j, ldc, c0, c1, acc, w);
    for (; i < i1; i++) tile1x8_last(K, A + i * ra, ka, B + j, ldb, C + i * ldc + j, c0, c1, acc, w);
  }
}

static void gemm(int M, int N, int K, const f32 *A, int ra, int ka, const f32 *B, int ldb, f32 *C, int ldc,
                 const f32 *bias, int acc) {
  gemm_part(M, N, K, A, ra, ka, B, ldb, C, ldc, bias, acc, 0, M, 0, N);
}

/**
 * One block of a GEMM (the thread pool's unit of work): rows i0..i1 and columns j0..j1 of
 * C[M,N] (=|+=) op(A) . B (+ bias), A element (i, k) at A[i * ra + k * ka], B row stride ldb, C row stride ldc.
 */
EXPORT(gemm_block)
void gemm_block(int M, int N, int K, const f32 *A, int ra, int ka, const f32 *B, int ldb, f32 *C, int ldc,
                const f32 *bias, int acc, int i0, int i1, int j0, int j1) {
  gemm_part(M, N, K, A, ra, ka, B, ldb, C, ldc, bias, acc, i0, i1, j0, j1);
}

/** C[M,N] = A[M,K] . B[K,N] (+ bias), or C += it when acc. bias: 0 or N values (16-byte aligned). */
EXPORT(gemm_nn)
void gemm_nn(int M, int N, int K, const f32 *A, const f32 *B, f32 *C, const f32 *bias, int acc) {
  gemm(M, N, K, A, K, 1, B, N, C, N, bias, acc);
}

/** C[M,N] = Aᵀ . B with A [K,M], B [K,N] (a weight gradient: inputsᵀ . deltas), or C += it when acc. */
EXPORT(gemm_tn)
void gemm_tn(int M, int N, int K, const f32 *A, const f32 *B, f32 *C, int acc) {
  gemm(M, N, K, A, 1, M, B, N, C, N, 0, acc);
}

/** Rows i0..i1 (i0 a multiple of 8) of B [R,S], transposed into T [S,R]. */
EXPORT(transpose_rows)
void transpose_rows(int R, int S, const f32 *B, f32 *T, int i0, int i1) {
  for (int i = i0; i < i1; i += 8) {
    int ie = i + 8 < i1 ? i + 8 : i1;
    for (int j = 0; j < S; j++)
      for (int ii = i; ii < ie; ii++) T[j * R + ii] = B[ii * S + j];
  }
}

/** Bᵀ of B [R,S] into T [S,R]. */
EXPORT(transpose)
void transpose(int R, int S, const f32 *B, f32 *T) { transpose_rows(R, S, B, T, 0, R); }

/**
 * C[M,N] = A[M,K] . Bᵀ with B [N,K] (deltas . weightsᵀ), or C += it when acc: Bᵀ is written to scratch
 * (K*N floats, 16-byte aligned) first, then the plain kernel runs on it.
 */
EXPORT(gemm_nt)
void gemm_nt(int M, int N, int K, const f32 *A, const f32 *B, f32 *C, const f32 *bias, int acc, f32 *scratch) {
  transpose(N, K, B, scratch);
  gemm(M, N, K, A, K, 1, scratch, N, C, N, bias, acc);
}

/** Row sums of A [M,N] over its rows: out[j] = Σᵢ A[i,j] (a bias gradient), or out += them when acc. */
EXPORT(col_sums)
void col_sums(int M, int N, const f32 *A, f32 *out, int acc) {
  int N4 = N & ~3;
  for (int j = 0; j < N4; j += 4) {
    v4 s = acc ? LD(out + j) : SPLAT(0.0f);
    for (int i = 0; i < M; i++) s = wasm_f32x4_add(s, wasm_v128_load(A + i * N + j));
    ST(out + j, s);
  }
  for (int j = N4; j < N; j++) {
    f32 s = acc ? out[j] : 0.0f;
    for (int i = 0; i < M; i++) s += A[i * N + j];
    out[j] = s;
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Vector math: exp and log (float32 accuracy, ~1-2 ulp), freestanding.                                    */
/* ------------------------------------------------------------------------------------------------------ */

static inline v4 vexp(v4 x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-87.3f)), SPLAT(88.7f));
  v4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, SPLAT(1.44269504088896341f)));
  v4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, SPLAT(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, SPLAT(-2.12194440e-4f)));
  v4 p = SPLAT(1.9875691500e-4f);
  p = MADD(p, r, SPLAT(1.3981999507e-3f));
  p = MADD(p, r, SPLAT(8.3334519073e-3f));
  p = MADD(p, r, SPLAT(4.1665795894e-2f));
  p = MADD(p, r, SPLAT(1.6666665459e-1f));
  p = MADD(p, r, SPLAT(5.0000001201e-1f));
  p = MADD(wasm_f32x4_mul(p, r), r, wasm_f32x4_add(r, SPLAT(1.0f)));
  v4 e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, e);
}

/* Natural log of x > 0 (normal numbers). */
static inline v4 vlog(v4 x) {
  v4 bits = x;
  v4 e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(127));
  v4 m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000));
  /* m in [1, 2): move to [sqrt(1/2), sqrt(2)) */
  v4 big = wasm_f32x4_gt(m, SPLAT(1.41421356f));
  m = wasm_v128_bitselect(wasm_f32x4_mul(m, SPLAT(0.5f)), m, big);
  e = wasm_i32x4_sub(e, big); /* big is -1 where true */
  v4 ef = wasm_f32x4_convert_i32x4(e);
  v4 s = wasm_f32x4_div(wasm_f32x4_sub(m, SPLAT(1.0f)), wasm_f32x4_add(m, SPLAT(1.0f)));
  v4 s2 = wasm_f32x4_mul(s, s);
  v4 p = SPLAT(2.0f / 9.0f);
  p = MADD(p, s2, SPLAT(2.0f / 7.0f));
  p = MADD(p, s2, SPLAT(2.0f / 5.0f));
  p = MADD(p, s2, SPLAT(2.0f / 3.0f));
  p = MADD(p, s2, SPLAT(2.0f));
  return MADD(ef, SPLAT(0.693147180559945f), wasm_f32x4_mul(p, s));
}

static inline f32 lane0(v4 v) { return wasm_f32x4_extract_lane(v, 0); }
static inline f32 sexp(f32 x) { return lane0(vexp(SPLAT(x))); }
static inline f32 slog(f32 x) { return lane0(vlog(SPLAT(x))); }

/** out[i] = exp(x[i]) (a test hook for the vector exp). */
EXPORT(vec_exp)
void vec_exp(int n, const f32 *x, f32 *out) {
  for (int i = 0; i < n; i += 4) ST(out + i, vexp(LD(x + i)));
}

/** out[i] = log(x[i]) (a test hook for the vector log). */
EXPORT(vec_log)
void vec_log(int n, const f32 *x, f32 *out) {
  for (int i = 0; i < n; i += 4) ST(out + i, vlog(LD(x + i)));
}

/* ------------------------------------------------------------------------------------------------------ */
/* Activations: 0 linear, 1 relu, 2 sigmoid, 3 tanh, 4 elu, 5 softplus, 6 leakyRelu (slope `alpha`).        */
/* act_forward writes a = f(z) (in place allowed); act_backward turns dA into dZ in place using z and a.    */
/* ------------------------------------------------------------------------------------------------------ */

enum { LINEAR = 0, RELU = 1, SIGMOID = 2, TANH = 3, ELU = 4, SOFTPLUS = 5, LEAKY = 6 };

static inline v4 vsigmoid(v4 z) {
  return wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), vexp(wasm_f32x4_neg(z))));
}

EXPORT(act_forward)
void act_forward(int kind, int n, const f32 *z, f32 *a, f32 alpha) {
  v4 zero = SPLAT(0.0f), one = SPLAT(1.0f);
  for (int i = 0; i < n; i += 4) {
    v4 x = LD(z + i), y;
    switch (kind) {
    case RELU: y = wasm_f32x4_max(x, zero); break;
    case SIGMOID: y = vsigmoid(x); break;
    case TANH: {
      /* tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)) */
      v4 ax = wasm_f32x4_abs(x);
      v4 t = wasm_f32x4_sub(one, wasm_f32x4_div(SPLAT(2.0f), wasm_f32x4_add(vexp(wasm_f32x4_add(ax, ax)), one)));
      y = wasm_v128_bitselect(wasm_f32x4_neg(t), t, wasm_f32x4_lt(x, zero));
      break;
    }
    case ELU: y = wasm_v128_bitselect(x, wasm_f32x4_sub(vexp(x), one), wasm_f32x4_gt(x, zero)); break;
    case SOFTPLUS: {
      /* max(x, 0) + log(1 + exp(-|x|)) */
      v4 e = vexp(wasm_f32x4_neg(wasm_f32x4_abs(x)));
      y = wasm_f32x4_add(wasm_f32x4_max(x, zero), vlog(wasm_f32x4_add(one, e)));
      break;
    }
    case LEAKY: y = wasm_v128_bitselect(x, wasm_f32x4_mul(x, SPLAT(alpha)), wasm_f32x4_gt(x, zero)); break;
    default: y = x;
    }
    ST(a + i, y);
  }
}

EXPORT(act_backward)
void act_backward(int kind, int n, const f32 *z, const f32 *a, f32 *d, f32 alpha) {
  v4 zero = SPLAT(0.0f), one = SPLAT(1.0f);
  if (kind == LINEAR) return;
  for (int i = 0; i < n; i += 4) {
    v4 g = LD(d + i), y = LD(a + i), x = LD(z + i), r;
    switch (kind) {
    case RELU: r = wasm_v128_and(g, wasm_f32x4_gt(x, zero)); break;
    case SIGMOID: r = wasm_f32x4_mul(g, wasm_f32x4_mul(y, wasm_f32x4_sub(one, y))); break;
    case TANH: r = wasm_f32x4_mul(g, wasm_f32x4_sub(one, wasm_f32x4_mul(y, y))); break;
    case ELU: r = wasm_v128_bitselect(g, wasm_f32x4_mul(g, wasm_f32x4_add(y, one)), wasm_f32x4_gt(x, zero)); break;
    case SOFTPLUS: r = wasm_f32x4_mul(g, vsigmoid(x)); break;
    case LEAKY: r = wasm_v128_bitselect(g, wasm_f32x4_mul(g, SPLAT(alpha)), wasm_f32x4_gt(x, zero)); break;
    default: r = g;
    }
    ST(d + i, r);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Losses. Row weights w (0 = none): the loss is Σ wᵢ lᵢ / max(Σ wᵢ, 1e-12), else the mean of the lᵢ.      */
/* Each writes the gradient of the batch loss with respect to its input and returns the batch loss.        */
/* ------------------------------------------------------------------------------------------------------ */

static f32 weight_total(int M, const f32 *w) {
  if (!w) return (f32)M;
  f32 s = 0.0f;
  for (int i = 0; i < M; i++) s += w[i];
  return s > 1e-12f ? s : 1e-12f;
}

/**
 * Softmax cross-entropy of logits [M,N] against class indices; dlogits = (softmax − onehot) · wᵢ / W.
 * correct[0] receives the count of rows whose arg-max is the label. dlogits may be 0 (loss only).
 */
EXPORT(softmax_xent)
f32 softmax_xent(int M, int N, const f32 *logits, const int *labels, const f32 *w, f32 *dlogits, f32 *correct) {
  f32 W = weight_total(M, w), total = 0.0f, hits = 0.0f;
  for (int i = 0; i < M; i++) {
    const f32 *z = logits + i * N;
    int arg = 0;
    f32 mx = z[0];
    for (int j = 1; j < N; j++)
      if (z[j] > mx) {
        mx = z[j];
        arg = j;
      }
    f32 s = 0.0f;
    for (int j = 0; j < N; j++) s += sexp(z[j] - mx);
    f32 lse = mx + slog(s);
    int y = labels[i];
    f32 wi = w ? w[i] : 1.0f;
    total += wi * (lse - z[y]);
    hits += arg == y ? 1.0f : 0.0f;
    if (dlogits) {
      f32 scale = wi / W, inv = 1.0f / s;
      for (int j = 0; j < N; j++) dlogits[i * N + j] = (sexp(z[j] - mx) * inv - (j == y ? 1.0f : 0.0f)) * scale;
    }
  }
  if (correct) correct[0] = hits;
  return total / W;
}

/**
 * Mean squared error of out [M,N] against target [M,N]: row losses lᵢ = mean_j (out − target)²;
 * dout = 2 (out − target) · wᵢ / (W · N). dout may be 0 (loss only).
 */
EXPORT(mse)
f32 mse(int M, int N, const f32 *out, const f32 *target, const f32 *w, f32 *dout) {
  f32 W = weight_total(M, w), total = 0.0f;
  for (int i = 0; i < M; i++) {
    const f32 *o = out + i * N, *t = target + i * N;
    f32 s = 0.0f;
    f32 wi = w ? w[i] : 1.0f, g = 2.0f * wi / (W * (f32)N);
    for (int j = 0; j < N; j++) {
      f32 e = o[j] - t[j];
      s += e * e;
      if (dout) dout[i * N + j] = e * g;
    }
    total += wi * (s / (f32)N);
  }
  return total / W;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Seeded noise: a counter-based hash, so element i of a call always gets the same number for one seed      */
/* (whatever the order or thread that computes it).                                                        */
/* ------------------------------------------------------------------------------------------------------ */

static inline v4 vhash(v4 x) {
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat(0x7feb352d));
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 15));
  x = wasm_i32x4_mul(x, wasm_i32x4_splat((int)0x846ca68bu));
  x = wasm_v128_xor(x, wasm_u32x4_shr(x, 16));
  return x;
}

/* Uniform [0, 1) numbers of elements i..i+3 for `seed`. */
static inline v4 vuniform(unsigned seed, int i) {
  v4 idx = wasm_i32x4_add(wasm_i32x4_splat(i), wasm_i32x4_make(0, 1, 2, 3));
  v4 h = vhash(wasm_v128_xor(wasm_i32x4_mul(idx, wasm_i32x4_splat((int)0x9e3779b9u)), wasm_i32x4_splat((int)seed)));
  h = vhash(wasm_i32x4_add(h, wasm_i32x4_splat((int)seed)));
  return wasm_f32x4_mul(wasm_f32x4_convert_u32x4(wasm_u32x4_shr(h, 8)), SPLAT(1.0f / 16777216.0f));
}

/** out[i] = uniform [0, 1) number i of `seed` (a test hook for the generator). */
EXPORT(uniform)
void uniform(int n, unsigned seed, f32 *out) {
  for (int i = 0; i < n; i += 4) ST(out + i, vuniform(seed, i));
}

/**
 * Inverted dropout of elements base..base+n of a call (src, dst and mask point at element base): dst[i] =
 * src[i] · scale where u ≥ rate, else 0; mask[i] receives the factor. The thread pool's unit of work.
 */
EXPORT(drop_mask_from)
void drop_mask_from(int n, unsigned seed, f32 rate, f32 scale, const f32 *src, f32 *dst, f32 *mask, int base) {
  v4 r = SPLAT(rate), s = SPLAT(scale);
  for (int i = 0; i < n; i += 4) {
    v4 m = wasm_v128_and(s, wasm_f32x4_ge(vuniform(seed, base + i), r));
    ST(mask + i, m);
    ST(dst + i, wasm_f32x4_mul(LD(src + i), m));
  }
}

/**
 * Inverted dropout: dst[i] = src[i] · scale where u ≥ rate, else 0; mask[i] receives the factor (for the
 * backward pass). Masking noise is the same with scale 1. dst may be src.
 */
EXPORT(drop_mask)
void drop_mask(int n, unsigned seed, f32 rate, f32 scale, const f32 *src, f32 *dst, f32 *mask) {
  drop_mask_from(n, seed, rate, scale, src, dst, mask, 0);
}

/** x[i] *= m[i] (dropout's backward pass; also a masked copy). */
EXPORT(vec_mul)
void vec_mul(int n, f32 *x, const f32 *m) {
  for (int i = 0; i < n; i += 4) ST(x + i, wasm_f32x4_mul(LD(x + i), LD(m + i)));
}

/** dst[i] = src[i]. */
EXPORT(vec_copy)
void vec_copy(int n, const f32 *src, f32 *dst) {
  for (int i = 0; i < n; i += 4) ST(dst + i, LD(src + i));
}

/* ------------------------------------------------------------------------------------------------------ */
/* Optimizer updates (tfjs's formulas), one pass per variable.                                             */
/* ------------------------------------------------------------------------------------------------------ */

/**
 * Gradient preparation in place: g += l2 · w (when w), then g = clip(g, −c, c) when c ≥ 0 (pass −1 for none). Returns Σ g²
 * over the first n values (for global-norm clipping).
 */
EXPORT(grad_prep)
f32 grad_prep(int n, f32 *g, const f32 *w, f32 l2, f32 c) {
  v4 s = SPLAT(0.0f), L = SPLAT(l2), hi = SPLAT(c), lo = SPLAT(-c);
  int n4 = n & ~3;
  for (int i = 0; i < n4; i += 4) {
    v4 x = LD(g + i);
    if (w) x = MADD(LD(w + i), L, x);
    if (c >= 0.0f) x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
    ST(g + i, x);
    s = MADD(x, x, s);
  }
  f32 t = wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
          wasm_f32x4_extract_lane(s, 3);
  for (int i = n4; i < n; i++) {
    f32 x = g[i];
    if (w) x += w[i] * l2;
    if (c >= 0.0f) x = x < -c ? -c : (x > c ? c : x);
    g[i] = x;
    t += x * x;
  }
  return t;
}

static inline v4 flush_tiny(v4 x) {
  return wasm_v128_and(x, wasm_f32x4_ge(wasm_f32x4_abs(x), SPLAT(1e-30f)));
}

/**
 * Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; w −= lr · (m / d1) / (√(v / d2) + ε) with g scaled by gs,
 * d1 = 1 − β₁ᵏ, d2 = 1 − β₂ᵏ. Moments below 1e-30 are set to 0 (no subnormal slow path).
 */
EXPORT(adam_update)
void adam_update(int n, f32 *w, const f32 *g, f32 *m, f32 *v, f32 gs, f32 lr, f32 b1, f32 b2, f32 eps, f32 d1,
                 f32 d2) {
  v4 B1 = SPLAT(b1), C1 = SPLAT(1.0f - b1), B2 = SPLAT(b2), C2 = SPLAT(1.0f - b2), GS = SPLAT(gs);
  v4 LR = SPLAT(lr), E = SPLAT(eps), D1 = SPLAT(d1), D2 = SPLAT(d2);
  for (int i = 0; i < n; i += 4) {
    v4 x = wasm_f32x4_mul(LD(g + i), GS);
    v4 mi = flush_tiny(wasm_f32x4_add(wasm_f32x4_mul(LD(m + i), B1), wasm_f32x4_mul(x, C1)));
    v4 vi = flush_tiny(wasm_f32x4_add(wasm_f32x4_mul(LD(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(x, x), C2)));
    ST(m + i, mi);
    ST(v + i, vi);
    v4 step = wasm_f32x4_div(wasm_f32x4_div(mi, D1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, D2)), E));
    ST(w + i, wasm_f32x4_sub(LD(w + i), wasm_f32x4_mul(LR, step)));
  }
}

/** SGD: w −= lr · gs · g. */
EXPORT(sgd_update)
void sgd_update(int n, f32 *w, const f32 *g, f32 gs, f32 lr) {
  v4 GS = SPLAT(gs), LR = SPLAT(lr);
  for (int i = 0; i < n; i += 4)
    ST(w + i, wasm_f32x4_sub(LD(w + i), wasm_f32x4_mul(LR, wasm_f32x4_mul(LD(g + i), GS))));
}

/**
 * Momentum (tfjs): a = μa + g; w −= lr · a, or with Nesterov w −= lr · (g + μa); g scaled by gs.
 */
EXPORT(momentum_update)
void momentum_update(int n, f32 *w, const f32 *g, f32 *a, f32 gs, f32 lr, f32 mu, int nesterov) {
  v4 GS = SPLAT(gs), LR = SPLAT(lr), MU = SPLAT(mu);
  for (int i = 0; i < n; i += 4) {
    v4 x = wasm_f32x4_mul(LD(g + i), GS);
    v4 ai = flush_tiny(wasm_f32x4_add(wasm_f32x4_mul(LD(a + i), MU), x));
    ST(a + i, ai);
    v4 step = nesterov ? wasm_f32x4_add(x, wasm_f32x4_mul(ai, MU)) : ai;
    ST(w + i, wasm_f32x4_sub(LD(w + i), wasm_f32x4_mul(LR, step)));
  }
}
