// Stand-alone timing of FlyTally's u8×s8 GEMM kernel on one thread (docs/PERFORMANCE.md):
// raw int32 sums, with requantisation, with requantisation plus the hardswish table, and the
// bounded kernel (requantised, no table) for 7-bit activations (the same values halved) with
// 7-bit weights, then with 6-bit weights (halved too).
// Build and run from the repository root:
//   clang -O3 -ISources/CQuantKernels/include -ISources/CQuantKernels benchmarks/int8-gemm-micro.c \
//       Sources/CQuantKernels/*.c -o /tmp/int8-gemm-micro && /tmp/int8-gemm-micro 16384 96 576
// Arguments: M (rows = pixels), K (input channels), N (output channels). Best of 5 runs each.
#include "fly_quant_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s M K N\n", argv[0]); return 2; }
    int m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]);
    if (m < 1 || k < 1 || n < 1) { fprintf(stderr, "M, K and N must be positive\n"); return 2; }
    uint8_t *a = malloc((size_t)m * k);
    int8_t *w = malloc((size_t)n * k), *packed = malloc((size_t)fly_qgemm_packed_size(n, k));
    for (long i = 0; i < (long)m * k; i++) a[i] = (uint8_t)(rand() & 255);
    for (long i = 0; i < (long)n * k; i++) w[i] = (int8_t)(rand() % 127 - 63);
    fly_qgemm_pack(w, n, k, packed);
    int32_t *bias = calloc(n, 4), *mult = malloc(n * 4), *shift = malloc(n * 4), *right = malloc(n * 4),
            *rounding = malloc(n * 4), *left = calloc(n, 4), *table = malloc(256 * 4);
    for (int i = 0; i < n; i++) { mult[i] = 1 << 30; shift[i] = 8; right[i] = 8; rounding[i] = 128; }
    for (int i = 0; i < 256; i++) table[i] = i;
    fly_requant rq = {bias, mult, shift, 3, 0, 255, NULL, right, rounding, left, 0};
    uint8_t *c = malloc((size_t)m * n);
    int32_t *c32 = malloc((size_t)m * n * 4);
    uint8_t *a7 = malloc((size_t)m * k);
    for (long i = 0; i < (long)m * k; i++) a7[i] = a[i] >> 1;
    int8_t *w6 = malloc((size_t)n * k), *packed6 = malloc((size_t)fly_qgemm_packed_size(n, k));
    for (long i = 0; i < (long)n * k; i++) w6[i] = (int8_t)(w[i] / 2);
    fly_qgemm_pack(w6, n, k, packed6);
    const char *names[] = {"int32 sums", "requantised", "requantised + table", "7-bit a, requantised", "7-bit a, 6-bit w, requantised"};
    printf("M %d K %d N %d, one thread, %s kernels\n", m, k, n, fly_quant_uses_avx2() ? "AVX2" : "portable");
    for (int mode = 0; mode < 5; mode++) {
        rq.lut = mode == 2 ? table : NULL;
        double best = 1e9;
        for (int r = 0; r < 5; r++) {
            double t = now();
            if (mode == 0) fly_qgemm_u8s8_s32(0, m, n, k, a, k, packed, c32, n);
            else if (mode == 3) fly_qgemm_bounded_requant(0, m, n, k, a7, k, packed, &rq, c, n, 127, 63);
            else if (mode == 4) fly_qgemm_bounded_requant(0, m, n, k, a7, k, packed6, &rq, c, n, 127, 31);
            else fly_qgemm_u8s8_requant(0, m, n, k, a, k, packed, &rq, c, n);
            t = now() - t;
            if (t < best) best = t;
        }
        printf("%-20s %8.2f ms  %5.1f GMAC/s\n", names[mode], best * 1e3, (double)m * n * k / best / 1e9);
    }
    return 0;
}
