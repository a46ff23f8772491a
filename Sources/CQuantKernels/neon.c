// NEON kernels (64-bit Arm, without the dot-product extension, so any ARMv8-A core runs them).
// u8 inputs and s8/s16 weights are widened to s16 and multiplied-accumulated into s32 with
// vmlal_s16: exact for every input (no 16-bit intermediate sums, unlike the AVX2 path), so the
// results equal the portable kernels bit for bit. The requantisation epilogue is the portable
// scalar one. Verified under emulation by scripts/test-neon.sh (no Arm machine measured speed).
#if defined(__aarch64__)
#include <arm_neon.h>
#include "kernels_internal.h"
#include "requant_portable.h"

void fly_qgemm_neon(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc) {
    int steps = fly_round_up(k, 4) / 4, strips = fly_round_up(n, 16) / 16;
    for (int r = row_begin; r < row_end; r++) {
        const uint8_t *row = a + (int64_t)r * lda;
        for (int s = 0; s < strips; s++) {
            // One int32x4 per output channel of the strip: lane j sums the products of k ≡ j (mod 4).
            int32x4_t acc[16];
            for (int o = 0; o < 16; o++) acc[o] = vdupq_n_s32(0);
            const int8_t *b = packed_b + (int64_t)s * steps * 64;
            for (int step = 0; step < steps; step++, b += 64) {
                uint32_t four;
                __builtin_memcpy(&four, row + step * 4, 4);
                // The row's four inputs twice over, widened: (a0 a1 a2 a3 a0 a1 a2 a3).
                int16x8_t a8 = vreinterpretq_s16_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(four))));
                int16x4_t a4 = vget_low_s16(a8);
                for (int q = 0; q < 4; q++) {   // 16 bytes = 4 outputs × 4 k
                    int8x16_t w = vld1q_s8(b + q * 16);
                    int16x8_t lo = vmovl_s8(vget_low_s8(w)), hi = vmovl_s8(vget_high_s8(w));
                    acc[q * 4 + 0] = vmlal_s16(acc[q * 4 + 0], vget_low_s16(lo), a4);
                    acc[q * 4 + 1] = vmlal_s16(acc[q * 4 + 1], vget_high_s16(lo), a4);
                    acc[q * 4 + 2] = vmlal_s16(acc[q * 4 + 2], vget_low_s16(hi), a4);
                    acc[q * 4 + 3] = vmlal_s16(acc[q * 4 + 3], vget_high_s16(hi), a4);
                }
            }
            int first = s * 16, count = n - first < 16 ? n - first : 16;
            for (int o = 0; o < count; o++) {
                int32_t sum = vaddvq_s32(acc[o]);
                if (c32) c32[(int64_t)r * ldc + first + o] = sum;
                else c[(int64_t)r * ldc + first + o] = fly_requant_one(sum, rq, first + o);
            }
        }
    }
}

void fly_qdepthwise_neon(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                         const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output) {
    const uint8_t *taps[64];
    int c8 = fly_round_up(g->channels, 8), full = g->channels / 8 * 8;
    for (int row = row_begin; row < row_end; row++) {
        int n = row / g->out_height, oy = row % g->out_height;
        for (int ox = 0; ox < g->out_width; ox++) {
            int count = fly_dw_tap_pointers(g, n, oy, ox, input, zero_row, taps);
            uint8_t *dst = output + ((int64_t)row * g->out_width + ox) * g->channels;
            for (int ch = 0; ch < full; ch += 8) {
                int32x4_t lo = vdupq_n_s32(0), hi = vdupq_n_s32(0);
                for (int t = 0; t < count; t += 2) {
                    // Weights of taps t and t+1 for channels ch…ch+7, de-interleaved.
                    int16x8x2_t w = vld2q_s16(packed_w + ((int64_t)(t / 2) * c8 + ch) * 2);
                    int16x8_t x0 = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(taps[t] + ch)));
                    lo = vmlal_s16(lo, vget_low_s16(x0), vget_low_s16(w.val[0]));
                    hi = vmlal_s16(hi, vget_high_s16(x0), vget_high_s16(w.val[0]));
                    if (t + 1 < count) {
                        int16x8_t x1 = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(taps[t + 1] + ch)));
                        lo = vmlal_s16(lo, vget_low_s16(x1), vget_low_s16(w.val[1]));
                        hi = vmlal_s16(hi, vget_high_s16(x1), vget_high_s16(w.val[1]));
                    }
                }
                int32_t sums[8];
                vst1q_s32(sums, lo);
                vst1q_s32(sums + 4, hi);
                for (int j = 0; j < 8; j++) dst[ch + j] = fly_requant_one(sums[j], rq, ch + j);
            }
            // The last channels (fewer than 8): an 8-byte load could run past the input's end.
            for (int ch = full; ch < g->channels; ch++)
                dst[ch] = fly_requant_one(fly_dw_channel_sum(taps, count, packed_w, c8, ch), rq, ch);
        }
    }
}
#endif
