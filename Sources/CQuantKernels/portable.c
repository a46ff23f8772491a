// Portable (scalar C) kernels: the definition of the results, and the fallback on CPUs
// without AVX2 (Arm included, where the compiler may auto-vectorise them).
#include "kernels_internal.h"
#include "requant_portable.h"

int64_t fly_qgemm_packed_size(int n, int k) { return (int64_t)fly_round_up(k, 4) * fly_round_up(n, 16); }

/// Offset of weight (output o, input p) in the packed layout.
static inline int64_t packed_index(int o, int p, int k) {
    int64_t steps = fly_round_up(k, 4) / 4;
    return (((int64_t)(o / 16) * steps + p / 4) * 16 + o % 16) * 4 + p % 4;
}

void fly_qgemm_pack(const int8_t *weight, int n, int k, int8_t *packed) {
    int64_t size = fly_qgemm_packed_size(n, k);
    for (int64_t i = 0; i < size; i++) packed[i] = 0;
    for (int o = 0; o < n; o++)
        for (int p = 0; p < k; p++)
            packed[packed_index(o, p, k)] = weight[(int64_t)o * k + p];
}

void fly_qgemm_portable(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                        const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc) {
    int k4 = fly_round_up(k, 4);
    for (int r = row_begin; r < row_end; r++) {
        const uint8_t *row = a + (int64_t)r * lda;
        for (int o = 0; o < n; o++) {
            int32_t acc = 0;
            for (int p = 0; p < k4; p++) acc += (int32_t)row[p] * packed_b[packed_index(o, p, k)];
            if (c32) c32[(int64_t)r * ldc + o] = acc;
            else c[(int64_t)r * ldc + o] = fly_requant_one(acc, rq, o);
        }
    }
}

int64_t fly_qdepthwise_packed_size(const fly_dw_geometry *g) {
    return (int64_t)fly_round_up(g->kernel_h * g->kernel_w, 2) * fly_round_up(g->channels, 8);
}

void fly_qdepthwise_pack(const fly_dw_geometry *g, const int8_t *weight, int16_t *packed) {
    int taps = g->kernel_h * g->kernel_w, pairs = fly_round_up(taps, 2) / 2, c8 = fly_round_up(g->channels, 8);
    for (int64_t i = 0; i < (int64_t)pairs * c8 * 2; i++) packed[i] = 0;
    for (int ch = 0; ch < g->channels; ch++)
        for (int t = 0; t < taps; t++)
            packed[((int64_t)(t / 2) * c8 + ch) * 2 + t % 2] = weight[(int64_t)ch * taps + t];
}

void fly_qdepthwise_portable(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                             const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output) {
    const uint8_t *taps[64];
    int c8 = fly_round_up(g->channels, 8);
    for (int row = row_begin; row < row_end; row++) {
        int n = row / g->out_height, oy = row % g->out_height;
        for (int ox = 0; ox < g->out_width; ox++) {
            int count = fly_dw_tap_pointers(g, n, oy, ox, input, zero_row, taps);
            uint8_t *dst = output + ((int64_t)row * g->out_width + ox) * g->channels;
            for (int ch = 0; ch < g->channels; ch++)
                dst[ch] = fly_requant_one(fly_dw_channel_sum(taps, count, packed_w, c8, ch), rq, ch);
        }
    }
}
