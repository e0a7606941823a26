// Dequantisation of ggml block types (the quantized tensors of GGUF files) to
// float32, one scalar reference decoder per type, registered in the DType
// table (dtype.cpp). Layouts follow ggml's ggml-common.h and the arithmetic
// follows ggml-quants.c dequantize_row_*, operation for operation, so results
// are bit-exact against llama.cpp (and against gguf-py's NumPy dequantizer).
// Covered: Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1 MXFP4, Q2_K..Q6_K, IQ4_NL IQ4_XS,
// TQ1_0 TQ2_0. The grid-codebook types (IQ1_*, IQ2_*, IQ3_*) are indexed
// but not decoded: their lattice tables are several KB each.
//
// Names: ggml calls the block scale `d` and the block offset `m`/`dmin`; in
// lecture terms d is the scale and m the offset −scale·zero_point, kept as a
// float, so x = scale·q + min. Super-blocks (the *_K types) quantize their
// sub-block scales and mins themselves, with a float16 scale of scales.
//
// Multi-byte fields (the float16 scales, Q5's 32-bit high-bit mask) are read
// byte-swapped when the file is big-endian (`swap`); byte arrays are not.
//
// [SECTION] index: 32-element blocks (Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1 MXFP4) ->
// 256-element super-blocks (Q2_K..Q6_K) -> non-linear and ternary (IQ4_NL
// IQ4_XS TQ2_0 TQ1_0) -> the DType registration.
#include "core/io/dtype.hpp"

#include "core/util/half.hpp"

#include <cmath>
#include <cstring>

namespace qs::io {
namespace {

constexpr int QK = 32;     // elements per block of the simple types
constexpr int QK_K = 256;  // elements per super-block of the K types

// Copies block `i` out of the byte stream: file data need not be aligned.
template <class Block>
Block load_block(const uint8_t* src, uint64_t i) {
    Block b;
    std::memcpy(&b, src + i * sizeof(Block), sizeof(Block));
    return b;
}

float f16(uint16_t h, bool swap) { return half_to_float(swap ? __builtin_bswap16(h) : h); }

uint32_t u32_le(const uint8_t (&b)[4], bool swap) {
    uint32_t v;
    std::memcpy(&v, b, 4);
    return swap ? __builtin_bswap32(v) : v;
}

// ---- [SECTION] 32-element blocks ---------------------------------------------------

// Q4_0: x = scale·(q − 8), q ∈ 0..15. 4.5 bits per weight.
// qs[j] holds element j (low nibble) and element j+16 (high nibble).
struct BlockQ4_0 {
    uint16_t d;         // scale (fp16)
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

void dequant_q4_0(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ4_0>(src, i);
        const float scale = f16(b.d, swap);
        for (int j = 0; j < QK / 2; ++j) {
            const int q0 = (b.qs[j] & 0x0F) - 8;
            const int q1 = (b.qs[j] >> 4) - 8;
            y[j] = float(q0) * scale;
            y[j + QK / 2] = float(q1) * scale;
        }
    }
}

// Q4_1: x = scale·q + min, q ∈ 0..15. 5.0 bits per weight.
struct BlockQ4_1 {
    uint16_t d;         // scale (fp16)
    uint16_t m;         // min (fp16)
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

void dequant_q4_1(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ4_1>(src, i);
        const float scale = f16(b.d, swap), min = f16(b.m, swap);
        for (int j = 0; j < QK / 2; ++j) {
            y[j] = float(b.qs[j] & 0x0F) * scale + min;
            y[j + QK / 2] = float(b.qs[j] >> 4) * scale + min;
        }
    }
}

// Q5_0: x = scale·(q − 16), q ∈ 0..31. 5.5 bits per weight.
// Low 4 bits as Q4_0; bit j of qh (a little-endian u32) is bit 4 of element j.
struct BlockQ5_0 {
    uint16_t d;         // scale (fp16)
    uint8_t qh[4];      // fifth bits
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

void dequant_q5_0(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ5_0>(src, i);
        const float scale = f16(b.d, swap);
        const uint32_t qh = u32_le(b.qh, swap);
        for (int j = 0; j < QK / 2; ++j) {
            const int h0 = int((qh >> j) & 1u) << 4;
            const int h1 = int((qh >> (j + 16)) & 1u) << 4;
            const int q0 = ((b.qs[j] & 0x0F) | h0) - 16;
            const int q1 = ((b.qs[j] >> 4) | h1) - 16;
            y[j] = float(q0) * scale;
            y[j + QK / 2] = float(q1) * scale;
        }
    }
}

// Q5_1: x = scale·q + min, q ∈ 0..31. 6.0 bits per weight.
struct BlockQ5_1 {
    uint16_t d;         // scale (fp16)
    uint16_t m;         // min (fp16)
    uint8_t qh[4];      // fifth bits
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

void dequant_q5_1(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ5_1>(src, i);
        const float scale = f16(b.d, swap), min = f16(b.m, swap);
        const uint32_t qh = u32_le(b.qh, swap);
        for (int j = 0; j < QK / 2; ++j) {
            const int h0 = int((qh >> j) & 1u) << 4;
            const int h1 = int((qh >> (j + 16)) & 1u) << 4;
            y[j] = float((b.qs[j] & 0x0F) | h0) * scale + min;
            y[j + QK / 2] = float((b.qs[j] >> 4) | h1) * scale + min;
        }
    }
}

// Q8_0: x = scale·q, q ∈ −128..127. 8.5 bits per weight.
struct BlockQ8_0 {
    uint16_t d;         // scale (fp16)
    int8_t qs[QK];
};
static_assert(sizeof(BlockQ8_0) == 34);

void dequant_q8_0(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ8_0>(src, i);
        const float scale = f16(b.d, swap);
        for (int j = 0; j < QK; ++j) y[j] = float(b.qs[j]) * scale;
    }
}

// Q8_1: x = scale·q; `s` caches scale·Σq for dot products. 9.0 bits per weight.
// ggml uses it for activations; decoded the same way as Q8_0.
struct BlockQ8_1 {
    uint16_t d;         // scale (fp16)
    uint16_t s;         // scale·sum(qs) (fp16), not needed to decode
    int8_t qs[QK];
};
static_assert(sizeof(BlockQ8_1) == 36);

void dequant_q8_1(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockQ8_1>(src, i);
        const float scale = f16(b.d, swap);
        for (int j = 0; j < QK; ++j) y[j] = float(b.qs[j]) * scale;
    }
}

// MXFP4 (OCP microscaling): x = 2^(e−127)·E2M1(code). 4.25 bits per weight.
// Codes are packed as in Q4_0. ggml keeps E2M1 values doubled (integers) and
// halves the scale instead; we do the same so the products are identical.
struct BlockMXFP4 {
    uint8_t e;          // shared exponent (E8M0)
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockMXFP4) == 17);

constexpr int8_t kE2M1Doubled[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// 2^(e−128) (half the E8M0 scale) as ggml_e8m0_to_fp32_half: e = 0 and 1 are
// float32 subnormals; 0xFF is a finite 2^127 here, not NaN.
float e8m0_half(uint8_t e) {
    const uint32_t bits = e < 2 ? (0x00200000u << e) : (uint32_t(e - 1) << 23);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

void dequant_mxfp4(const uint8_t* src, uint64_t nb, float* y, bool) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockMXFP4>(src, i);
        const float scale = e8m0_half(b.e);
        float value[16];  // the block's 16 possible values: the same products, computed once
        for (int k = 0; k < 16; ++k) value[k] = float(kE2M1Doubled[k]) * scale;
        for (int j = 0; j < QK / 2; ++j) {
            y[j] = value[b.qs[j] & 0x0F];
            y[j + QK / 2] = value[b.qs[j] >> 4];
        }
    }
}

// ---- [SECTION] 256-element super-blocks --------------------------------------------

// Q2_K: 16 sub-blocks of 16; x = (d·sc)·q − (dmin·mn), q ∈ 0..3, with 4-bit
// sc and mn per sub-block. 2.625 bits per weight.
// Element 128h + 32k + l has q = bits 2k..2k+1 of qs[32h + l].
struct BlockQ2_K {
    uint8_t scales[QK_K / 16];  // low nibble: sc, high nibble: mn
    uint8_t qs[QK_K / 4];
    uint16_t d;                 // scale of the sub-block scales (fp16)
    uint16_t dmin;              // scale of the sub-block mins (fp16)
};
static_assert(sizeof(BlockQ2_K) == 84);

void dequant_q2_k(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockQ2_K>(src, i);
        const float d = f16(b.d, swap), dmin = f16(b.dmin, swap);
        int is = 0;
        for (int h = 0; h < 2; ++h) {
            const uint8_t* q = b.qs + 32 * h;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half) {  // two sub-blocks of 16 per shift
                    const uint8_t sc = b.scales[is++];
                    const float scale = d * float(sc & 0x0F);
                    const float min = dmin * float(sc >> 4);
                    for (int l = 0; l < 16; ++l) *y++ = scale * float((q[16 * half + l] >> shift) & 3) - min;
                }
            }
        }
    }
}

// Q3_K: 16 sub-blocks of 16; x = (d·(s − 32))·q, q ∈ −4..3, with 6-bit s.
// 3.4375 bits per weight. Low 2 bits of q as Q2_K; the high bit of element e
// is bit e/32 of hmask[e mod 32], and a *clear* bit subtracts 4.
// Scale s_j: low 4 bits in scales[j mod 8] (low nibble for j<8, high nibble
// for j≥8), high 2 bits at bits 2(j/4).. of scales[8 + j mod 4].
struct BlockQ3_K {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12];
    uint16_t d;                 // scale of the sub-block scales (fp16)
};
static_assert(sizeof(BlockQ3_K) == 110);

void dequant_q3_k(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockQ3_K>(src, i);
        const float d = f16(b.d, swap);
        int s[16];
        for (int j = 0; j < 16; ++j) {
            const int low = j < 8 ? (b.scales[j] & 0x0F) : (b.scales[j - 8] >> 4);
            const int high = (b.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
            s[j] = (low | (high << 4)) - 32;
        }
        int is = 0;
        uint8_t m = 1;  // hmask bit for the current group of 32
        for (int h = 0; h < 2; ++h) {
            const uint8_t* q = b.qs + 32 * h;
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; ++half) {
                    const float scale = d * float(s[is++]);
                    for (int l = 0; l < 16; ++l) {
                        const int k = 16 * half + l;
                        const int q3 = int((q[k] >> shift) & 3) - ((b.hmask[k] & m) ? 0 : 4);
                        *y++ = scale * float(q3);
                    }
                }
            }
        }
    }
}

// The 6-bit scale and min of sub-block j (0..7) of Q4_K/Q5_K, packed in 12
// bytes: bytes 0-3 hold sc0-3 (bits 0-5) and the top bits of sc4-7 (bits
// 6-7); bytes 4-7 the same for the mins; bytes 8-11 the low 4 bits of sc4-7
// (low nibble) and mn4-7 (high nibble). As ggml's get_scale_min_k4.
void scale_min_k4(int j, const uint8_t* q, uint8_t& sc, uint8_t& mn) {
    if (j < 4) {
        sc = q[j] & 63;
        mn = q[j + 4] & 63;
    } else {
        sc = uint8_t((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4));
        mn = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q4_K: 8 sub-blocks of 32; x = (d·sc)·q − (dmin·mn), q ∈ 0..15, 6-bit sc and
// mn. 4.5 bits per weight. Chunk c (64 elements) uses qs[32c..32c+31]: low
// nibbles are sub-block 2c, high nibbles sub-block 2c+1.
struct BlockQ4_K {
    uint16_t d;                 // scale of the sub-block scales (fp16)
    uint16_t dmin;              // scale of the sub-block mins (fp16)
    uint8_t scales[12];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

void dequant_q4_k(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockQ4_K>(src, i);
        const float d = f16(b.d, swap), dmin = f16(b.dmin, swap);
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = b.qs + 32 * c;
            uint8_t sc, mn;
            scale_min_k4(2 * c, b.scales, sc, mn);
            const float scale0 = d * float(sc), min0 = dmin * float(mn);
            scale_min_k4(2 * c + 1, b.scales, sc, mn);
            const float scale1 = d * float(sc), min1 = dmin * float(mn);
            for (int l = 0; l < 32; ++l) *y++ = scale0 * float(q[l] & 0x0F) - min0;
            for (int l = 0; l < 32; ++l) *y++ = scale1 * float(q[l] >> 4) - min1;
        }
    }
}

// Q5_K: Q4_K plus a fifth bit: bit j of qh[l] is bit 4 of element l of
// sub-block j. q ∈ 0..31. 5.5 bits per weight.
struct BlockQ5_K {
    uint16_t d;                 // scale of the sub-block scales (fp16)
    uint16_t dmin;              // scale of the sub-block mins (fp16)
    uint8_t scales[12];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

void dequant_q5_k(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockQ5_K>(src, i);
        const float d = f16(b.d, swap), dmin = f16(b.dmin, swap);
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = b.qs + 32 * c;
            const uint8_t m0 = uint8_t(1u << (2 * c)), m1 = uint8_t(1u << (2 * c + 1));
            uint8_t sc, mn;
            scale_min_k4(2 * c, b.scales, sc, mn);
            const float scale0 = d * float(sc), min0 = dmin * float(mn);
            scale_min_k4(2 * c + 1, b.scales, sc, mn);
            const float scale1 = d * float(sc), min1 = dmin * float(mn);
            for (int l = 0; l < 32; ++l)
                *y++ = scale0 * float((q[l] & 0x0F) + ((b.qh[l] & m0) ? 16 : 0)) - min0;
            for (int l = 0; l < 32; ++l)
                *y++ = scale1 * float((q[l] >> 4) + ((b.qh[l] & m1) ? 16 : 0)) - min1;
        }
    }
}

// Q6_K: 16 sub-blocks of 16; x = (d·sc)·(q − 32), q ∈ 0..63, signed 8-bit sc.
// 6.5625 bits per weight. Element 128h + 32k + l: low 4 bits from
// ql[64h + l + 32(k mod 2)] (low nibble for k<2, high for k≥2), high 2 bits
// = bits 2k..2k+1 of qh[32h + l].
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;                 // scale of the sub-block scales (fp16)
};
static_assert(sizeof(BlockQ6_K) == 210);

void dequant_q6_k(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockQ6_K>(src, i);
        const float d = f16(b.d, swap);
        float scales[16];  // d·sc per sub-block: ggml's left-to-right d * sc * q
        for (int k = 0; k < 16; ++k) scales[k] = d * float(b.scales[k]);
        // Quarter k of each half h: 32 elements with low bits from nibble k/2 of
        // ql[64h + 32(k mod 2) + l], high bits from bits 2k.. of qh[32h + l].
        for (int h = 0; h < 2; ++h) {
            for (int k = 0; k < 4; ++k) {
                const uint8_t* ql = b.ql + 64 * h + 32 * (k % 2);
                const uint8_t* qh = b.qh + 32 * h;
                const int shift = 4 * (k / 2);
                float* out = y + 128 * h + 32 * k;
                for (int half = 0; half < 2; ++half) {
                    const float scale = scales[8 * h + 2 * k + half];
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int q = int(((ql[l] >> shift) & 0x0F) | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
                        out[l] = scale * float(q);
                    }
                }
            }
        }
        y += QK_K;
    }
}

// ---- [SECTION] non-linear and ternary types (no codebook grids needed) ----------------

// IQ4_NL: x = scale·kIQ4NL[code], a fixed non-uniform 16-level codebook
// (denser near zero, like NF4). 4.5 bits per weight. Codes packed as Q4_0.
constexpr int8_t kIQ4NL[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

struct BlockIQ4_NL {
    uint16_t d;         // scale (fp16)
    uint8_t qs[QK / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

void dequant_iq4_nl(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i, y += QK) {
        const auto b = load_block<BlockIQ4_NL>(src, i);
        const float scale = f16(b.d, swap);
        float value[16];
        for (int k = 0; k < 16; ++k) value[k] = scale * float(kIQ4NL[k]);
        for (int j = 0; j < QK / 2; ++j) {
            y[j] = value[b.qs[j] & 0x0F];
            y[j + QK / 2] = value[b.qs[j] >> 4];
        }
    }
}

// IQ4_XS: IQ4_NL codes in 8 sub-blocks of 32 with 6-bit scales;
// x = (d·(ls − 32))·kIQ4NL[code]. 4.25 bits per weight. Sub-block j's scale
// ls: low 4 bits = nibble (j mod 2) of scales_l[j/2], high 2 bits = bits
// 2j..2j+1 of scales_h.
struct BlockIQ4_XS {
    uint16_t d;                 // scale of the sub-block scales (fp16)
    uint16_t scales_h;
    uint8_t scales_l[QK_K / 64];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136);

void dequant_iq4_xs(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockIQ4_XS>(src, i);
        const float d = f16(b.d, swap);
        const uint16_t scales_h = swap ? __builtin_bswap16(b.scales_h) : b.scales_h;
        for (int ib = 0; ib < QK_K / 32; ++ib, y += 32) {
            const int ls = ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F) | (((scales_h >> (2 * ib)) & 3) << 4);
            const float scale = d * float(ls - 32);
            float value[16];
            for (int k = 0; k < 16; ++k) value[k] = scale * float(kIQ4NL[k]);
            const uint8_t* qs = b.qs + 16 * ib;
            for (int j = 0; j < 16; ++j) {
                y[j] = value[qs[j] & 0x0F];
                y[j + 16] = value[qs[j] >> 4];
            }
        }
    }
}

// TQ2_0 (ternary, BitNet b1.58 / TriLM): x = scale·(q − 1), q ∈ 0..2, four
// 2-bit codes per byte. 2.0625 bits per weight. Element 128c + 32l + m is
// bits 2l..2l+1 of qs[32c + m].
struct BlockTQ2_0 {
    uint8_t qs[QK_K / 4];
    uint16_t d;                 // scale (fp16)
};
static_assert(sizeof(BlockTQ2_0) == 66);

void dequant_tq2_0(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockTQ2_0>(src, i);
        const float scale = f16(b.d, swap);
        for (int j = 0; j < QK_K / 4; j += 32)
            for (int l = 0; l < 4; ++l)
                for (int m = 0; m < 32; ++m) *y++ = float(((b.qs[j + m] >> (2 * l)) & 3) - 1) * scale;
    }
}

// TQ1_0 (ternary): five base-3 digits per byte (3^5 = 243 < 256), stored as
// the fixed-point fraction byte = ceil(value·256/243); digit n is recovered
// as the top "trit" of (byte·3^n mod 256)·3 >> 8. x = scale·(trit − 1).
// 1.6875 bits per weight. 240 elements in qs (32 bytes × 5, then 16 × 5),
// the last 16 in qh (4 bytes × 4).
struct BlockTQ1_0 {
    uint8_t qs[(QK_K - 4 * QK_K / 64) / 5];  // 48
    uint8_t qh[QK_K / 64];                   // 4
    uint16_t d;                              // scale (fp16)
};
static_assert(sizeof(BlockTQ1_0) == 54);

void dequant_tq1_0(const uint8_t* src, uint64_t nb, float* y, bool swap) {
    constexpr uint8_t pow3[5] = {1, 3, 9, 27, 81};
    auto trit = [](uint8_t byte, uint8_t p) { return int((uint16_t(uint8_t(byte * p)) * 3) >> 8) - 1; };
    for (uint64_t i = 0; i < nb; ++i) {
        const auto b = load_block<BlockTQ1_0>(src, i);
        const float scale = f16(b.d, swap);
        for (int n = 0; n < 5; ++n)
            for (int m = 0; m < 32; ++m) *y++ = float(trit(b.qs[m], pow3[n])) * scale;
        for (int n = 0; n < 5; ++n)
            for (int m = 0; m < 16; ++m) *y++ = float(trit(b.qs[32 + m], pow3[n])) * scale;
        for (int n = 0; n < 4; ++n)
            for (int j = 0; j < 4; ++j) *y++ = float(trit(b.qh[j], pow3[n])) * scale;
    }
}

}  // namespace

DecodeFn ggml_block_decoder(DType t) {
    switch (t) {
        case DType::Q4_0: return dequant_q4_0;
        case DType::Q4_1: return dequant_q4_1;
        case DType::Q5_0: return dequant_q5_0;
        case DType::Q5_1: return dequant_q5_1;
        case DType::Q8_0: return dequant_q8_0;
        case DType::Q8_1: return dequant_q8_1;
        case DType::MXFP4: return dequant_mxfp4;
        case DType::Q2_K: return dequant_q2_k;
        case DType::Q3_K: return dequant_q3_k;
        case DType::Q4_K: return dequant_q4_k;
        case DType::Q5_K: return dequant_q5_k;
        case DType::Q6_K: return dequant_q6_k;
        case DType::IQ4_NL: return dequant_iq4_nl;
        case DType::IQ4_XS: return dequant_iq4_xs;
        case DType::TQ1_0: return dequant_tq1_0;
        case DType::TQ2_0: return dequant_tq2_0;
        default: return nullptr;  // grid-codebook IQ types and Q8_K: indexed, not decoded
    }
}

}  // namespace qs::io
