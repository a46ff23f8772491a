// AVX2 kernels (x86-64 without VNNI). Products use vpmaddubsw (u8 × s8 → pairs summed in
// s16, exact because weights lie in [-63, 63]) and vpmaddwd with ones (→ s32), i.e. the
// VNNI instruction vpdpbusd emulated in three; depthwise uses vpmaddwd on tap pairs widened
// to s16. Results equal the portable kernels bit for bit.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "kernels_internal.h"
#include "requant_portable.h"

#define AVX2 __attribute__((target("avx2,fma")))

/// Requantises 8 accumulators of channels [c, c+8) (contract in fly_quant_kernels.h).
AVX2 static inline __m256i requant8(__m256i acc, const fly_requant *rq, int c) {
    __m256i v = _mm256_add_epi32(acc, _mm256_loadu_si256((const __m256i *)(rq->bias + c)));
    if (rq->any_left) v = _mm256_sllv_epi32(v, _mm256_loadu_si256((const __m256i *)(rq->left + c)));
    __m256i mult = _mm256_loadu_si256((const __m256i *)(rq->multiplier + c));
    __m256i half = _mm256_set1_epi64x((int64_t)1 << 30);
    __m256i even = _mm256_add_epi64(_mm256_mul_epi32(v, mult), half);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), _mm256_srli_epi64(mult, 32)), half);
    // Bits 31…62 of each product: low half of `even` >> 31, high half of `odd` << 1.
    __m256i y = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
    y = _mm256_srav_epi32(_mm256_add_epi32(y, _mm256_loadu_si256((const __m256i *)(rq->rounding + c))),
                          _mm256_loadu_si256((const __m256i *)(rq->right + c)));
    y = _mm256_add_epi32(y, _mm256_set1_epi32(rq->zero_point));
    y = _mm256_max_epi32(y, _mm256_set1_epi32(rq->min));
    return _mm256_min_epi32(y, _mm256_set1_epi32(rq->max));
}

/// The table (hardswish), byte by byte after packing: on Zen 1 this was faster than a
/// `vpgatherdd` of int32 entries.
static inline void apply_table(const int32_t *lut, uint8_t *bytes, int count) {
    if (lut) for (int i = 0; i < count; i++) bytes[i] = (uint8_t)lut[bytes[i]];
}

/// Stores 8 requantised values (0…255) as bytes, through the table if there is one.
AVX2 static inline void store8_u8(__m256i q, const int32_t *lut, uint8_t *dst) {
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64((__m128i *)dst, _mm_packus_epi16(words, words));
    apply_table(lut, dst, 8);
}

/// Stores 16 requantised values (0…255; q0 channels 0–7, q1 8–15) as bytes, through the table.
AVX2 static inline void store16_u8(__m256i q0, __m256i q1, const int32_t *lut, uint8_t *dst) {
    __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
    _mm_storeu_si128((__m128i *)dst, _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)));
    apply_table(lut, dst, 16);
}

AVX2 static inline void store8_out(__m256i acc, const fly_requant *rq, uint8_t *c, int32_t *c32, int col, int count) {
    if (c32) {
        if (count == 8) { _mm256_storeu_si256((__m256i *)(c32 + col), acc); return; }
        int32_t tmp[8];
        _mm256_storeu_si256((__m256i *)tmp, acc);
        memcpy(c32 + col, tmp, (size_t)count * sizeof(int32_t));
        return;
    }
    if (count == 8) { store8_u8(requant8(acc, rq, col), rq->lut, c + col); return; }
    // Edge columns: the per-channel arrays have only `count` entries left, so go scalar.
    int32_t tmp[8];
    _mm256_storeu_si256((__m256i *)tmp, acc);
    for (int i = 0; i < count; i++) c[col + i] = fly_requant_one(tmp[i], rq, col + i);
}

/// dot4(a, b): per 32-bit lane, the sum of four u8 × s8 products.
AVX2 static inline __m256i dot4(__m256i a, __m256i b, __m256i ones) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones);
}

void fly_qgemm_avx2(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc) AVX2;
void fly_qgemm_avx2(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc) {
    const int steps = fly_round_up(k, 4) / 4;
    const int64_t stripBytes = (int64_t)steps * 64;
    const __m256i ones = _mm256_set1_epi16(1);
    int r = row_begin;
    // 4 rows × 16 columns: eight accumulators, two weight vectors, one broadcast; a strip's
    // weights are contiguous (64 bytes per step of four k).
    for (; r + 4 <= row_end; r += 4) {
        const uint8_t *a0 = a + (int64_t)r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        for (int j = 0; j < n; j += 16) {
            __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            const int8_t *bp = packed_b + (int64_t)(j / 16) * stripBytes;
            for (int s = 0; s < steps; s++, bp += 64) {
                __m256i b0 = _mm256_loadu_si256((const __m256i *)bp), b1 = _mm256_loadu_si256((const __m256i *)(bp + 32));
                int32_t w0, w1, w2, w3;
                memcpy(&w0, a0 + 4 * s, 4); memcpy(&w1, a1 + 4 * s, 4); memcpy(&w2, a2 + 4 * s, 4); memcpy(&w3, a3 + 4 * s, 4);
                __m256i x = _mm256_set1_epi32(w0);
                c00 = _mm256_add_epi32(c00, dot4(x, b0, ones)); c01 = _mm256_add_epi32(c01, dot4(x, b1, ones));
                x = _mm256_set1_epi32(w1);
                c10 = _mm256_add_epi32(c10, dot4(x, b0, ones)); c11 = _mm256_add_epi32(c11, dot4(x, b1, ones));
                x = _mm256_set1_epi32(w2);
                c20 = _mm256_add_epi32(c20, dot4(x, b0, ones)); c21 = _mm256_add_epi32(c21, dot4(x, b1, ones));
                x = _mm256_set1_epi32(w3);
                c30 = _mm256_add_epi32(c30, dot4(x, b0, ones)); c31 = _mm256_add_epi32(c31, dot4(x, b1, ones));
            }
            int left = n - j, first = left < 8 ? left : 8, second = left - 8 < 8 ? left - 8 : 8;
            __m256i rows[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
            for (int i = 0; i < 4; i++) {
                uint8_t *oi = c ? c + (int64_t)(r + i) * ldc : NULL;
                int32_t *oi32 = c32 ? c32 + (int64_t)(r + i) * ldc : NULL;
                if (oi && second == 8) {
                    store16_u8(requant8(rows[i][0], rq, j), requant8(rows[i][1], rq, j + 8), rq->lut, oi + j);
                    continue;
                }
                store8_out(rows[i][0], rq, oi, oi32, j, first);
                if (second > 0) store8_out(rows[i][1], rq, oi, oi32, j + 8, second);
            }
        }
    }
    for (; r < row_end; r++) {
        const uint8_t *a0 = a + (int64_t)r * lda;
        for (int j = 0; j < n; j += 16) {
            __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
            const int8_t *bp = packed_b + (int64_t)(j / 16) * stripBytes;
            for (int s = 0; s < steps; s++, bp += 64) {
                int32_t w; memcpy(&w, a0 + 4 * s, 4);
                __m256i x = _mm256_set1_epi32(w);
                acc0 = _mm256_add_epi32(acc0, dot4(x, _mm256_loadu_si256((const __m256i *)bp), ones));
                acc1 = _mm256_add_epi32(acc1, dot4(x, _mm256_loadu_si256((const __m256i *)(bp + 32)), ones));
            }
            int left = n - j, first = left < 8 ? left : 8, second = left - 8 < 8 ? left - 8 : 8;
            uint8_t *o = c ? c + (int64_t)r * ldc : NULL;
            int32_t *o32 = c32 ? c32 + (int64_t)r * ldc : NULL;
            store8_out(acc0, rq, o, o32, j, first);
            if (second > 0) store8_out(acc1, rq, o, o32, j + 8, second);
        }
    }
}

/// Sum over tap pairs of 8 channels: bytes of taps t and t+1 interleaved, widened to s16 and
/// multiplied with the packed pair weights by vpmaddwd.
AVX2 static inline __m256i dw_pair8(const uint8_t *x0, const uint8_t *x1, const int16_t *w) {
    __m128i a = _mm_loadl_epi64((const __m128i *)x0), b = _mm_loadl_epi64((const __m128i *)x1);
    __m256i xw = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, b));
    return _mm256_madd_epi16(xw, _mm256_loadu_si256((const __m256i *)w));
}

void fly_qdepthwise_avx2(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                         const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output) AVX2;
void fly_qdepthwise_avx2(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                         const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output) {
    const uint8_t *taps[66];
    const int C = g->channels, c8 = fly_round_up(C, 8);
    const int64_t pairStride = (int64_t)c8 * 2;
    for (int row = row_begin; row < row_end; row++) {
        int n = row / g->out_height, oy = row % g->out_height;
        for (int ox = 0; ox < g->out_width; ox++) {
            int count = fly_dw_tap_pointers(g, n, oy, ox, input, zero_row, taps);
            if (count & 1) { taps[count] = taps[count - 1]; }   // its weight is zero
            int pairs = (count + 1) / 2;
            uint8_t *dst = output + ((int64_t)row * g->out_width + ox) * C;
            int ch = 0;
            for (; ch + 16 <= C; ch += 16) {
                __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
                for (int p = 0; p < pairs; p++) {
                    const uint8_t *x0 = taps[2 * p] + ch, *x1 = taps[2 * p + 1] + ch;
                    const int16_t *w = packed_w + p * pairStride + (int64_t)ch * 2;
                    acc0 = _mm256_add_epi32(acc0, dw_pair8(x0, x1, w));
                    acc1 = _mm256_add_epi32(acc1, dw_pair8(x0 + 8, x1 + 8, w + 16));
                }
                store16_u8(requant8(acc0, rq, ch), requant8(acc1, rq, ch + 8), rq->lut, dst + ch);
            }
            for (; ch + 8 <= C; ch += 8) {
                __m256i acc = _mm256_setzero_si256();
                for (int p = 0; p < pairs; p++)
                    acc = _mm256_add_epi32(acc, dw_pair8(taps[2 * p] + ch, taps[2 * p + 1] + ch,
                                                         packed_w + p * pairStride + (int64_t)ch * 2));
                store8_u8(requant8(acc, rq, ch), rq->lut, dst + ch);
            }
            for (; ch < C; ch++) dst[ch] = fly_requant_one(fly_dw_channel_sum(taps, count, packed_w, c8, ch), rq, ch);
        }
    }
}
#endif
