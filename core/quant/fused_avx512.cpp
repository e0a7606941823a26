// AVX-512 (F/BW/DQ/VL) instantiation of the fused kernels (fused_kernels.inl).
// Compiled with -mavx512*; only called after cpu_features().avx512.
// GCC 12's AVX-512 headers build min/max/reductions on _mm512_undefined_ps(),
// which -Wmaybe-uninitialized misreports (GCC bug 105593); nothing here is uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "core/quant/fused_kernels.inl"

namespace qs::quant::simd {
namespace {

struct V512 {
    static constexpr int W = 16;
    using F = __m512;
    using I = __m512i;
    using M = __mmask16;
    struct D {
        __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    };
    using Table = __m512;

    static F load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
    static void storei(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
    static F set1(float f) { return _mm512_set1_ps(f); }
    static I set1i(int32_t v) { return _mm512_set1_epi32(v); }
    static F zero() { return _mm512_setzero_ps(); }
    static F add(F a, F b) { return _mm512_add_ps(a, b); }
    static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    static F min(F a, F b) { return _mm512_min_ps(a, b); }
    static F max(F a, F b) { return _mm512_max_ps(a, b); }
    static F abs(F a) { return _mm512_abs_ps(a); }
    static F round_even(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static I cvtt(F a) { return _mm512_cvttps_epi32(a); }
    static I castf(F a) { return _mm512_castps_si512(a); }
    static F casti(I a) { return _mm512_castsi512_ps(a); }
    static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
    static I andi(I a, I b) { return _mm512_and_si512(a, b); }
    static I ori(I a, I b) { return _mm512_or_si512(a, b); }
    static I mini(I a, I b) { return _mm512_min_epi32(a, b); }
    static I srli(I a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
    static I slli(I a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
    static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static M not_ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_NGE_UQ); }
    static M is_finite(F a) { return _mm512_cmp_ps_mask(_mm512_sub_ps(a, a), _mm512_setzero_ps(), _CMP_EQ_OQ); }
    static M or_mask(M a, M b) { return M(a | b); }
    static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
    static I selecti(M m, I a, I b) { return _mm512_mask_blend_epi32(m, b, a); }
    static I add_if(I a, M m, I b) { return _mm512_mask_add_epi32(a, m, a, b); }
    static int popcount(M m) { return __builtin_popcount(unsigned(m)); }
    static Table load_table16(const float* t) { return _mm512_loadu_ps(t); }
    static F lookup16(Table t, I idx) { return _mm512_permutexvar_ps(idx, t); }
    static void acc_double(D& d, F f) {
        d.lo = _mm512_add_pd(d.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
        d.hi = _mm512_add_pd(d.hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1))));
    }
    static double sum_double(const D& d) { return _mm512_reduce_add_pd(_mm512_add_pd(d.lo, d.hi)); }
    static float hmax(F a) { return _mm512_reduce_max_ps(a); }
    static float hmin(F a) { return _mm512_reduce_min_ps(a); }
};

const Kernels kKernels{&minmax_kernel<V512>, &run_kernel<V512>};

}  // namespace

const Kernels& avx512_kernels() { return kKernels; }

}  // namespace qs::quant::simd
