// The scalar requantisation step shared by the portable kernels (see the header's contract).
#ifndef FLY_REQUANT_PORTABLE_H
#define FLY_REQUANT_PORTABLE_H
#include "fly_quant_kernels.h"

static inline uint8_t fly_requant_one(int32_t acc, const fly_requant *rq, int c) {
    uint32_t v = (uint32_t)acc + (uint32_t)rq->bias[c];
    int32_t shift = rq->shift[c];
    if (shift < 0) v <<= -shift;
    int64_t product = (int64_t)(int32_t)v * (int64_t)rq->multiplier[c] + ((int64_t)1 << 30);
    int32_t y = (int32_t)(uint32_t)(uint64_t)(product >> 31);
    if (shift > 0) y = (int32_t)((uint32_t)y + ((uint32_t)1 << (shift - 1))) >> shift;
    int32_t q = (int32_t)((uint32_t)y + (uint32_t)rq->zero_point);
    if (q < rq->min) q = rq->min;
    if (q > rq->max) q = rq->max;
    return (uint8_t)(rq->lut ? rq->lut[q] : q);
}

#endif
