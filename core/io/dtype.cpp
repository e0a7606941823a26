#include "core/io/dtype.hpp"

#include "core/util/checked.hpp"
#include "core/util/half.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace qs::io {
namespace {

template <class U>
U load_le(const uint8_t* p, bool swap) {
    U v;
    std::memcpy(&v, p, sizeof(U));
    if (swap) {
        if constexpr (sizeof(U) == 2) v = __builtin_bswap16(v);
        else if constexpr (sizeof(U) == 4) v = __builtin_bswap32(v);
        else if constexpr (sizeof(U) == 8) v = __builtin_bswap64(v);
    }
    return v;
}

// Integer-backed plain types: read the bits, then convert.
template <class Bits, class Conv>
void decode_plain(const uint8_t* src, uint64_t n, float* dst, bool swap, Conv conv) {
    for (uint64_t i = 0; i < n; ++i) dst[i] = conv(load_le<Bits>(src + i * sizeof(Bits), swap));
}

// OCP FP8 E4M3 ("fn": no infinities, S.1111.111 is NaN), bias 7.
float e4m3fn_to_float(uint8_t b) {
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 3) & 0xF;
    const int man = b & 0x7;
    if (exp == 0xF && man == 0x7) return std::numeric_limits<float>::quiet_NaN();
    if (exp == 0) return sign * std::ldexp(float(man), -9);  // man/8 * 2^-6
    return sign * std::ldexp(float(8 + man), exp - 10);      // (1+man/8) * 2^(exp-7)
}

// FNUZ variants: one NaN (0x80), no negative zero, no infinities; bias 8 / 16.
float e4m3fnuz_to_float(uint8_t b) {
    if (b == 0x80) return std::numeric_limits<float>::quiet_NaN();
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 3) & 0xF;
    const int man = b & 0x7;
    if (exp == 0) return sign * std::ldexp(float(man), -10);
    return sign * std::ldexp(float(8 + man), exp - 11);
}

float e5m2fnuz_to_float(uint8_t b) {
    if (b == 0x80) return std::numeric_limits<float>::quiet_NaN();
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 2) & 0x1F;
    const int man = b & 0x3;
    if (exp == 0) return sign * std::ldexp(float(man), -18);
    return sign * std::ldexp(float(4 + man), exp - 18);
}

// E8M0: an unsigned power of two 2^(e-127); 0xFF is NaN.
float e8m0_to_float(uint8_t b) {
    if (b == 0xFF) return std::numeric_limits<float>::quiet_NaN();
    return std::ldexp(1.0f, int(b) - 127);
}

void dec_f64(const uint8_t* s, uint64_t n, float* d, bool sw) {
    decode_plain<uint64_t>(s, n, d, sw, [](uint64_t v) { return float(std::bit_cast<double>(v)); });
}
void dec_f32(const uint8_t* s, uint64_t n, float* d, bool sw) {
    if (!sw) {
        std::memcpy(d, s, n * 4);
        return;
    }
    decode_plain<uint32_t>(s, n, d, sw, [](uint32_t v) { return std::bit_cast<float>(v); });
}
void dec_f16(const uint8_t* s, uint64_t n, float* d, bool sw) {
    decode_plain<uint16_t>(s, n, d, sw, [](uint16_t v) { return half_to_float(v); });
}
void dec_bf16(const uint8_t* s, uint64_t n, float* d, bool sw) {
    decode_plain<uint16_t>(s, n, d, sw, [](uint16_t v) { return bf16_to_float(v); });
}
void dec_e4m3(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = e4m3fn_to_float(s[i]);
}
void dec_e5m2(const uint8_t* s, uint64_t n, float* d, bool) {
    // E5M2 is the top byte of an IEEE binary16.
    for (uint64_t i = 0; i < n; ++i) d[i] = half_to_float(uint16_t(s[i]) << 8);
}
void dec_e4m3fnuz(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = e4m3fnuz_to_float(s[i]);
}
void dec_e5m2fnuz(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = e5m2fnuz_to_float(s[i]);
}
void dec_e8m0(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = e8m0_to_float(s[i]);
}
void dec_i8(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = float(int8_t(s[i]));
}
void dec_u8(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = float(s[i]);
}
void dec_bool(const uint8_t* s, uint64_t n, float* d, bool) {
    for (uint64_t i = 0; i < n; ++i) d[i] = s[i] ? 1.0f : 0.0f;
}
template <class Bits, class Signed>
void dec_int(const uint8_t* s, uint64_t n, float* d, bool sw) {
    decode_plain<Bits>(s, n, d, sw, [](Bits v) { return float(static_cast<Signed>(v)); });
}

struct Row {
    DType t;
    std::string_view name;
    uint32_t elems, bytes;
    bool is_float;
    DecodeFn fn;
};

// ggml block sizes: QK4_0 = QK4_1 = QK5_0 = QK5_1 = QK8_0 = QK8_1 = 32, QK_K = 256.
constexpr std::array<Row, size_t(DType::Count)> kRows = {{
    {DType::F64, "F64", 1, 8, true, dec_f64},
    {DType::F32, "F32", 1, 4, true, dec_f32},
    {DType::F16, "F16", 1, 2, true, dec_f16},
    {DType::BF16, "BF16", 1, 2, true, dec_bf16},
    {DType::F8_E4M3, "F8_E4M3", 1, 1, true, dec_e4m3},
    {DType::F8_E5M2, "F8_E5M2", 1, 1, true, dec_e5m2},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 1, 1, true, dec_e4m3fnuz},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 1, 1, true, dec_e5m2fnuz},
    {DType::F8_E8M0, "F8_E8M0", 1, 1, true, dec_e8m0},
    {DType::I8, "I8", 1, 1, false, dec_i8},
    {DType::U8, "U8", 1, 1, false, dec_u8},
    {DType::I16, "I16", 1, 2, false, dec_int<uint16_t, int16_t>},
    {DType::U16, "U16", 1, 2, false, dec_int<uint16_t, uint16_t>},
    {DType::I32, "I32", 1, 4, false, dec_int<uint32_t, int32_t>},
    {DType::U32, "U32", 1, 4, false, dec_int<uint32_t, uint32_t>},
    {DType::I64, "I64", 1, 8, false, dec_int<uint64_t, int64_t>},
    {DType::U64, "U64", 1, 8, false, dec_int<uint64_t, uint64_t>},
    {DType::BOOL, "BOOL", 1, 1, false, dec_bool},
    {DType::Q4_0, "Q4_0", 32, 18, true, nullptr},
    {DType::Q4_1, "Q4_1", 32, 20, true, nullptr},
    {DType::Q5_0, "Q5_0", 32, 22, true, nullptr},
    {DType::Q5_1, "Q5_1", 32, 24, true, nullptr},
    {DType::Q8_0, "Q8_0", 32, 34, true, nullptr},
    {DType::Q8_1, "Q8_1", 32, 36, true, nullptr},
    {DType::Q2_K, "Q2_K", 256, 84, true, nullptr},
    {DType::Q3_K, "Q3_K", 256, 110, true, nullptr},
    {DType::Q4_K, "Q4_K", 256, 144, true, nullptr},
    {DType::Q5_K, "Q5_K", 256, 176, true, nullptr},
    {DType::Q6_K, "Q6_K", 256, 210, true, nullptr},
    {DType::Q8_K, "Q8_K", 256, 292, true, nullptr},
    {DType::IQ2_XXS, "IQ2_XXS", 256, 66, true, nullptr},
    {DType::IQ2_XS, "IQ2_XS", 256, 74, true, nullptr},
    {DType::IQ3_XXS, "IQ3_XXS", 256, 98, true, nullptr},
    {DType::IQ1_S, "IQ1_S", 256, 50, true, nullptr},
    {DType::IQ4_NL, "IQ4_NL", 32, 18, true, nullptr},
    {DType::IQ3_S, "IQ3_S", 256, 110, true, nullptr},
    {DType::IQ2_S, "IQ2_S", 256, 82, true, nullptr},
    {DType::IQ4_XS, "IQ4_XS", 256, 136, true, nullptr},
    {DType::IQ1_M, "IQ1_M", 256, 56, true, nullptr},
    {DType::TQ1_0, "TQ1_0", 256, 54, true, nullptr},
    {DType::TQ2_0, "TQ2_0", 256, 66, true, nullptr},
    {DType::MXFP4, "MXFP4", 32, 17, true, nullptr},
}};

struct Table {
    std::array<DTypeInfo, size_t(DType::Count)> info;
    Table() {
        for (size_t i = 0; i < kRows.size(); ++i) {
            const Row& r = kRows[i];
            DecodeFn fn = r.fn ? r.fn : ggml_block_decoder(r.t);
            info[i] = DTypeInfo{r.t, r.name, r.elems, r.bytes, r.is_float, fn};
        }
    }
};

const Table& table() {
    static const Table t;  // immutable after construction
    return t;
}

constexpr bool rows_in_enum_order() {
    for (size_t i = 0; i < kRows.size(); ++i)
        if (size_t(kRows[i].t) != i) return false;
    return true;
}
static_assert(rows_in_enum_order(), "kRows must list DType values in enum order");

}  // namespace

const DTypeInfo& dtype_info(DType t) { return table().info[size_t(t)]; }

std::optional<DType> dtype_from_name(std::string_view name) {
    for (const Row& r : kRows)
        if (r.name == name) return r.t;
    return std::nullopt;
}

std::optional<uint64_t> dtype_nbytes(DType t, uint64_t numel) {
    const DTypeInfo& i = dtype_info(t);
    if (numel % i.block_elems != 0) return std::nullopt;
    return checked_mul(numel / i.block_elems, i.block_bytes);
}

double dtype_bpw(DType t) {
    const DTypeInfo& i = dtype_info(t);
    return 8.0 * double(i.block_bytes) / double(i.block_elems);
}

}  // namespace qs::io
