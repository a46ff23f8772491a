// uint8 im2col for the int8 plans' dense k×k convolutions (the stem): one row of `ldc` bytes
// per output pixel, columns ordered (ky, kx, channel) like OHWI weights. Written in C because
// the stem reads 3-channel pixels: a row of taps inside the image is one contiguous copy of
// kernel_w · channels bytes (with dilation 1), which a per-byte loop in Swift did 4× slower.
#include <string.h>
#include "fly_quant_kernels.h"

/// memcpy for the stem's 9-byte rows of taps without a call: two overlapping 8-byte moves.
static inline void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n) {
    if (n < 8 || n > 16) { memcpy(dst, src, n); return; }
    uint64_t head, tail;
    memcpy(&head, src, 8);
    memcpy(&tail, src + n - 8, 8);
    memcpy(dst, &head, 8);
    memcpy(dst + n - 8, &tail, 8);
}

void fly_im2col_u8(const fly_dw_geometry *g, int row_begin, int row_end, const uint8_t *input, uint8_t zero_point,
                   uint8_t *columns, int ldc) {
    const int c = g->channels, kw = g->kernel_w, patch = g->kernel_h * kw * c;
    const int64_t pixelRow = (int64_t)g->in_width * c;
    for (int row = row_begin; row < row_end; row++) {
        int n = row / g->out_height, oy = row % g->out_height;
        const uint8_t *image = input + (int64_t)n * g->in_height * pixelRow;
        for (int ox = 0; ox < g->out_width; ox++) {
            uint8_t *start = columns + ((int64_t)row * g->out_width + ox) * ldc, *dst = start;
            int ix0 = ox * g->stride_w - g->pad_w;
            int rowInside = ix0 >= 0 && ix0 + (kw - 1) * g->dilation_w < g->in_width && g->dilation_w == 1;
            for (int ky = 0; ky < g->kernel_h; ky++, dst += kw * c) {
                int iy = oy * g->stride_h - g->pad_h + ky * g->dilation_h;
                if (iy < 0 || iy >= g->in_height) { memset(dst, zero_point, (size_t)kw * c); continue; }
                const uint8_t *src = image + iy * pixelRow;
                if (rowInside) { copy_bytes(dst, src + (int64_t)ix0 * c, (size_t)kw * c); continue; }
                for (int kx = 0; kx < kw; kx++) {
                    int ix = ix0 + kx * g->dilation_w;
                    if (ix >= 0 && ix < g->in_width) memcpy(dst + kx * c, src + (int64_t)ix * c, (size_t)c);
                    else memset(dst + kx * c, zero_point, (size_t)c);
                }
            }
            if (ldc > patch) memset(start + patch, zero_point, (size_t)(ldc - patch));
        }
    }
}
