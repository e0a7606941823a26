// The fast path behind quantize() (quantize.hpp): for one tensor, (1) finite
// min/max and NaN/Inf count (cached per tensor in the Workspace), (2) each
// group's parameters (calibration, k-means codebooks), (3) one fused pass that
// quantizes, dequantizes and accumulates metrics, code counts and the three
// histograms. Passes are split into tasks of ~64K elements run on a few threads
// that check the cancel token between tasks. The vectorised inner loop
// (fused_kernels.inl) covers round-to-nearest-even on int/fp/MX-fp/NF4/log2/
// k-means<=4 bits without NaN/Inf or outliers; everything else runs the scalar
// ElementQuantizer in the same pass. Results equal reference::quantize bit for
// bit except the metric sums (summation order; see docs/quantspec.md).
#include "core/quant/fused.hpp"

#include "core/quant/calibrate.hpp"
#include "core/quant/fused_kernels.hpp"
#include "core/quant/kmeans_fast.hpp"
#include "core/quant/layout.hpp"
#include "core/quant/metrics.hpp"
#include "core/quant/params.hpp"
#include "core/quant/reference.hpp"
#include "core/quant/workspace.hpp"
#include "core/util/checked.hpp"
#include "core/util/cpu.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <new>
#include <thread>

namespace qs::quant {
namespace {

constexpr uint64_t kChunk = uint64_t(1) << 16;  // elements per task (cancel/progress granularity)
static_assert(simd::kSub == 4, "the by-codes sum below adds four sub-tables");

// ----- contiguous runs of one group ("segments") -----

struct Seg {
    uint64_t begin = 0, len = 0, group = 0;
};

struct Segments {
    Layout L;
    uint64_t count = 0;
    uint64_t pieces = 1;  // per-channel: pieces of one (outer, channel) run

    explicit Segments(const Layout& l) : L(l) {
        if (L.numel == 0) return;
        switch (L.kind) {
            case Granularity::PerTensor: count = (L.numel + kChunk - 1) / kChunk; break;
            case Granularity::PerChannel:
                pieces = (L.inner + kChunk - 1) / kChunk;
                count = L.outer * L.channels * pieces;
                break;
            case Granularity::PerGroup: count = L.rows * L.groups_per_row; break;
            case Granularity::PerBlock: count = L.rows * L.blocks_per_row; break;
        }
    }
    Seg at(uint64_t s) const {
        switch (L.kind) {
            case Granularity::PerTensor: return {s * kChunk, std::min(kChunk, L.numel - s * kChunk), 0};
            case Granularity::PerChannel: {
                const uint64_t run = s / pieces, p = s % pieces;
                return {run * L.inner + p * kChunk, std::min(kChunk, L.inner - p * kChunk), run % L.channels};
            }
            case Granularity::PerGroup: {
                const uint64_t r = s / L.groups_per_row, j = s % L.groups_per_row;
                return {r * L.cols + j * L.group, std::min(L.group, L.cols - j * L.group), s};
            }
            case Granularity::PerBlock: {
                const uint64_t r = s / L.blocks_per_row, j = s % L.blocks_per_row;
                return {r * L.cols + j * L.block_cols, std::min(L.block_cols, L.cols - j * L.block_cols),
                        (r / L.block_rows) * L.blocks_per_row + j};
            }
        }
        return {};
    }
};

// Visits the flat indices of group g in C order.
template <class Fn>
void for_each_in_group(const Layout& L, uint64_t g, Fn&& fn) {
    switch (L.kind) {
        case Granularity::PerTensor:
            for (uint64_t i = 0; i < L.numel; ++i) fn(i);
            return;
        case Granularity::PerChannel:
            for (uint64_t o = 0; o < L.outer; ++o) {
                const uint64_t base = (o * L.channels + g) * L.inner;
                for (uint64_t k = 0; k < L.inner; ++k) fn(base + k);
            }
            return;
        case Granularity::PerGroup: {
            const uint64_t r = g / L.groups_per_row, j = g % L.groups_per_row;
            const uint64_t base = r * L.cols + j * L.group, len = std::min(L.group, L.cols - j * L.group);
            for (uint64_t k = 0; k < len; ++k) fn(base + k);
            return;
        }
        case Granularity::PerBlock: {
            const uint64_t br = g / L.blocks_per_row, bc = g % L.blocks_per_row;
            const uint64_t r0 = br * L.block_rows, r1 = std::min(L.rows, r0 + L.block_rows);
            const uint64_t c0 = bc * L.block_cols, c1 = std::min(L.cols, c0 + L.block_cols);
            for (uint64_t r = r0; r < r1; ++r)
                for (uint64_t c = c0; c < c1; ++c) fn(r * L.cols + c);
            return;
        }
    }
}

// ----- a tiny fork-join over tasks -----

// Runs fn(thread, task) for task in [0, n) on `threads` threads (the caller is
// thread 0); stops early when cancelled. Returns false when cancelled.
bool parallel_tasks(uint64_t n, int threads, const Progress& progress,
                    const std::function<void(int, uint64_t)>& fn) {
    std::atomic<uint64_t> next{0};
    std::atomic<bool> stop{false};
    auto worker = [&](int t) {
        for (;;) {
            if (stop.load(std::memory_order_relaxed)) return;
            if (progress.cancelled()) {
                stop = true;
                return;
            }
            const uint64_t task = next.fetch_add(1);
            if (task >= n) return;
            fn(t, task);
        }
    };
    const int nt = int(std::min<uint64_t>(uint64_t(std::max(threads, 1)), std::max<uint64_t>(n, 1)));
    std::vector<std::thread> pool;
    try {
        for (int t = 1; t < nt; ++t) pool.emplace_back(worker, t);
    } catch (...) {  // no threads available: the caller does all the work
    }
    worker(0);
    for (auto& th : pool) th.join();
    return !stop.load();
}

int thread_count(const QuantOptions& o, uint64_t numel) {
    int t = o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    t = std::min(t, 64);
    if (numel < 4 * kChunk) t = 1;  // threads cost more than they save
    return t;
}

const simd::Kernels* pick_kernels() {
    const CpuFeatures f = cpu_features();
    if (f.avx512) return &simd::avx512_kernels();
    if (f.avx2) return &simd::avx2_kernels();
    return nullptr;
}

template <class T>
void reset(std::vector<T>& v, size_t n) {
    v.resize(n);
    std::fill(v.begin(), v.end(), T{});
}

uint32_t slot(const Binner& b, float v) { return uint32_t(b.bin(v) + 1); }  // 0 below, bins + 1 above

void to_histogram(const std::vector<uint64_t>& slots, Histogram& h) {
    const size_t bins = h.counts.size();
    h.below = slots[0];
    h.above = slots[bins + 1];
    for (size_t i = 0; i < bins; ++i) h.counts[i] = slots[i + 1];
}

std::vector<float> sorted_unique(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// The first group's dequantized levels, built exactly as reference.cpp does.
std::vector<float> group_grid(const QuantSpec& s, const ElementQuantizer& eq, const GroupParams& p,
                              const Grid* book) {
    std::vector<float> g;
    switch (s.scheme) {
        case Scheme::Int:
            for (int64_t q = eq.range.qmin; q <= eq.range.qmax; ++q)
                g.push_back((float(q) - p.zero_point) * p.scale);
            break;
        case Scheme::Fp:
            for (uint32_t c = 0; c < eq.fp.code_count(); ++c)
                if (eq.fp.is_finite(c)) g.push_back(eq.fp.decode(c) * p.scale);
            break;
        case Scheme::NF4:
        case Scheme::Log2:
            for (float l : eq.grid.levels) g.push_back(l * p.scale);
            break;
        case Scheme::MX:
            if (eq.mx.is_int) {
                for (int q = -127; q <= 127; ++q) g.push_back((float(q) * 0.015625f) * p.scale);
            } else {
                for (uint32_t c = 0; c < eq.fp.code_count(); ++c)
                    if (eq.fp.is_finite(c)) g.push_back(eq.fp.decode(c) * p.scale);
            }
            break;
        case Scheme::KMeans:
            if (book) g = book->levels;
            break;
        case Scheme::Binary: g = {-p.scale, p.scale}; break;
        case Scheme::Ternary: g = {-p.scale, 0.0f, p.scale}; break;
    }
    return sorted_unique(std::move(g));
}

// ----- per-group parameters -----

GroupParams mx_params(const MxFormat& m, double amax) {
    GroupParams p;
    int shared_exp = -127;
    if (amax > 0.0) {
        int k = 0;
        std::frexp(amax, &k);
        shared_exp = std::clamp(k - 1 - m.emax, -127, 127);
    }
    p.scale = e8m0_decode(e8m0_encode_exponent(shared_exp));
    p.inv_scale = std::ldexp(1.0f, -shared_exp);
    p.clip_lo = -m.max_value * p.scale;
    p.clip_hi = m.max_value * p.scale;
    return p;
}

GroupParams binary_params(const QuantSpec& s, std::span<const float> v) {
    double sum_abs = 0.0;
    for (float x : v) sum_abs += std::fabs(double(x));
    const double alpha = v.empty() ? 0.0 : sum_abs / double(v.size());
    GroupParams p;
    p.scale = store_scale(alpha, s.scale_dtype);
    p.inv_scale = p.scale > 0.0f ? 1.0f / p.scale : 0.0f;
    p.clip_lo = -double(p.scale);
    p.clip_hi = p.scale;
    return p;
}

GroupParams ternary_params(const QuantSpec& s, std::span<const float> v) {
    double sum_abs = 0.0;
    for (float x : v) sum_abs += std::fabs(double(x));
    const double delta = v.empty() ? 0.0 : 0.7 * (sum_abs / double(v.size()));
    double sum_big = 0.0;
    uint64_t n_big = 0;
    for (float x : v)
        if (std::fabs(double(x)) > delta) {
            sum_big += std::fabs(double(x));
            ++n_big;
        }
    GroupParams p;
    p.scale = store_scale(n_big ? sum_big / double(n_big) : 0.0, s.scale_dtype);
    p.inv_scale = p.scale > 0.0f ? 1.0f / p.scale : 0.0f;
    p.threshold = delta;
    p.clip_lo = -double(p.scale);
    p.clip_hi = p.scale;
    return p;
}

// Parameters of one group from its (gathered, unmasked) values.
GroupParams params_from_values(const QuantSpec& s, std::span<const float> v, ThreadScratch& ts, Grid* book,
                               double* kmeans_bound) {
    const ClipRange mm = calib_minmax(v);
    switch (s.scheme) {
        case Scheme::MX: {
            double amax = 0.0;
            for (float x : v) amax = std::max(amax, double(std::fabs(x)));
            return mx_params(mx_format(s.mx_element), amax);
        }
        case Scheme::KMeans: {
            const std::vector<double> c =
                kmeans_1d_fast(v, 1 << s.bits, s.kmeans_iters, ts.sort_buf, ts.sort_tmp, ts.prefix);
            std::vector<float> levels;
            for (double x : c) levels.push_back(store_value(x, s.scale_dtype));
            std::sort(levels.begin(), levels.end());
            *book = grid_with_midpoints(levels);
            *kmeans_bound = kmeans_error_bound(sorted_unique(levels), mm.lo, mm.hi, s.rounding);
            GroupParams p;
            p.scale = 1.0f;
            p.inv_scale = 1.0f;
            p.clip_lo = levels.front();
            p.clip_hi = levels.back();
            return p;
        }
        case Scheme::Binary: return binary_params(s, v);
        case Scheme::Ternary: return ternary_params(s, v);
        default: {
            ClipRange clip = mm;
            if (uses_clip_range(s)) clip = calibrate(s, v, mm, ts.calib);
            return clip_params(s, clip.lo, clip.hi);
        }
    }
}

// ----- the vectorised kernel's per-call and per-group settings -----

bool kernel_eligible(const QuantSpec& s, const ElementQuantizer& eq, double data_amax) {
    if (s.rounding != Rounding::NearestEven) return false;
    // the kernel's subnormal constants 2^(1 - bias - man + 23) and 2^(man - 1 + bias) must be normal floats
    const bool fp_ok = eq.fp.man_bits - 1 + eq.fp.bias < 120 && 24 - eq.fp.bias - eq.fp.man_bits > -120;
    switch (s.scheme) {
        case Scheme::Int: return true;
        case Scheme::Fp: return fp_ok && (!s.fp_unscaled || data_amax < 1e37);  // x * 1 far from overflow
        case Scheme::MX: return !eq.mx.is_int && fp_ok;
        case Scheme::NF4:
        case Scheme::Log2: return eq.grid.levels.size() <= 16;
        case Scheme::KMeans: return s.bits <= 4;
        default: return false;
    }
}

simd::Setup kernel_setup(const QuantSpec& s, const ElementQuantizer& eq) {
    simd::Setup k;
    switch (s.scheme) {
        case Scheme::Int: k.kind = simd::ElemKind::Int; break;
        case Scheme::Fp:
        case Scheme::MX: {
            k.kind = simd::ElemKind::Fp;
            const Minifloat& f = eq.fp;
            k.man_bits = f.man_bits;
            k.exp_bits = f.exp_bits;
            k.bias = f.bias;
            k.maxf = float(f.max_finite());
            k.min_normal = float(f.min_normal());
            k.sub_magic = std::ldexp(1.0f, 1 - f.bias - f.man_bits + 23);
            k.sub_to_code = std::ldexp(1.0f, f.man_bits - 1 + f.bias);
            break;
        }
        default: k.kind = simd::ElemKind::Grid; break;
    }
    return k;
}

simd::Group kernel_group(const QuantSpec& s, const ElementQuantizer& eq, const GroupParams& p, const Grid* book) {
    simd::Group g;
    g.scale = p.scale;
    g.inv = p.inv_scale;
    g.zp = p.zero_point;
    if (s.scheme == Scheme::Int) {
        g.qmin = float(eq.range.qmin);
        g.qmax = float(eq.range.qmax);
    }
    const Grid* grid = s.scheme == Scheme::KMeans ? book : (s.scheme == Scheme::NF4 || s.scheme == Scheme::Log2)
                                                               ? &eq.grid
                                                               : nullptr;
    if (grid) {
        std::fill(std::begin(g.thr), std::end(g.thr), INFINITY);
        g.n_thr = int(grid->decision.size());
        for (size_t i = 0; i < grid->decision.size(); ++i) g.thr[i] = float_below(grid->decision[i]);
        for (size_t i = 0; i < grid->levels.size(); ++i) g.levels[i] = grid->levels[i];
        for (size_t i = grid->levels.size(); i < 16; ++i) g.levels[i] = grid->levels.back();
        g.lv_lo = grid->levels.front();
        g.lv_hi = grid->levels.back();
    }
    return g;
}

// Dequantized value of code index `idx` (code - offset) in a group, computed with
// the kernel's operations so its histogram bin is the same.
float level_value(const QuantSpec& s, const ElementQuantizer& eq, const GroupParams& p, const Grid* book,
                  uint64_t idx) {
    switch (s.scheme) {
        case Scheme::Int: return (float(int64_t(idx) + eq.range.qmin) - p.zero_point) * p.scale;
        case Scheme::Fp:
        case Scheme::MX: return eq.fp.decode(uint32_t(idx)) * p.scale;
        case Scheme::KMeans: return book->levels[idx];
        default: return eq.grid.levels[idx] * p.scale;
    }
}

struct TaskSums {
    double sx2 = 0, se2 = 0, sxy = 0, sy2 = 0, max_err = 0;
    uint64_t n = 0, n_sat = 0;
};

}  // namespace

Result<QuantResult> fused_quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts,
                                   const Progress& progress) {
    const std::string name(x.name);
    if (auto st = validate(spec, x.shape); !st) return make_error("tensor '{}': {}", name, st.message());
    const auto numel = checked_numel(x.shape);
    if (!numel || *numel != x.data.size())
        return make_error("tensor '{}': shape has {} elements but {} values were given", name,
                          numel ? std::to_string(*numel) : std::string("an invalid number of"), x.data.size());
    if (opts.hist_bins < 0 || opts.hist_bins > (1 << 24))
        return make_error("histogram bins must be 0..16777216, not {}", opts.hist_bins);
    const uint64_t n = *numel;
    if (!opts.dequantized_out.empty() && opts.dequantized_out.size() != n)
        return make_error("tensor '{}': dequantized_out has {} floats, the tensor has {}", name,
                          opts.dequantized_out.size(), n);
    if (!opts.codes_out.empty() && opts.codes_out.size() != n)
        return make_error("tensor '{}': codes_out has {} entries, the tensor has {}", name, opts.codes_out.size(),
                          n);
    progress.set_total(n);
    if (!progress.update(0)) return make_error("tensor '{}': cancelled", name);
    if (n == 0) return reference::quantize(x, spec, opts);  // nothing to speed up; one definition of the edge case

    Workspace local_ws;
    Workspace& ws = opts.workspace ? *opts.workspace : local_ws;
    const Layout L = make_layout(x.shape, spec);
    const Segments segs(L);
    const int threads = thread_count(opts, n);
    if (ws.threads.size() < size_t(threads)) ws.threads.resize(size_t(threads));
    const simd::Kernels* kern = pick_kernels();
    const float* data = x.data.data();
    auto cancelled = [&] { return make_error("tensor '{}': cancelled", name); };

    // 1. Finite min/max and NaN/Inf count (spec-independent: cached per tensor).
    TensorStats* stats = ws.find_stats(opts.tensor_key, data, n);
    TensorStats fresh;
    if (!stats) {
        const uint64_t tasks = (n + kChunk - 1) / kChunk;
        std::vector<float> mn(tasks), mx(tasks);
        std::vector<uint64_t> bad(tasks);
        const bool ok = parallel_tasks(tasks, threads, progress, [&](int, uint64_t t) {
            const uint64_t b = t * kChunk, len = std::min(kChunk, n - b);
            if (kern) {
                kern->minmax(data + b, len, &mn[t], &mx[t], &bad[t]);
                return;
            }
            float a = INFINITY, z = -INFINITY;
            uint64_t nb = 0;
            for (uint64_t i = b; i < b + len; ++i) {
                if (!std::isfinite(data[i])) ++nb;
                else a = std::min(a, data[i]), z = std::max(z, data[i]);
            }
            mn[t] = a, mx[t] = z, bad[t] = nb;
        });
        if (!ok) return cancelled();
        float a = INFINITY, z = -INFINITY;
        for (uint64_t t = 0; t < tasks; ++t) {
            a = std::min(a, mn[t]);
            z = std::max(z, mx[t]);
            fresh.nonfinite += bad[t];
        }
        fresh.key = opts.tensor_key;
        fresh.data = data;
        fresh.numel = n;
        if (fresh.nonfinite < n) fresh.min = a, fresh.max = z;
        stats = opts.tensor_key ? &ws.put_stats(std::move(fresh)) : &fresh;
    }

    // 2. Elements not quantized: NaN/Inf, outliers (the same rule as the reference).
    const bool masked = stats->nonfinite > 0 || spec.outliers != OutlierMode::None;
    const uint8_t* mask = nullptr;
    uint64_t n_outliers = 0;
    if (masked) {
        std::vector<uint8_t>& m = ws.mask;
        m.resize(n);
        uint64_t n_finite = 0;
        for (uint64_t i = 0; i < n; ++i) {
            m[i] = !std::isfinite(data[i]);
            n_finite += !m[i];
        }
        if (spec.outliers == OutlierMode::Threshold) {
            for (uint64_t i = 0; i < n; ++i)
                if (!m[i] && double(std::fabs(data[i])) > spec.outlier_param) m[i] = 2, ++n_outliers;
        } else if (spec.outliers == OutlierMode::TopFraction) {
            const uint64_t k = uint64_t(std::floor(spec.outlier_param * double(n_finite)));
            if (k > 0) {
                std::vector<float>& mags = ws.gather;
                mags.clear();
                for (uint64_t i = 0; i < n; ++i)
                    if (!m[i]) mags.push_back(std::fabs(data[i]));
                std::nth_element(mags.begin(), mags.begin() + int64_t(k - 1), mags.end(), std::greater<float>());
                const float threshold = mags[k - 1];
                for (uint64_t i = 0; i < n; ++i)
                    if (!m[i] && std::fabs(data[i]) >= threshold) m[i] = 2, ++n_outliers;
            }
        }
        mask = m.data();
    }

    // 3. Each group's parameters.
    const ElementQuantizer eq(spec);
    const uint64_t G = L.n_groups;
    std::vector<GroupParams>& params = ws.params;
    params.assign(G, GroupParams{});
    std::vector<Grid> books(spec.scheme == Scheme::KMeans ? G : 0);
    std::vector<double> kbound(spec.scheme == Scheme::KMeans ? G : 0, 0.0);
    const bool manual = spec.clip_lo && spec.clip_hi;
    const bool need_values = masked || spec.scheme == Scheme::KMeans || spec.scheme == Scheme::Binary ||
                             spec.scheme == Scheme::Ternary ||
                             (uses_clip_range(spec) && !manual && spec.calibration != Calibration::MinMax);
    if (need_values) {
        const bool ok = parallel_tasks(G, L.kind == Granularity::PerTensor ? 1 : threads, progress,
                                       [&](int t, uint64_t g) {
                                           ThreadScratch& ts = ws.threads[size_t(t)];
                                           std::span<const float> values = x.data;  // per-tensor, unmasked
                                           if (mask || L.kind != Granularity::PerTensor) {
                                               ts.gather.clear();
                                               for_each_in_group(L, g, [&](uint64_t i) {
                                                   if (!mask || !mask[i]) ts.gather.push_back(data[i]);
                                               });
                                               values = ts.gather;
                                           }
                                           params[g] = params_from_values(spec, values, ts,
                                                                          books.empty() ? nullptr : &books[g],
                                                                          kbound.empty() ? nullptr : &kbound[g]);
                                       });
        if (!ok) return cancelled();
    } else {
        // min/max per group (all values finite here): per-tensor has it already
        std::vector<float>& gmin = ws.group_min;
        std::vector<float>& gmax = ws.group_max;
        gmin.assign(G, INFINITY);
        gmax.assign(G, -INFINITY);
        if (L.kind == Granularity::PerTensor) {
            gmin[0] = float(stats->min);
            gmax[0] = float(stats->max);
        } else if (!(manual && uses_clip_range(spec))) {
            for (int t = 0; t < threads; ++t) {
                ws.threads[size_t(t)].group_min.assign(G, INFINITY);
                ws.threads[size_t(t)].group_max.assign(G, -INFINITY);
            }
            const uint64_t per_task = std::max<uint64_t>(1, kChunk / std::max<uint64_t>(1, segs.at(0).len));
            const uint64_t tasks = (segs.count + per_task - 1) / per_task;
            const bool ok = parallel_tasks(tasks, threads, progress, [&](int t, uint64_t task) {
                ThreadScratch& ts = ws.threads[size_t(t)];
                const uint64_t s1 = std::min(segs.count, (task + 1) * per_task);
                for (uint64_t s = task * per_task; s < s1; ++s) {
                    const Seg sg = segs.at(s);
                    float a, z;
                    if (kern) {
                        uint64_t bad;
                        kern->minmax(data + sg.begin, sg.len, &a, &z, &bad);
                    } else {
                        a = INFINITY, z = -INFINITY;
                        for (uint64_t i = sg.begin; i < sg.begin + sg.len; ++i)
                            a = std::min(a, data[i]), z = std::max(z, data[i]);
                    }
                    ts.group_min[sg.group] = std::min(ts.group_min[sg.group], a);
                    ts.group_max[sg.group] = std::max(ts.group_max[sg.group], z);
                }
            });
            if (!ok) return cancelled();
            for (int t = 0; t < threads; ++t)
                for (uint64_t g = 0; g < G; ++g) {
                    gmin[g] = std::min(gmin[g], ws.threads[size_t(t)].group_min[g]);
                    gmax[g] = std::max(gmax[g], ws.threads[size_t(t)].group_max[g]);
                }
        }
        const MxFormat mxf = spec.scheme == Scheme::MX ? mx_format(spec.mx_element) : MxFormat{};
        for (uint64_t g = 0; g < G; ++g) {
            if (spec.scheme == Scheme::MX) {
                params[g] = mx_params(mxf, std::max(std::fabs(double(gmin[g])), std::fabs(double(gmax[g]))));
                continue;
            }
            ClipRange clip{gmin[g], gmax[g]};
            if (manual && uses_clip_range(spec)) clip = {*spec.clip_lo, *spec.clip_hi};
            params[g] = clip_params(spec, clip.lo, clip.hi);
        }
    }

    // 4. Histogram ranges, known before the pass.
    double data_min = stats->min, data_max = stats->max;  // finite values (outliers included)
    double qlo = data_min, qhi = data_max;                // quantized values
    if (n_outliers > 0) {
        bool any = false;
        for (uint64_t i = 0; i < n; ++i)
            if (!mask[i]) {
                qlo = any ? std::min(qlo, double(data[i])) : data[i];
                qhi = any ? std::max(qhi, double(data[i])) : data[i];
                any = true;
            }
        if (!any) qlo = qhi = 0.0;
    }
    double err_bound = 0.0;
    if (spec.scheme == Scheme::KMeans) {
        for (double b : kbound) err_bound = std::max(err_bound, b);
    } else {
        err_bound = error_bound_for_range(spec, qlo, qhi);
    }
    const auto [hlo, hhi] = histogram_range(opts.hist_lo, opts.hist_hi, data_min, data_max);
    const double ew = error_histogram_halfwidth(opts.err_hist_halfwidth, err_bound);
    const uint32_t bins = uint32_t(opts.hist_bins);
    const Binner vb(hlo, hhi, bins), eb(-ew, ew, bins);
    const bool orig_cached = bins > 0 && stats->hist_bins == bins && stats->hist_lo == hlo &&
                             stats->hist_hi == hhi && !stats->hist_counts.empty();

    // 5. The fused pass.
    const CodeSpace cs = code_space(spec);
    const bool use_kernel = kern && !masked && kernel_eligible(spec, eq, std::max(std::fabs(qlo), std::fabs(qhi)));
    simd::Setup ks = kernel_setup(spec, eq);
    ks.bins = bins;
    ks.e_lo = eb.lo, ks.e_hi = eb.hi, ks.e_inv = eb.inv_width;
    ks.v_lo = vb.lo, ks.v_hi = vb.hi, ks.v_inv = vb.inv_width;
    ks.orig_hist = bins > 0 && !orig_cached;

    QuantResult r;
    float* deq_out = nullptr;
    int32_t* code_out = nullptr;
    if (!opts.dequantized_out.empty()) deq_out = opts.dequantized_out.data();
    else if (opts.keep_dequantized) r.dequantized.resize(n), deq_out = r.dequantized.data();
    if (!opts.codes_out.empty()) code_out = opts.codes_out.data();
    else if (opts.keep_codes) r.codes.resize(n), code_out = r.codes.data();

    for (int t = 0; t < threads; ++t) {
        ThreadScratch& ts = ws.threads[size_t(t)];
        reset(ts.err, simd::kSub * (bins + 2));
        reset(ts.deq, simd::kSub * (bins + 2));
        reset(ts.orig, simd::kSub * (bins + 2));
        reset(ts.codes, simd::kSub * cs.size);
        reset(ts.seg_codes, simd::kSub * cs.size);
        reset(ts.group_se, G);
        if (masked) reset(ts.group_n, G);
    }
    const uint64_t per_task = std::max<uint64_t>(1, kChunk / std::max<uint64_t>(1, segs.at(0).len));
    const uint64_t tasks = (segs.count + per_task - 1) / per_task;
    std::vector<TaskSums> task_sums(tasks);
    std::atomic<uint64_t> done{0};
    const bool is_kmeans = spec.scheme == Scheme::KMeans;
    const bool stochastic = spec.rounding == Rounding::Stochastic;

    const bool ok = parallel_tasks(tasks, threads, progress, [&](int t, uint64_t task) {
        ThreadScratch& ts = ws.threads[size_t(t)];
        TaskSums& sum = task_sums[task];
        const uint64_t s1 = std::min(segs.count, (task + 1) * per_task);
        uint64_t elems = 0;
        for (uint64_t s = task * per_task; s < s1; ++s) {
            const Seg sg = segs.at(s);
            elems += sg.len;
            const GroupParams& p = params[sg.group];
            const Grid* book = is_kmeans ? &books[sg.group] : nullptr;
            if (use_kernel) {
                simd::Setup k = ks;
                // few levels, long run: count codes and bin each level once afterwards
                const bool by_codes = bins > 0 && cs.size * simd::kSub * 2 <= sg.len;
                k.direct_deq = bins > 0 && !by_codes;
                const simd::Group kg = kernel_group(spec, eq, p, book);
                simd::Out o;
                o.deq = deq_out ? deq_out + sg.begin : nullptr;
                o.codes = code_out ? code_out + sg.begin : nullptr;
                if (by_codes) std::fill(ts.seg_codes.begin(), ts.seg_codes.end(), 0);
                o.code_counts = by_codes ? ts.seg_codes.data() : ts.codes.data();
                o.code_stride = cs.size;
                o.hist_stride = bins + 2;
                o.err = ts.err.data();
                o.orig = ts.orig.data();
                o.deqh = ts.deq.data();
                kern->run(k, kg, data + sg.begin, sg.len, o);
                if (by_codes)
                    for (uint64_t c = 0; c < cs.size; ++c)
                        if (const uint64_t cnt = ts.seg_codes[c] + ts.seg_codes[cs.size + c] +
                                                 ts.seg_codes[2 * cs.size + c] + ts.seg_codes[3 * cs.size + c]) {
                            ts.codes[c] += cnt;
                            ts.deq[slot(vb, level_value(spec, eq, p, book, c))] += cnt;
                        }
                sum.sx2 += o.sx2, sum.se2 += o.se2, sum.sxy += o.sxy, sum.sy2 += o.sy2;
                sum.max_err = std::max(sum.max_err, double(o.max_err));
                sum.n += sg.len;
                if (!is_kmeans) sum.n_sat += o.n_sat;
                ts.group_se[sg.group] += o.se2;
                continue;
            }
            // scalar path: any scheme, rounding, NaN/Inf and outliers
            double gse = 0.0;
            for (uint64_t i = sg.begin; i < sg.begin + sg.len; ++i) {
                const float xi = data[i];
                const uint8_t mk = mask ? mask[i] : 0;
                if (mk == 1) {  // NaN/Inf: passed through, excluded from everything
                    if (deq_out) deq_out[i] = xi;
                    if (code_out) code_out[i] = kNoCode;
                    continue;
                }
                float yi = xi;
                int32_t code = kNoCode;
                if (mk == 0) {
                    bool sat = false;
                    const double u = stochastic ? stochastic_uniform(spec.seed, i) : 0.0;
                    yi = is_kmeans ? eq.quantize_with_grid(*book, p, xi, u, &code, &sat)
                                   : eq.quantize(p, xi, u, &code, &sat);
                    if (!is_kmeans) sum.n_sat += sat;
                    ++ts.codes[uint64_t(int64_t(code) - cs.offset)];
                }
                const float e = xi - yi;
                sum.n += 1;
                sum.sx2 += double(xi) * double(xi);
                sum.se2 += double(e) * double(e);
                sum.sxy += double(xi) * double(yi);
                sum.sy2 += double(yi) * double(yi);
                sum.max_err = std::max(sum.max_err, double(std::fabs(e)));
                gse += double(e) * double(e);
                if (masked) ++ts.group_n[sg.group];
                if (bins > 0) {
                    if (ks.orig_hist) ++ts.orig[slot(vb, xi)];
                    ++ts.deq[slot(vb, yi)];
                    ++ts.err[slot(eb, e)];
                }
                if (deq_out) deq_out[i] = yi;
                if (code_out) code_out[i] = code;
            }
            ts.group_se[sg.group] += gse;
        }
        progress.update(done.fetch_add(elems) + elems);
    });
    if (!ok) return cancelled();

    // 6. Merge the threads' accumulators into the result.
    r.spec = spec;
    r.tensor = name;
    r.shape.assign(x.shape.begin(), x.shape.end());
    r.numel = n;
    r.n_groups = G;
    r.code_offset = cs.offset;
    r.levels = cs.available;
    r.code_hist.assign(cs.size, 0);
    std::vector<uint64_t> err(bins + 2, 0), deq(bins + 2, 0), orig(bins + 2, 0);
    std::vector<double>& group_se = ws.group_se;
    std::vector<uint64_t>& group_n = ws.group_n;
    group_se.assign(G, 0.0);
    group_n.assign(G, 0);
    for (int t = 0; t < threads; ++t) {
        const ThreadScratch& ts = ws.threads[size_t(t)];
        for (int k = 0; k < simd::kSub; ++k) {
            const size_t hb = size_t(k) * (bins + 2), cb = size_t(k) * cs.size;
            for (uint32_t b = 0; b < bins + 2; ++b)
                err[b] += ts.err[hb + b], deq[b] += ts.deq[hb + b], orig[b] += ts.orig[hb + b];
            for (uint64_t c = 0; c < cs.size; ++c) r.code_hist[c] += ts.codes[cb + c];
        }
        for (uint64_t g = 0; g < G; ++g) {
            group_se[g] += ts.group_se[g];
            if (masked) group_n[g] += ts.group_n[g];
        }
    }
    if (!masked)
        for (uint64_t g = 0; g < G; ++g) group_n[g] = L.group_numel(g);
    ErrorSums sums;
    uint64_t n_sat = 0;
    for (const TaskSums& ts : task_sums) {  // in task order: deterministic for any thread count
        sums.n += ts.n;
        sums.sx2 += ts.sx2, sums.se2 += ts.se2, sums.sxy += ts.sxy, sums.sy2 += ts.sy2;
        sums.max_err = std::max(sums.max_err, ts.max_err);
        n_sat += ts.n_sat;
    }
    if (bins > 0) {
        r.hist_orig = vb.empty_histogram();
        r.hist_deq = vb.empty_histogram();
        r.hist_err = eb.empty_histogram();
        if (orig_cached) {
            r.hist_orig.counts = stats->hist_counts;
            r.hist_orig.below = stats->hist_below;
            r.hist_orig.above = stats->hist_above;
        } else {
            to_histogram(orig, r.hist_orig);
            if (opts.tensor_key) {  // cache for the next spec on this tensor
                stats->hist_bins = bins;
                stats->hist_lo = hlo;
                stats->hist_hi = hhi;
                stats->hist_counts = r.hist_orig.counts;
                stats->hist_below = r.hist_orig.below;
                stats->hist_above = r.hist_orig.above;
            }
        }
        to_histogram(deq, r.hist_deq);
        to_histogram(err, r.hist_err);
    }
    r.nonfinite = stats->nonfinite;
    r.outliers_kept = n_outliers;
    finish_metrics(sums, r);
    finish_codes(r);
    r.clipped_fraction = sums.n ? double(n_sat) / double(sums.n) : 0.0;
    r.group_scale.resize(G);
    r.group_zero_point.resize(G);
    r.group_clip_lo.resize(G);
    r.group_clip_hi.resize(G);
    r.group_mse.resize(G);
    for (uint64_t g = 0; g < G; ++g) {
        r.group_scale[g] = params[g].scale;
        r.group_zero_point[g] = params[g].zero_point;
        r.group_clip_lo[g] = float(params[g].clip_lo);
        r.group_clip_hi[g] = float(params[g].clip_hi);
        r.group_mse[g] = group_n[g] ? float(group_se[g] / double(group_n[g])) : 0.0f;
    }
    if (G > 0) {
        r.grid = group_grid(spec, eq, params[0], books.empty() ? nullptr : &books[0]);
        r.clip_lo = params[0].clip_lo;
        r.clip_hi = params[0].clip_hi;
    }
    finish_size(spec, r, r.outliers_kept + r.nonfinite);
    progress.update(n);
    return r;
}

}  // namespace qs::quant
