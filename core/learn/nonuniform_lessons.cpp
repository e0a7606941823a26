// Lessons 7-8: see nonuniform_lessons.hpp. Quantization goes through
// quant::quantize; only the bookkeeping of the comparisons lives here.
#include "core/learn/nonuniform_lessons.hpp"

#include "core/quant/formats.hpp"
#include "core/quant/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace qs::learn {

using quant::QuantSpec;

DeepCompressionSize deep_compression_size(uint64_t n, uint64_t k) {
    DeepCompressionSize d;
    d.n = n;
    d.k = std::max<uint64_t>(k, 1);
    const double index = d.k <= 1 ? 0.0 : std::ceil(std::log2(double(d.k)));
    d.index_bits = index * double(n);
    d.codebook_bits = 32.0 * double(d.k);
    d.total_bits = d.index_bits + d.codebook_bits;
    d.fp32_bits = 32.0 * double(n);
    d.ratio = d.total_bits > 0 ? d.fp32_bits / d.total_bits : 0.0;
    d.bits_per_weight = n ? d.total_bits / double(n) : 0.0;
    return d;
}

namespace {

quant::QuantOptions plain_options(bool keep_deq = false) {
    quant::QuantOptions o;
    o.hist_bins = 0;
    o.threads = 1;
    o.keep_dequantized = keep_deq;
    return o;
}

}  // namespace

Result<std::vector<GridRow>> compare_grids(std::span<const float> x, int bits) {
    if (x.empty()) return make_error("the tensor is empty");
    if (bits < 1 || bits > 8) return make_error("bits must be in 1..8 for the grid comparison, got {}", bits);
    const int64_t shape[1] = {int64_t(x.size())};
    std::vector<GridRow> rows;
    auto run = [&](std::string label, QuantSpec s) -> Status {
        s.granularity = quant::Granularity::PerTensor;
        QS_TRY(quant::validate(s));
        auto r = quant::quantize({x, shape, "x"}, s, plain_options());
        if (!r) return r.error();
        GridRow row;
        row.label = std::move(label);
        row.spec = s;
        row.mse = r->mse;
        row.sqnr_db = r->sqnr_db;
        row.bits_per_weight = r->bits_per_weight;
        row.levels = r->grid;
        rows.push_back(std::move(row));
        return {};
    };
    if (bits >= 2) {
        QuantSpec u;
        u.bits = bits;
        QS_TRY(run(fmt::format("uniform int{}", bits), u));
    }
    QuantSpec k;
    k.scheme = quant::Scheme::KMeans;
    k.bits = bits;
    QS_TRY(run(fmt::format("k-means K={}", 1 << bits), k));
    if (bits >= 2) {
        QuantSpec l;
        l.scheme = quant::Scheme::Log2;
        l.bits = bits;
        QS_TRY(run(fmt::format("log2 {}-bit", bits), l));
    }
    if (bits == 4) {
        QuantSpec n;
        n.scheme = quant::Scheme::NF4;
        n.bits = 4;
        QS_TRY(run("NF4", n));
    }
    return rows;
}

Result<std::vector<OutlierPoint>> outlier_sweep(std::span<const float> w, int64_t rows, int64_t cols, int bits,
                                                std::span<const double> fractions) {
    if (rows <= 0 || cols <= 0 || size_t(rows * cols) != w.size())
        return make_error("outliers: {} values do not make a {} x {} matrix", w.size(), rows, cols);
    const int64_t shape[2] = {rows, cols};
    std::vector<OutlierPoint> out;
    for (double f : fractions) {
        QuantSpec s;
        s.bits = bits;
        s.granularity = rows > 1 ? quant::Granularity::PerChannel : quant::Granularity::PerTensor;
        s.outliers = f > 0 ? quant::OutlierMode::TopFraction : quant::OutlierMode::None;
        s.outlier_param = f;
        QS_TRY(quant::validate(s, shape));
        auto r = quant::quantize({w, shape, "w"}, s, plain_options());
        if (!r) return r.error();
        OutlierPoint p;
        p.fraction = f;
        p.kept = r->outliers_kept;
        p.mse = r->mse;
        p.sqnr_db = r->sqnr_db;
        p.bits_per_weight = r->bits_per_weight;
        out.push_back(p);
    }
    return out;
}

Result<Int8Decomposition> llm_int8_decomposition(std::span<const float> w, int64_t rows, int64_t cols,
                                                 double threshold) {
    if (rows <= 0 || cols <= 0 || size_t(rows * cols) != w.size())
        return make_error("LLM.int8(): {} values do not make a {} x {} matrix", w.size(), rows, cols);
    Int8Decomposition d;
    d.threshold = threshold;
    std::vector<uint8_t> outlier_col(size_t(cols), 0);
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j)
            if (std::fabs(double(w[size_t(i * cols + j)])) >= threshold) outlier_col[size_t(j)] = 1;
    for (uint8_t c : outlier_col) d.outlier_columns += c;

    // Dense part: outlier columns zeroed, int8 absmax per row (vector-wise).
    std::vector<float> dense(w.begin(), w.end());
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j)
            if (outlier_col[size_t(j)]) dense[size_t(i * cols + j)] = 0.0f;
    const int64_t shape[2] = {rows, cols};
    QuantSpec s;
    s.bits = 8;
    s.granularity = quant::Granularity::PerChannel;
    auto rd = quant::quantize({dense, shape, "dense"}, s, plain_options(true));
    if (!rd) return rd.error();
    auto rp = quant::quantize({w, shape, "w"}, s, plain_options(false));
    if (!rp) return rp.error();
    d.mse_plain_int8 = rp->mse;
    double se = 0, sx = 0;
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
            const size_t k = size_t(i * cols + j);
            const double y = outlier_col[size_t(j)] ? double(quant::store_value(w[k], quant::ScaleDType::F16))
                                                    : double(rd->dequantized[k]);
            se += (y - double(w[k])) * (y - double(w[k]));
            sx += double(w[k]) * double(w[k]);
        }
    const double n = double(w.size());
    d.mse = se / n;
    d.sqnr_db = se > 0 ? 10.0 * std::log10(sx / se) : INFINITY;
    const double kept = double(d.outlier_columns * rows);
    d.bits_per_weight = (kept * 16.0 + (n - kept) * 8.0 + double(rows) * 32.0) / n;
    return d;
}

}  // namespace qs::learn
