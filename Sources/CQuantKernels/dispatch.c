#include "fly_quant_kernels.h"
#include "kernels_internal.h"

static int force_portable = 0;

void fly_quant_force_portable(int portable) { force_portable = portable; }

int fly_quant_uses_neon(void) {
#if defined(__aarch64__)
    return !force_portable;   // NEON is part of every ARMv8-A core
#else
    return 0;
#endif
}

int fly_quant_uses_avx2(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static int has = -1;
    if (has < 0) { __builtin_cpu_init(); has = __builtin_cpu_supports("avx2") ? 1 : 0; }
    return has && !force_portable;
#else
    return 0;
#endif
}

void fly_qgemm_u8s8_requant(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                            const int8_t *packed_b, const fly_requant *rq, uint8_t *c, int ldc) {
#if defined(__x86_64__)
    if (fly_quant_uses_avx2()) { fly_qgemm_avx2(row_begin, row_end, n, k, a, lda, packed_b, rq, c, NULL, ldc, 0); return; }
#endif
#if defined(__aarch64__)
    if (fly_quant_uses_neon()) { fly_qgemm_neon(row_begin, row_end, n, k, a, lda, packed_b, rq, c, NULL, ldc); return; }
#endif
    fly_qgemm_portable(row_begin, row_end, n, k, a, lda, packed_b, rq, c, NULL, ldc);
}

int fly_qgemm_group(int a_max, int w_max) {
    for (int group = 4; group > 1; group /= 2)
        if ((int64_t)2 * group * a_max * w_max <= 32767) return group;
    return 1;
}

void fly_qgemm_bounded_requant(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                               const int8_t *packed_b, const fly_requant *rq, uint8_t *c, int ldc, int a_max, int w_max) {
#if defined(__x86_64__)
    if (fly_quant_uses_avx2()) {
        fly_qgemm_avx2(row_begin, row_end, n, k, a, lda, packed_b, rq, c, NULL, ldc, fly_qgemm_group(a_max, w_max));
        return;
    }
#endif
    // Elsewhere the same products as the general kernel (NEON widens each product pair itself).
    (void)a_max, (void)w_max;
    fly_qgemm_u8s8_requant(row_begin, row_end, n, k, a, lda, packed_b, rq, c, ldc);
}

void fly_qgemm_u8s8_s32(int row_begin, int row_end, int n, int k, const uint8_t *a, int lda,
                        const int8_t *packed_b, int32_t *c, int ldc) {
#if defined(__x86_64__)
    if (fly_quant_uses_avx2()) { fly_qgemm_avx2(row_begin, row_end, n, k, a, lda, packed_b, NULL, NULL, c, ldc, 0); return; }
#endif
#if defined(__aarch64__)
    if (fly_quant_uses_neon()) { fly_qgemm_neon(row_begin, row_end, n, k, a, lda, packed_b, NULL, NULL, c, ldc); return; }
#endif
    fly_qgemm_portable(row_begin, row_end, n, k, a, lda, packed_b, NULL, NULL, c, ldc);
}

void fly_qdepthwise_u8(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input,
                       const int16_t *packed_w, const uint8_t *zero_row, const fly_requant *rq, uint8_t *output) {
#if defined(__x86_64__)
    if (fly_quant_uses_avx2()) { fly_qdepthwise_avx2(g, row_begin, row_end, input, packed_w, zero_row, rq, output); return; }
#endif
#if defined(__aarch64__)
    if (fly_quant_uses_neon()) { fly_qdepthwise_neon(g, row_begin, row_end, input, packed_w, zero_row, rq, output); return; }
#endif
    fly_qdepthwise_portable(g, row_begin, row_end, input, packed_w, zero_row, rq, output);
}
