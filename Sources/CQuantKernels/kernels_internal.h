// Entry points behind the dispatchers in dispatch.c. Exactly one of `rq`/`c` (uint8 output
// with requantisation) or `c32` (raw int32 sums) is used by the GEMMs.
#ifndef FLY_KERNELS_INTERNAL_H
#define FLY_KERNELS_INTERNAL_H
#include "fly_quant_kernels.h"

static inline int fly_round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

void fly_qgemm_portable(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                        const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc);
void fly_qdepthwise_portable(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                             const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output);
#if defined(__x86_64__)
/// `group`: k-steps summed in 16 bits per widening, 1, 2 or 4 (see accumulate_row in avx2.c;
/// the caller guarantees 2·group products fit in s16).
void fly_qgemm_avx2(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc, int group);
/// Returns 0 (and does nothing) when it cannot take the layer (more than 4096 channels).
int fly_qgate_avx2(uint8_t *x, int batch, int pixels, int channels, int32_t zero_point, const int32_t *gates);
void fly_qdepthwise_avx2(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                         const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output);
#endif
#if defined(__aarch64__)
void fly_qgemm_neon(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc);
void fly_qdepthwise_neon(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                         const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output);
#endif

/// Pointers to the input pixel under every tap of output pixel (n, oy, ox); taps outside the
/// input point at `zero_row`. Returns the number of taps.
static inline int fly_dw_tap_pointers(const fly_dw_geometry *g, int n, int oy, int ox, const uint8_t *input,
                                      const uint8_t *zero_row, const uint8_t **taps) {
    int t = 0;
    for (int ky = 0; ky < g->kernel_h; ky++) {
        int iy = oy * g->stride_h - g->pad_h + ky * g->dilation_h;
        for (int kx = 0; kx < g->kernel_w; kx++) {
            int ix = ox * g->stride_w - g->pad_w + kx * g->dilation_w;
            int inside = iy >= 0 && iy < g->in_height && ix >= 0 && ix < g->in_width;
            taps[t++] = inside ? input + ((int64_t)(n * g->in_height + iy) * g->in_width + ix) * g->channels : zero_row;
        }
    }
    return t;
}

/// The int32 sum of one depthwise output channel over its taps (scalar; the portable kernel and
/// the vector kernels' channel tails).
static inline int32_t fly_dw_channel_sum(const uint8_t *const *taps, int count, const int16_t *packed_w, int c8, int ch) {
    int32_t acc = 0;
    for (int t = 0; t < count; t++) acc += (int32_t)taps[t][ch] * packed_w[((int64_t)(t / 2) * c8 + ch) * 2 + t % 2];
    return acc;
}

#endif
