// Hutchinson traces and power iteration over an HVP (see hessian.hpp).
#include "core/sensitivity/hessian.hpp"

#include "core/nn/net.hpp"
#include "core/nn/rng.hpp"

#include <cmath>
#include <memory>

namespace qs::sensitivity {

namespace {

// Welford's running mean and variance.
struct Running {
    int n = 0;
    double mean = 0, m2 = 0;
    void add(double x) {
        ++n;
        const double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }
    double std_error() const { return n > 1 ? std::sqrt(m2 / (n - 1) / n) : 0.0; }
};

Status check_blocks(size_t dim, std::span<const ParamBlock> blocks) {
    for (const auto& b : blocks)
        if (b.offset > dim || b.size > dim - b.offset)
            return make_error("block '{}' [{}, {}) lies outside the {} parameters", b.name, b.offset, b.offset + b.size, dim);
    return {};
}

}  // namespace

Result<TraceResult> hutchinson_trace(const HvpFn& hvp, size_t dim, std::span<const ParamBlock> blocks,
                                     const TraceOptions& opts, const Progress& progress) {
    QS_TRY(check_blocks(dim, blocks));
    if (opts.max_iterations < 1) return Error{"Hutchinson: max_iterations must be at least 1"};
    if (blocks.empty()) return TraceResult{};
    nn::Rng rng(opts.seed);
    std::vector<double> z(dim), hz(dim);
    std::vector<Running> stats(blocks.size());
    std::vector<char> done(blocks.size(), 0);
    TraceResult r;
    auto is_converged = [&](size_t b) {
        const Running& s = stats[b];
        return s.n >= std::max(opts.min_iterations, 2) && s.std_error() <= opts.rel_tol * std::abs(s.mean);
    };
    const uint64_t total = uint64_t(opts.max_iterations) * (opts.per_block_probes ? blocks.size() : 1);
    progress.set_total(total);
    uint64_t step = 0;
    for (int it = 0; it < opts.max_iterations; ++it) {
        bool all = true;
        for (size_t b = 0; b < blocks.size(); ++b) all = all && done[b];
        if (all) break;
        if (!opts.per_block_probes) {
            if (!progress.update(step)) {
                r.cancelled = true;
                break;
            }
            for (double& v : z) v = rng.rademacher();
            QS_TRY(hvp(z, hz));
            ++r.hvp_calls;
            ++step;
            for (size_t b = 0; b < blocks.size(); ++b) {
                double s = 0;
                for (size_t i = blocks[b].offset; i < blocks[b].offset + blocks[b].size; ++i) s += z[i] * hz[i];
                stats[b].add(s);
                done[b] = is_converged(b);
            }
        } else {
            for (size_t b = 0; b < blocks.size() && !r.cancelled; ++b) {
                if (done[b]) continue;
                if (!progress.update(step)) {
                    r.cancelled = true;
                    break;
                }
                std::fill(z.begin(), z.end(), 0.0);
                for (size_t i = blocks[b].offset; i < blocks[b].offset + blocks[b].size; ++i) z[i] = rng.rademacher();
                QS_TRY(hvp(z, hz));
                ++r.hvp_calls;
                ++step;
                double s = 0;
                for (size_t i = blocks[b].offset; i < blocks[b].offset + blocks[b].size; ++i) s += z[i] * hz[i];
                stats[b].add(s);
                done[b] = is_converged(b);
            }
            if (r.cancelled) break;
        }
    }
    progress.update(step);
    r.converged = true;
    for (size_t b = 0; b < blocks.size(); ++b) {
        r.blocks.push_back({blocks[b].name, blocks[b].size, stats[b].mean, stats[b].std_error(), stats[b].n, bool(done[b])});
        r.converged = r.converged && done[b];
    }
    return r;
}

Result<EigenResult> top_eigenvalue(const HvpFn& hvp, size_t dim, const ParamBlock* block, const EigenOptions& opts,
                                   const Progress& progress) {
    const ParamBlock all{"all", 0, dim};
    const ParamBlock& b = block ? *block : all;
    QS_TRY(check_blocks(dim, std::span<const ParamBlock>(&b, 1)));
    if (b.size == 0) return EigenResult{};
    nn::Rng rng(opts.seed);
    std::vector<double> v(dim, 0.0), hv(dim);
    auto normalize = [&](std::vector<double>& x) {
        double n2 = 0;
        for (size_t i = b.offset; i < b.offset + b.size; ++i) n2 += x[i] * x[i];
        const double n = std::sqrt(n2);
        if (n > 0)
            for (size_t i = b.offset; i < b.offset + b.size; ++i) x[i] /= n;
        return n;
    };
    for (size_t i = b.offset; i < b.offset + b.size; ++i) v[i] = rng.normal();
    normalize(v);
    EigenResult r;
    progress.set_total(uint64_t(opts.max_iterations));
    double prev = 0;
    for (int it = 0; it < opts.max_iterations; ++it) {
        if (!progress.update(uint64_t(it))) {
            r.cancelled = true;
            break;
        }
        QS_TRY(hvp(v, hv));
        double lambda = 0;
        for (size_t i = b.offset; i < b.offset + b.size; ++i) lambda += v[i] * hv[i];
        r.eigenvalue = lambda;
        r.iterations = it + 1;
        // Next iterate: H_bb v (entries outside the block are dropped).
        std::fill(v.begin(), v.end(), 0.0);
        for (size_t i = b.offset; i < b.offset + b.size; ++i) v[i] = hv[i];
        if (normalize(v) == 0) {  // H_bb v = 0: v is an eigenvector with eigenvalue 0
            r.converged = true;
            break;
        }
        if (it > 0 && std::abs(lambda - prev) <= opts.rel_tol * std::abs(lambda)) {
            r.converged = true;
            break;
        }
        prev = lambda;
    }
    r.eigenvector.assign(v.begin() + ptrdiff_t(b.offset), v.begin() + ptrdiff_t(b.offset + b.size));
    return r;
}

HvpFn nn_hvp(const nn::Model& model, const nn::Dataset& data, int threads) {
    struct State {
        nn::Arch arch;
        std::vector<double> theta;
        nn::Dataset data;
        int threads;
    };
    auto st = std::make_shared<const State>(State{model.arch, nn::cast_params<double>(model.theta), data, threads});
    return [st](std::span<const double> v, std::span<double> hv) -> Status {
        nn::PassOptions po;
        po.threads = st->threads;
        auto r = nn::hessian_vector_product<double>(st->arch, st->theta, nn::Batch::of(st->data), v, hv, po);
        if (!r) return r.error();
        return {};
    };
}

std::vector<ParamBlock> nn_param_blocks(const nn::Arch& arch, bool weights_only) {
    std::vector<ParamBlock> out;
    for (const auto& p : arch.params)
        if (p.is_weight || !weights_only) out.push_back({p.name, p.offset, p.size});
    return out;
}

}  // namespace qs::sensitivity
