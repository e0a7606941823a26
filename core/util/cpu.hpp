// Runtime CPU feature check for the *_avx2.cpp / *_avx512.cpp kernels: they are
// compiled for those ISAs and may only be called when this says the CPU (and the
// OS, which must save the wider registers) supports them.
#pragma once

namespace qs {

struct CpuFeatures {
    bool avx2 = false;    // AVX2 + FMA
    bool avx512 = false;  // AVX-512 F + BW + DQ + VL
};

inline CpuFeatures cpu_features() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();  // idempotent; libgcc also checks XCR0 for OS support
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    return f;
}

}  // namespace qs
