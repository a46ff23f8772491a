// Element-wise integer steps of the int8 plans. Plain loops that the compiler vectorises; the
// AVX2 clone is picked at load time on CPUs that have it (integer results are identical).
#include "fly_quant_kernels.h"

#if defined(__x86_64__) && defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

#include "kernels_internal.h"

static inline int32_t clamp_u8(int32_t v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }
static inline int32_t clamp_to(int32_t v, int32_t max) { return v < 0 ? 0 : (v > max ? max : v); }

VECTOR_CLONES
void fly_qadd_u8(uint8_t *a, const uint8_t *b, int64_t count, int32_t z_a, int32_t z_b, int32_t z_out,
                 int32_t m_a, int32_t m_b, int32_t shift, int32_t max) {
    const int32_t rounding = 1 << (shift - 1);
    for (int64_t i = 0; i < count; i++) {
        int32_t sum = ((int32_t)a[i] - z_a) * m_a + ((int32_t)b[i] - z_b) * m_b;
        a[i] = (uint8_t)clamp_to(z_out + ((sum + rounding) >> shift), max);
    }
}

VECTOR_CLONES
void fly_qgate_u8(uint8_t *x, int batch, int pixels, int channels, int32_t zero_point, const int32_t *gates) {
#if defined(__x86_64__)
    if (fly_quant_uses_avx2() && fly_qgate_avx2(x, batch, pixels, channels, zero_point, gates)) return;
#endif
    for (int n = 0; n < batch; n++) {
        const int32_t *g = gates + (int64_t)n * channels;
        for (int p = 0; p < pixels; p++) {
            uint8_t *row = x + ((int64_t)n * pixels + p) * channels;
            for (int c = 0; c < channels; c++)
                row[c] = (uint8_t)clamp_u8(zero_point + ((((int32_t)row[c] - zero_point) * g[c] + (1 << 14)) >> 15));
        }
    }
}

VECTOR_CLONES
void fly_channel_sums_u8(const uint8_t *x, int batch, int pixels, int channels, int32_t *sums) {
    for (int n = 0; n < batch; n++) {
        int32_t *s = sums + (int64_t)n * channels;
        for (int c = 0; c < channels; c++) s[c] = 0;
        for (int p = 0; p < pixels; p++) {
            const uint8_t *row = x + ((int64_t)n * pixels + p) * channels;
            for (int c = 0; c < channels; c++) s[c] += row[c];
        }
    }
}
