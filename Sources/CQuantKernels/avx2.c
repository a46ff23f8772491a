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

/// The layer's table (hardswish), prepared once per kernel call. A table whose codes stop at
/// 127 (7-bit activations: requantisation clamps to ≤ 127) is held in eight 16-byte registers
/// and applied with vpshufb; a full 256-entry one byte by byte after packing (on Zen 1 that
/// was faster than a `vpgatherdd` of int32 entries).
typedef struct {
    const int32_t *lut;   // NULL: no table
    int small;            // indices ≤ 127: use `part`
    __m256i part[8];      // part[p] byte i = lut[16p + i], in both 128-bit lanes
} table_state;

AVX2 static inline void table_init(table_state *t, const fly_requant *rq) {
    t->lut = rq ? rq->lut : NULL;
    t->small = t->lut && rq->max <= 127;
    if (!t->small) return;
    for (int p = 0; p < 8; p++) {
        uint8_t bytes[16];
        for (int i = 0; i < 16; i++) bytes[i] = (uint8_t)t->lut[16 * p + i];
        t->part[p] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)bytes));
    }
}

/// lut[idx] for 16 indices ≤ 127: part p answers where idx − 16p lies in 0…15; elsewhere the
/// saturating + 0x70 sets bit 7, which makes vpshufb return 0.
AVX2 static inline __m128i table_small(const table_state *t, __m128i idx) {
    const __m128i sixteen = _mm_set1_epi8(16), high = _mm_set1_epi8(0x70);
    __m128i out = _mm_setzero_si128();
    for (int p = 0; p < 8; p++, idx = _mm_sub_epi8(idx, sixteen))
        out = _mm_or_si128(out, _mm_shuffle_epi8(_mm256_castsi256_si128(t->part[p]), _mm_adds_epu8(idx, high)));
    return out;
}

/// The same for 32 indices at once (vpshufb looks up within each 128-bit lane).
AVX2 static inline __m256i table_small32(const table_state *t, __m256i idx) {
    const __m256i sixteen = _mm256_set1_epi8(16), high = _mm256_set1_epi8(0x70);
    __m256i out = _mm256_setzero_si256();
    for (int p = 0; p < 8; p++, idx = _mm256_sub_epi8(idx, sixteen))
        out = _mm256_or_si256(out, _mm256_shuffle_epi8(t->part[p], _mm256_adds_epu8(idx, high)));
    return out;
}

static inline void apply_table(const int32_t *lut, uint8_t *bytes, int count) {
    if (lut) for (int i = 0; i < count; i++) bytes[i] = (uint8_t)lut[bytes[i]];
}

/// Stores 8 requantised values (0…255) as bytes, through the table if there is one.
AVX2 static inline void store8_u8(__m256i q, const table_state *t, uint8_t *dst) {
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    __m128i bytes = _mm_packus_epi16(words, words);
    if (t->small) bytes = table_small(t, bytes);
    _mm_storel_epi64((__m128i *)dst, bytes);
    if (!t->small) apply_table(t->lut, dst, 8);
}

/// 16 requantised values (0…255; q0 channels 0–7, q1 8–15) as bytes in order.
AVX2 static inline __m128i pack16_u8(__m256i q0, __m256i q1) {
    __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
    return _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
}

/// Stores 16 requantised values (q0 channels 0–7, q1 8–15) as bytes, through the table.
AVX2 static inline void store16_u8(__m256i q0, __m256i q1, const table_state *t, uint8_t *dst) {
    __m128i bytes = pack16_u8(q0, q1);
    if (t->small) bytes = table_small(t, bytes);
    _mm_storeu_si128((__m128i *)dst, bytes);
    if (!t->small) apply_table(t->lut, dst, 16);
}

AVX2 static inline void store8_out(__m256i acc, const fly_requant *rq, const table_state *t, uint8_t *c, int32_t *c32, int col,
                                   int count) {
    if (c32) {
        if (count == 8) { _mm256_storeu_si256((__m256i *)(c32 + col), acc); return; }
        int32_t tmp[8];
        _mm256_storeu_si256((__m256i *)tmp, acc);
        memcpy(c32 + col, tmp, (size_t)count * sizeof(int32_t));
        return;
    }
    if (count == 8) { store8_u8(requant8(acc, rq, col), t, c + col); return; }
    // Edge columns: the per-channel arrays have only `count` entries left, so go scalar.
    int32_t tmp[8];
    _mm256_storeu_si256((__m256i *)tmp, acc);
    for (int i = 0; i < count; i++) c[col + i] = fly_requant_one(tmp[i], rq, col + i);
}

/// Accumulates `group` k-steps (4 k each) of one row into the two 8-column accumulators of a
/// 16-column strip: the vpmaddubsw results (pairs of u8 × s8 products, in s16) of the group
/// are added in 16 bits, then one vpmaddwd with ones widens them to s32. That is exact while
/// 2·group products fit in s16: group 1 for 8-bit activations (2·255·63 = 32130), 2 for 7-bit
/// activations (4·127·63 = 32004), 4 for 7-bit activations and 6-bit weights (8·127·31 =
/// 31496). On Zen 1 both instructions use the one integer-multiply pipe, so per 16·group
/// products it does 2·group + 2 of its µops instead of 4·group: ×1.33 for group 2, ×1.6 for 4.
/// `x` holds the row's 4·group bytes at this step; `bp` the strip's weights at this step.
__attribute__((always_inline)) AVX2 static inline void accumulate_row(int group, const uint8_t *x, const int8_t *bp, __m256i ones,
                                                                       __m256i *acc0, __m256i *acc1) {
    __m256i sum0 = _mm256_setzero_si256(), sum1 = sum0;
    for (int g = 0; g < group; g++) {
        int32_t word;
        memcpy(&word, x + 4 * g, 4);
        __m256i xb = _mm256_set1_epi32(word);
        __m256i p0 = _mm256_maddubs_epi16(xb, _mm256_loadu_si256((const __m256i *)(bp + 64 * g)));
        __m256i p1 = _mm256_maddubs_epi16(xb, _mm256_loadu_si256((const __m256i *)(bp + 64 * g + 32)));
        sum0 = g ? _mm256_add_epi16(sum0, p0) : p0;
        sum1 = g ? _mm256_add_epi16(sum1, p1) : p1;
    }
    *acc0 = _mm256_add_epi32(*acc0, _mm256_madd_epi16(sum0, ones));
    *acc1 = _mm256_add_epi32(*acc1, _mm256_madd_epi16(sum1, ones));
}

/// Rows [r, r + rows) (rows ≤ 4) × one 16-column strip over all k-steps, `group` steps per
/// widening, then the remainder in pairs (where group ≥ 2 allows it) and singles;
/// acc[2·i + h] holds row i, columns 8h…8h+7.
__attribute__((always_inline)) AVX2 static inline void strip_product(int group, int rows, const uint8_t *const *a_rows,
                                                                      const int8_t *bp, int steps, __m256i ones, __m256i *acc) {
    for (int i = 0; i < 2 * rows; i++) acc[i] = _mm256_setzero_si256();
    int s = 0;
    for (; s + group <= steps; s += group, bp += 64 * group)
        for (int i = 0; i < rows; i++) accumulate_row(group, a_rows[i] + 4 * s, bp, ones, &acc[2 * i], &acc[2 * i + 1]);
    if (group > 2 && s + 2 <= steps) {
        for (int i = 0; i < rows; i++) accumulate_row(2, a_rows[i] + 4 * s, bp, ones, &acc[2 * i], &acc[2 * i + 1]);
        s += 2, bp += 128;
    }
    for (; s < steps; s++, bp += 64)
        for (int i = 0; i < rows; i++) accumulate_row(1, a_rows[i] + 4 * s, bp, ones, &acc[2 * i], &acc[2 * i + 1]);
}

/// Requantises (or stores raw) and writes rows [r, r + rows) of the strip at column j. Inlined
/// into the tile loop: as a call, its eight accumulators went through the stack.
__attribute__((always_inline)) AVX2 static inline void store_strip(const __m256i *acc, int rows, int r, int j, int n, const fly_requant *rq, const table_state *table,
                                    uint8_t *c, int32_t *c32, int ldc) {
    int left = n - j, first = left < 8 ? left : 8, second = left - 8 < 8 ? left - 8 : 8;
    if (c && second == 8 && table->small && rows == 4) {
        // Two rows' 16 bytes per 32-byte table lookup: half the table's instructions.
        for (int i = 0; i < 4; i += 2) {
            __m128i b0 = pack16_u8(requant8(acc[2 * i], rq, j), requant8(acc[2 * i + 1], rq, j + 8));
            __m128i b1 = pack16_u8(requant8(acc[2 * i + 2], rq, j), requant8(acc[2 * i + 3], rq, j + 8));
            __m256i both = table_small32(table, _mm256_set_m128i(b1, b0));
            _mm_storeu_si128((__m128i *)(c + (int64_t)(r + i) * ldc + j), _mm256_castsi256_si128(both));
            _mm_storeu_si128((__m128i *)(c + (int64_t)(r + i + 1) * ldc + j), _mm256_extracti128_si256(both, 1));
        }
        return;
    }
    for (int i = 0; i < rows; i++) {
        uint8_t *oi = c ? c + (int64_t)(r + i) * ldc : NULL;
        int32_t *oi32 = c32 ? c32 + (int64_t)(r + i) * ldc : NULL;
        if (oi && second == 8) {
            store16_u8(requant8(acc[2 * i], rq, j), requant8(acc[2 * i + 1], rq, j + 8), table, oi + j);
            continue;
        }
        store8_out(acc[2 * i], rq, table, oi, oi32, j, first);
        if (second > 0) store8_out(acc[2 * i + 1], rq, table, oi, oi32, j + 8, second);
    }
}

/// Rows [r, r + rows) (4, or 1 for the tail) across all strips.
__attribute__((always_inline)) AVX2 static inline void row_block(int group, int rows, int r, int n, int steps, const uint8_t *a, int lda,
                                                                  const int8_t *packed_b, const fly_requant *rq, const table_state *table,
                                                                  uint8_t *c, int32_t *c32, int ldc) {
    const __m256i ones = _mm256_set1_epi16(1);
    const uint8_t *a_rows[4];
    for (int i = 0; i < rows; i++) a_rows[i] = a + (int64_t)(r + i) * lda;
    for (int j = 0; j < n; j += 16) {
        __m256i acc[8];
        strip_product(group, rows, a_rows, packed_b + (int64_t)(j / 16) * steps * 64, steps, ones, acc);
        store_strip(acc, rows, r, j, n, rq, table, c, c32, ldc);
    }
}

/// The whole product with `group` fixed (so each caller below gets its own unrolled loops):
/// tiles of 4 rows × 16 columns (eight accumulators; a strip's weights are contiguous, 64
/// bytes per step of four k), then the remaining rows one by one. With group 4 the tiles are
/// 2 rows: the compiler keeps a group's eight weight vectors in registers, and with eight
/// accumulators too it spilled them to the stack on every step.
__attribute__((always_inline)) AVX2 static inline void qgemm_grouped(int group, int row_begin, int row_end, int n, int k,
                                                                      const uint8_t *a, int lda, const int8_t *packed_b,
                                                                      const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc) {
    const int steps = fly_round_up(k, 4) / 4;
    table_state table;
    table_init(&table, rq);
    int r = row_begin;
    if (group == 4) for (; r + 2 <= row_end; r += 2) row_block(group, 2, r, n, steps, a, lda, packed_b, rq, &table, c, c32, ldc);
    for (; r + 4 <= row_end; r += 4) row_block(group, 4, r, n, steps, a, lda, packed_b, rq, &table, c, c32, ldc);
    for (; r < row_end; r++) row_block(group, 1, r, n, steps, a, lda, packed_b, rq, &table, c, c32, ldc);
}

void fly_qgemm_avx2(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc, int group) AVX2;
void fly_qgemm_avx2(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b,
                    const fly_requant *rq, uint8_t *c, int32_t *c32, int ldc, int group) {
    if (group == 4) qgemm_grouped(4, row_begin, row_end, n, k, a, lda, packed_b, rq, c, c32, ldc);
    else if (group == 2) qgemm_grouped(2, row_begin, row_end, n, k, a, lda, packed_b, rq, c, c32, ldc);
    else qgemm_grouped(1, row_begin, row_end, n, k, a, lda, packed_b, rq, c, c32, ldc);
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
    table_state table;
    table_init(&table, rq);
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
                store16_u8(requant8(acc0, rq, ch), requant8(acc1, rq, ch + 8), &table, dst + ch);
            }
            for (; ch + 8 <= C; ch += 8) {
                __m256i acc = _mm256_setzero_si256();
                for (int p = 0; p < pairs; p++)
                    acc = _mm256_add_epi32(acc, dw_pair8(taps[2 * p] + ch, taps[2 * p + 1] + ch,
                                                         packed_w + p * pairStride + (int64_t)ch * 2));
                store8_u8(requant8(acc, rq, ch), &table, dst + ch);
            }
            for (; ch < C; ch++) dst[ch] = fly_requant_one(fly_dw_channel_sum(taps, count, packed_w, c8, ch), rq, ch);
        }
    }
}
/// Squeeze-excite gating (contract in fly_quant_kernels.h) in 16 bits: |x − z| ≤ 255, and a
/// gate of 32768 (1.0) gives the same result as 32767 ((d·32767 + 2^14) >> 15 = d for
/// |d| < 2^14), so (d·g + 2^14) >> 15 is exactly vpmulhrsw, 16 lanes at a time; vpackuswb's
/// saturation is the clamp to 0…255.
int fly_qgate_avx2(uint8_t *x, int batch, int pixels, int channels, int32_t zero_point, const int32_t *gates) AVX2;
int fly_qgate_avx2(uint8_t *x, int batch, int pixels, int channels, int32_t zero_point, const int32_t *gates) {
    if (channels > 4096) return 0;
    int16_t g16[4096];
    const __m256i z = _mm256_set1_epi16((int16_t)zero_point);
    for (int n = 0; n < batch; n++) {
        const int32_t *g = gates + (int64_t)n * channels;
        for (int c = 0; c < channels; c++) g16[c] = (int16_t)(g[c] > 32767 ? 32767 : (g[c] < 0 ? 0 : g[c]));
        for (int p = 0; p < pixels; p++) {
            uint8_t *row = x + ((int64_t)n * pixels + p) * channels;
            int c = 0;
            for (; c + 16 <= channels; c += 16) {
                __m256i d = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(row + c))), z);
                __m256i y = _mm256_add_epi16(_mm256_mulhrs_epi16(d, _mm256_loadu_si256((const __m256i *)(g16 + c))), z);
                __m256i bytes = _mm256_permute4x64_epi64(_mm256_packus_epi16(y, y), 0x08);
                _mm_storeu_si128((__m128i *)(row + c), _mm256_castsi256_si128(bytes));
            }
            for (; c < channels; c++) {
                int32_t v = zero_point + ((((int32_t)row[c] - zero_point) * g16[c] + (1 << 14)) >> 15);
                row[c] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
            }
        }
    }
    return 1;
}
#endif
