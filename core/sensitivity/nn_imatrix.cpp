// llama.cpp-style importance matrix of a core/nn model from its layer inputs.
#include "core/sensitivity/nn_imatrix.hpp"

#include "core/nn/kernels.hpp"
#include "core/nn/net.hpp"

#include <algorithm>

namespace qs::sensitivity {

Result<io::Imatrix> nn_imatrix(const nn::Model& model, const nn::Dataset& calibration, const Progress& progress) {
    const nn::Arch& arch = model.arch;
    const nn::Batch batch = nn::Batch::of(calibration);
    QS_TRY(nn::check_batch(arch, batch, false));
    if (batch.n <= 0) return make_error("imatrix: the calibration set is empty");
    struct Acc {
        size_t layer = 0;
        std::string name;
        int64_t row = 0;            // weight columns (elements per output row)
        std::vector<double> sum2;   // sum over tokens of x^2, per column
        double tokens = 0;
    };
    std::vector<Acc> acc;
    for (size_t l = 0; l < arch.layers.size(); ++l) {
        const int pi = arch.layer_param[l];
        if (pi < 0) continue;
        const nn::ParamInfo& w = arch.params[size_t(pi)];
        const int64_t row = int64_t(w.size) / arch.layers[l].out;
        acc.push_back({l, w.name, row, std::vector<double>(size_t(row), 0.0), 0.0});
    }
    const int64_t chunk = 128, in = arch.input_size();
    progress.set_total(uint64_t(batch.n));
    nn::Tape<float> tape;
    for (int64_t b = 0; b < batch.n; b += chunk) {
        const int64_t n = std::min(chunk, batch.n - b);
        nn::forward_chunk(arch, model.theta.data(), batch.x.data() + b * in, n, tape);
        for (Acc& a : acc) {
            const nn::LayerSpec& L = arch.layers[a.layer];
            const std::vector<float>& x = tape.input_of(a.layer);
            if (L.kind == nn::LayerKind::Dense) {
                for (int64_t s = 0; s < n; ++s)
                    for (int64_t j = 0; j < a.row; ++j) {
                        const double v = x[size_t(s * a.row + j)];
                        a.sum2[size_t(j)] += v * v;
                    }
                a.tokens += double(n);
                continue;
            }
            const nn::kernels::ConvGeom g = nn::kernels::conv_geom(L, arch.shapes[a.layer]);
            for (int64_t s = 0; s < n; ++s) {
                const float* xs = x.data() + s * g.in_size();
                for (int64_t c = 0; c < g.c; ++c)
                    for (int64_t ky = 0; ky < g.k; ++ky)
                        for (int64_t kx = 0; kx < g.k; ++kx) {
                            double sum = 0;
                            for (int64_t oy = 0; oy < g.oh; ++oy) {
                                const int64_t iy = oy * g.stride - g.pad + ky;
                                if (iy < 0 || iy >= g.h) continue;  // zero padding adds 0
                                for (int64_t ox = 0; ox < g.ow; ++ox) {
                                    const int64_t ix = ox * g.stride - g.pad + kx;
                                    if (ix < 0 || ix >= g.w) continue;
                                    const double v = xs[(c * g.h + iy) * g.w + ix];
                                    sum += v * v;
                                }
                            }
                            a.sum2[size_t((c * g.k + ky) * g.k + kx)] += sum;
                        }
            }
            a.tokens += double(n * g.cols());
        }
        if (!progress.update(uint64_t(b + n))) return make_error("cancelled");
    }
    io::Imatrix im;
    im.format = "quantscope-nn";
    im.chunk_count = 1;
    im.chunk_size = batch.n;
    for (Acc& a : acc) {
        io::ImatrixEntry e;
        e.name = a.name;
        e.n_per_row = a.row;
        e.n_mat = 1;
        e.counts = {float(a.tokens)};
        e.importance.resize(size_t(a.row));
        for (int64_t j = 0; j < a.row; ++j) e.importance[size_t(j)] = float(a.sum2[size_t(j)] / a.tokens);
        im.entries.push_back(std::move(e));
    }
    std::sort(im.entries.begin(), im.entries.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
    return im;
}

}  // namespace qs::sensitivity
