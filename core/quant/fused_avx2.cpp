// AVX2 (+FMA) instantiation of the fused kernels (fused_kernels.inl).
// Compiled with -mavx2 -mfma; only called after cpu_features().avx2.
#include <immintrin.h>

#include "core/quant/fused_kernels.inl"

namespace qs::quant::simd {
namespace {

struct V256 {
    static constexpr int W = 8;
    using F = __m256;
    using I = __m256i;
    using M = __m256;  // lane mask: all ones / all zeros
    struct D {
        __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    };
    struct Table {
        __m256 lo, hi;
    };

    static F load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
    static void storei(int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
    static F set1(float f) { return _mm256_set1_ps(f); }
    static I set1i(int32_t v) { return _mm256_set1_epi32(v); }
    static F zero() { return _mm256_setzero_ps(); }
    static F add(F a, F b) { return _mm256_add_ps(a, b); }
    static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    static F min(F a, F b) { return _mm256_min_ps(a, b); }
    static F max(F a, F b) { return _mm256_max_ps(a, b); }
    static F abs(F a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF))); }
    static F round_even(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static I cvtt(F a) { return _mm256_cvttps_epi32(a); }
    static I castf(F a) { return _mm256_castps_si256(a); }
    static F casti(I a) { return _mm256_castsi256_ps(a); }
    static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
    static I andi(I a, I b) { return _mm256_and_si256(a, b); }
    static I ori(I a, I b) { return _mm256_or_si256(a, b); }
    static I mini(I a, I b) { return _mm256_min_epi32(a, b); }
    static I srli(I a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
    static I slli(I a, int n) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
    static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static M not_ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_NGE_UQ); }
    static M is_finite(F a) { return _mm256_cmp_ps(_mm256_sub_ps(a, a), _mm256_setzero_ps(), _CMP_EQ_OQ); }
    static M or_mask(M a, M b) { return _mm256_or_ps(a, b); }
    static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
    static I selecti(M m, I a, I b) {
        return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(b), _mm256_castsi256_ps(a), m));
    }
    static I add_if(I a, M m, I b) { return _mm256_add_epi32(a, _mm256_and_si256(_mm256_castps_si256(m), b)); }
    static int popcount(M m) { return __builtin_popcount(unsigned(_mm256_movemask_ps(m))); }
    static Table load_table16(const float* t) { return {_mm256_loadu_ps(t), _mm256_loadu_ps(t + 8)}; }
    static F lookup16(const Table& t, I idx) {
        const F a = _mm256_permutevar8x32_ps(t.lo, idx);
        const F b = _mm256_permutevar8x32_ps(t.hi, idx);  // uses idx & 7
        const F hi_sel = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7)));
        return _mm256_blendv_ps(a, b, hi_sel);
    }
    static void acc_double(D& d, F f) {
        d.lo = _mm256_add_pd(d.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
        d.hi = _mm256_add_pd(d.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    }
    static double sum_double(const D& d) {
        alignas(32) double t[4];
        _mm256_store_pd(t, _mm256_add_pd(d.lo, d.hi));
        return (t[0] + t[1]) + (t[2] + t[3]);
    }
    static float hmax(F a) {
        alignas(32) float t[8];
        _mm256_store_ps(t, a);
        float m = t[0];
        for (int i = 1; i < 8; ++i) m = std::max(m, t[i]);
        return m;
    }
    static float hmin(F a) {
        alignas(32) float t[8];
        _mm256_store_ps(t, a);
        float m = t[0];
        for (int i = 1; i < 8; ++i) m = std::min(m, t[i]);
        return m;
    }
};

const Kernels kKernels{&minmax_kernel<V256>, &run_kernel<V256>};

}  // namespace

const Kernels& avx2_kernels() { return kKernels; }

}  // namespace qs::quant::simd
