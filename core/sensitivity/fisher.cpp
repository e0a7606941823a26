// Empirical Fisher diagonal from per-sample (or per-batch) gradients, in float64.
// Gradient draws are grouped in fixed chunks, each summed by one thread and the
// chunk sums added in chunk order, so the result is the same for any thread count.
#include "core/sensitivity/fisher.hpp"

#include "core/nn/net.hpp"
#include "core/nn/parallel.hpp"

#include <algorithm>
#include <atomic>

namespace qs::sensitivity {

Result<std::vector<double>> empirical_fisher_diagonal(const nn::Model& model, const nn::Dataset& data,
                                                      const FisherOptions& opts, const Progress& progress) {
    const nn::Arch& arch = model.arch;
    QS_TRY(nn::check_batch(arch, nn::Batch::of(data), true));
    if (data.n <= 0) return make_error("Fisher: the data set is empty");
    if (opts.samples_per_gradient < 1) return make_error("Fisher: samples per gradient must be >= 1");
    const int64_t B = opts.samples_per_gradient;
    const int64_t draws = (data.n + B - 1) / B;  // the last batch may be short
    constexpr int64_t kDrawsPerChunk = 32;
    const size_t nchunks = size_t((draws + kDrawsPerChunk - 1) / kDrawsPerChunk);
    const std::vector<double> theta = nn::cast_params<double>(model.theta);
    const size_t P = theta.size();
    std::vector<std::vector<double>> sums(nchunks);
    std::vector<std::string> errors(nchunks);
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    progress.set_total(uint64_t(draws));
    const int64_t in = arch.input_size();
    nn::parallel_for(nchunks, opts.threads, [&](size_t c) {
        if (stop.load()) return;
        std::vector<double>& s = sums[c];
        s.assign(P, 0.0);
        std::vector<double> g(P);
        nn::PassOptions po;
        po.threads = 1;
        po.chunk = B;
        const int64_t d0 = int64_t(c) * kDrawsPerChunk, d1 = std::min(draws, d0 + kDrawsPerChunk);
        for (int64_t d = d0; d < d1; ++d) {
            const int64_t b = d * B, n = std::min(B, data.n - b);
            nn::Batch batch{{data.x.data() + b * in, size_t(n * in)}, {data.y.data() + b, size_t(n)}, n};
            auto r = nn::loss_and_grad<double>(arch, theta, batch, g, po);
            if (!r) {
                errors[c] = r.error().message;
                stop = true;
                return;
            }
            for (size_t i = 0; i < P; ++i) s[i] += g[i] * g[i];
        }
        if (!progress.update(done.fetch_add(uint64_t(d1 - d0)) + uint64_t(d1 - d0))) stop = true;
    });
    for (const auto& e : errors)
        if (!e.empty()) return make_error("Fisher: {}", e);
    if (stop.load() || progress.cancelled()) return make_error("cancelled");
    std::vector<double> f(P, 0.0);
    for (const auto& s : sums)
        for (size_t i = 0; i < P; ++i) f[i] += s[i];
    for (double& v : f) v /= double(draws);
    return f;
}

}  // namespace qs::sensitivity
