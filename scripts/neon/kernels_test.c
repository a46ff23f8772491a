// Checks the NEON integer kernels against the portable ones, bit for bit, on random shapes
// (odd sizes, edge strips and channel tails included). Built for 64-bit Arm and run under
// emulation by scripts/test-neon.sh; exits nonzero on the first difference.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fly_quant_kernels.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint32_t next_random(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (uint32_t)(state >> 11);
}
static int uniform(int low, int high) { return low + (int)(next_random() % (uint32_t)(high - low + 1)); }

typedef struct { int32_t *bias, *multiplier, *shift, *right, *rounding, *left, *lut; fly_requant rq; } requant_arrays;

static requant_arrays make_requant(int channels, int with_lut) {
    requant_arrays r;
    r.bias = malloc(sizeof(int32_t) * channels); r.multiplier = malloc(sizeof(int32_t) * channels);
    r.shift = malloc(sizeof(int32_t) * channels); r.right = malloc(sizeof(int32_t) * channels);
    r.rounding = malloc(sizeof(int32_t) * channels); r.left = malloc(sizeof(int32_t) * channels);
    r.lut = malloc(sizeof(int32_t) * 256);
    int any_left = 0;
    for (int c = 0; c < channels; c++) {
        r.bias[c] = uniform(-20000, 20000);
        r.multiplier[c] = (int32_t)((1u << 30) + (next_random() % (1u << 30)));
        r.shift[c] = uniform(-2, 14);
        r.right[c] = r.shift[c] > 0 ? r.shift[c] : 0;
        r.rounding[c] = r.right[c] > 0 ? 1 << (r.right[c] - 1) : 0;
        r.left[c] = r.shift[c] < 0 ? -r.shift[c] : 0;
        any_left |= r.left[c] > 0;
    }
    for (int i = 0; i < 256; i++) r.lut[i] = uniform(0, 255);
    fly_requant rq = { r.bias, r.multiplier, r.shift, uniform(0, 255), 0, 255, with_lut ? r.lut : NULL,
                       r.right, r.rounding, r.left, any_left };
    rq.min = uniform(0, 40); rq.max = uniform(200, 255);
    r.rq = rq;
    return r;
}

static int check_gemm(int trial) {
    int rows = uniform(1, 9), n = uniform(1, 70), k = uniform(1, 300), k4 = (k + 3) / 4 * 4, lda = k4 + uniform(0, 5);
    uint8_t *a = malloc((size_t)rows * lda);
    for (int i = 0; i < rows * lda; i++) a[i] = (uint8_t)uniform(0, 255);
    int8_t *w = malloc((size_t)n * k);
    for (int i = 0; i < n * k; i++) w[i] = (int8_t)uniform(-127, 127);   // NEON is exact for all of int8
    for (int r = 0; r < rows; r++) for (int p = k; p < k4; p++) a[r * lda + p] = (uint8_t)uniform(0, 255);
    int8_t *packed = malloc((size_t)fly_qgemm_packed_size(n, k));
    fly_qgemm_pack(w, n, k, packed);
    requant_arrays rq = make_requant(n, trial % 3 == 0);
    int32_t *s_neon = malloc(sizeof(int32_t) * rows * n), *s_port = malloc(sizeof(int32_t) * rows * n);
    uint8_t *u_neon = malloc((size_t)rows * n), *u_port = malloc((size_t)rows * n);
    fly_quant_force_portable(0);
    if (!fly_quant_uses_neon()) { fprintf(stderr, "NEON kernels not selected\n"); return 1; }
    fly_qgemm_u8s8_s32(0, rows, n, k, a, lda, packed, s_neon, n);
    fly_qgemm_u8s8_requant(0, rows, n, k, a, lda, packed, &rq.rq, u_neon, n);
    fly_quant_force_portable(1);
    fly_qgemm_u8s8_s32(0, rows, n, k, a, lda, packed, s_port, n);
    fly_qgemm_u8s8_requant(0, rows, n, k, a, lda, packed, &rq.rq, u_port, n);
    if (memcmp(s_neon, s_port, sizeof(int32_t) * rows * n) || memcmp(u_neon, u_port, (size_t)rows * n)) {
        fprintf(stderr, "GEMM differs: trial %d, rows %d, n %d, k %d\n", trial, rows, n, k);
        return 1;
    }
    return 0;
}

static int check_depthwise(int trial) {
    static const int sizes[] = { 1, 2, 3, 5 };   // odd and even tap counts (the pairs' tail)
    int kh = sizes[uniform(0, 3)], kw = sizes[uniform(0, 3)], stride = uniform(1, 2);
    fly_dw_geometry g = { uniform(1, 2), uniform(1, 13), uniform(1, 13), uniform(1, 40), 0, 0,
                          kh, kw, stride, stride, kh / 2, kw / 2, 1, uniform(1, 2) };
    g.out_height = (g.in_height + 2 * g.pad_h - kh) / stride + 1;
    g.out_width = (g.in_width + 2 * g.pad_w - g.dilation_w * (kw - 1) - 1) / stride + 1;
    if (g.out_height < 1 || g.out_width < 1) return 0;
    int taps = kh * kw, pixels = g.batch * g.in_height * g.in_width;
    uint8_t *input = malloc((size_t)pixels * g.channels), *zero_row = malloc((size_t)g.channels);
    for (int i = 0; i < pixels * g.channels; i++) input[i] = (uint8_t)uniform(0, 255);
    uint8_t zp = (uint8_t)uniform(0, 255);
    memset(zero_row, zp, (size_t)g.channels);
    int8_t *w = malloc((size_t)g.channels * taps);
    for (int i = 0; i < g.channels * taps; i++) w[i] = (int8_t)uniform(-127, 127);
    int16_t *packed = malloc(sizeof(int16_t) * (size_t)fly_qdepthwise_packed_size(&g));
    fly_qdepthwise_pack(&g, w, packed);
    requant_arrays rq = make_requant(g.channels, trial % 2);
    int outputs = g.batch * g.out_height * g.out_width * g.channels;
    uint8_t *neon = malloc((size_t)outputs), *port = malloc((size_t)outputs);
    fly_quant_force_portable(0);
    fly_qdepthwise_u8(&g, 0, g.batch * g.out_height, input, packed, zero_row, &rq.rq, neon);
    fly_quant_force_portable(1);
    fly_qdepthwise_u8(&g, 0, g.batch * g.out_height, input, packed, zero_row, &rq.rq, port);
    if (memcmp(neon, port, (size_t)outputs)) {
        fprintf(stderr, "depthwise differs: trial %d, %dx%dx%d, kernel %dx%d stride %d\n", trial, g.in_height, g.in_width,
                g.channels, kh, kw, stride);
        return 1;
    }
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int trials = 300;
    for (int t = 0; t < trials; t++) if (check_gemm(t) || check_depthwise(t)) return 1;
    printf("NEON kernels equal the portable ones bit for bit: %d GEMM and %d depthwise cases\n", trials, trials);
    return 0;
}
