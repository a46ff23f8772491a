// Integer kernels for FlyTally's int8 inference plans: u8 × s8 → s32 matrix products and
// u8 depthwise convolutions, each with a fused fixed-point requantisation epilogue.
//
// Every kernel has an AVX2 version (x86-64), a NEON version (64-bit Arm) and a portable C
// version; they return the same bits (the Swift tests check AVX2 and portable against a Swift
// reference; scripts/test-neon.sh checks NEON against portable under emulation). AVX2 is chosen
// at run time when the CPU has it, NEON always on Arm; `fly_quant_force_portable(1)` selects the
// portable one (tests).
//
// Arithmetic contract (what "the same bits" means) for one output value:
//   v = acc + bias[c]                                   (int32, wrapping)
//   if shift[c] < 0: v = v << -shift[c]                 (wrapping)
//   y = (int64(v) * multiplier[c] + 2^30) >> 31        (arithmetic; low 32 bits kept)
//   if shift[c] > 0: y = (y + 2^(shift[c]-1)) >> shift[c]   (arithmetic, wrapping add)
//   q = clamp(y + zero_point, min, max);  if lut: q = lut[q]   (lut entries 0…255, as int32)
#ifndef FLY_QUANT_KERNELS_H
#define FLY_QUANT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How int32 accumulators become uint8 outputs (per output channel arrays).
typedef struct {
    const int32_t *bias;        // added to the accumulator (zero-point corrections folded in)
    const int32_t *multiplier;  // Q31 fixed-point multiplier, in [2^30, 2^31)
    const int32_t *shift;       // > 0: rounding right shift after the multiply; < 0: left shift before
    int32_t zero_point;         // output zero point
    int32_t min;                // clamp in the quantised domain (activation: ReLU = zero point)
    int32_t max;
    const int32_t *lut;         // optional 256-entry table (values 0…255) applied last (hardswish), or NULL
    // Derived from `shift` once per layer so the epilogue does not recompute them:
    const int32_t *right;       // max(shift, 0)
    const int32_t *rounding;    // right > 0 ? 1 << (right - 1) : 0
    const int32_t *left;        // max(-shift, 0)
    int32_t any_left;           // nonzero when some left[c] > 0
} fly_requant;

/// 1 when the AVX2 kernels are in use.
int fly_quant_uses_avx2(void);
/// 1 when the NEON kernels are in use (64-bit Arm).
int fly_quant_uses_neon(void);
/// Nonzero: use the portable kernels even where AVX2 exists (for tests and comparisons).
void fly_quant_force_portable(int portable);

/// Bytes of a packed B matrix for `fly_qgemm_*`: k rounded up to 4, n rounded up to 16.
int64_t fly_qgemm_packed_size(int n, int k);
/// Packs an [n, k] int8 weight matrix (row o = output channel o) into the kernel layout
/// [n/16 strips][k/4 steps][16 outputs][4 k] (four consecutive k of one output channel
/// adjacent, a strip's steps contiguous), zero-padded.
void fly_qgemm_pack(const int8_t *weight, int n, int k, int8_t *packed);

/// Rows [row_begin, row_end) of C = requant(A · B): A is uint8 [rows, lda] whose first
/// round_up(k, 4) columns are read (columns past k must be finite garbage: their weights are
/// zero); B packed by `fly_qgemm_pack`; C uint8 [rows, ldc], n columns written.
/// Weights must lie in [-63, 63] (FlyTally's "7-bit" int8 weights for these kernels), so that a
/// pair of u8·s8 products cannot saturate the 16-bit intermediate of vpmaddubsw
/// (2·255·63 = 32130 ≤ 32767); the results are then exact.
void fly_qgemm_u8s8_requant(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                            const int8_t *packed_b, const fly_requant *rq, uint8_t *c, int ldc);

/// The same product when its operands are known to be narrower: every A value read is
/// ≤ a_max (the padding columns past k included) and every |weight| ≤ w_max. On AVX2,
/// `fly_qgemm_group(a_max, w_max)` k-steps then share one widening vpmaddwd — 2 for 7-bit
/// activations (4·127·63 = 32004 fits s16), 4 for 7-bit activations and 6-bit weights
/// (8·127·31 = 31496) — which on a CPU whose one integer-multiply pipe is the limit (Zen 1) is
/// up to 1.6× the multiply throughput. Same results as `fly_qgemm_u8s8_requant` (exact
/// arithmetic); wrong ones if the bounds do not hold.
void fly_qgemm_bounded_requant(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                               const int8_t *packed_b, const fly_requant *rq, uint8_t *c, int ldc, int a_max, int w_max);
/// k-steps per widening for those bounds: the largest of 4, 2, 1 with 2·group·a_max·w_max ≤ 32767.
int fly_qgemm_group(int a_max, int w_max);

/// Same product with the raw int32 sums as output (for float or dynamic epilogues).
void fly_qgemm_u8s8_s32(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                        const int8_t *packed_b, int32_t *c, int ldc);

/// Geometry of a depthwise convolution over NHWC uint8 tensors.
typedef struct {
    int batch, in_height, in_width, channels, out_height, out_width;
    int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
} fly_dw_geometry;

/// int16 elements of packed depthwise weights: taps rounded up to 2, channels to 8.
int64_t fly_qdepthwise_packed_size(const fly_dw_geometry *g);
/// Packs OHWI int8 depthwise weights [C, KH, KW, 1] into tap pairs: element
/// ((pair · C8) + c) · 2 + j holds tap 2·pair + j of channel c (0 past the last tap).
void fly_qdepthwise_pack(const fly_dw_geometry *g, const int8_t *weight, int16_t *packed);

/// Output rows [row_begin, row_end) of batch·out_height rows. Taps outside the input read the
/// input zero point (padding with real 0), so `rq->bias` must hold bias − zp_in·Σw (all taps).
/// Weights in [-127, 127]. `zero_row` is `channels` bytes all equal to the input zero point.
void fly_qdepthwise_u8(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                       const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output);

/// im2col of NHWC uint8 input for a dense (groups = 1) k×k convolution, output rows
/// [row_begin, row_end) of batch·out_height: one row of `ldc` ≥ kernel_h·kernel_w·channels
/// bytes per output pixel, columns (ky, kx, channel); taps outside the input and the columns
/// past the patch hold `zero_point`. (`g` is read as a convolution geometry; only its
/// depthwise name is shared.)
void fly_im2col_u8(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input, uint8_t zero_point,
                   uint8_t *columns, int ldc);

/// Element-wise steps between convolutions (integer only; auto-vectorised per CPU).
/// a[i] = clamp(z_out + (((a[i] − z_a)·m_a + (b[i] − z_b)·m_b + 2^(shift−1)) >> shift), 0, max)
/// (max 255, or 127 for 7-bit activations).
void fly_qadd_u8(uint8_t *a, const uint8_t *b, int64_t count, int32_t z_a, int32_t z_b, int32_t z_out,
                 int32_t m_a, int32_t m_b, int32_t shift, int32_t max);
/// Per image n and channel c of [batch, pixels, channels]: x = clamp(z + (((x − z)·gate[n, c] + 2^14) >> 15), 0, 255),
/// gates in Q15, 0…32768.
void fly_qgate_u8(uint8_t *x, int batch, int pixels, int channels, int32_t zero_point, const int32_t *gates);
/// sums[n, c] = Σ over pixels of x[n, p, c].
void fly_channel_sums_u8(const uint8_t *x, int batch, int pixels, int channels, int32_t *sums);

#ifdef __cplusplus
}
#endif

#endif
