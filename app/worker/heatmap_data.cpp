// Min/max pyramids and heatmap bundles; see heatmap_data.hpp.
#include "app/worker/heatmap_data.hpp"

#include "core/quant/formats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::app {

const char* heatmap_kind_name(HeatmapKind k) {
    switch (k) {
        case HeatmapKind::Weights: return "weights";
        case HeatmapKind::AbsError: return "|error|";
        case HeatmapKind::Codes: return "code index";
    }
    return "?";
}

Shape2D view_2d(const std::vector<int64_t>& shape) {
    Shape2D s;
    if (shape.empty()) return s;
    s.cols = std::max<int64_t>(shape.back(), 0);
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= std::max<int64_t>(shape[i], 0);
    s.rows = rows;
    return s;
}

uint64_t Pyramid::approx_bytes() const {
    uint64_t b = sizeof(Pyramid);
    for (const auto& l : levels) b += (l.lo.size() + l.hi.size()) * sizeof(float);
    return b;
}

uint64_t HeatmapBundle::approx_bytes() const {
    // The owned level-0 buffer (|error| or codes) is counted by the caller through the pyramid owner.
    uint64_t b = sizeof(HeatmapBundle) + (pyramid ? pyramid->approx_bytes() : 0);
    if (kind != HeatmapKind::Weights) b += uint64_t(size.rows) * uint64_t(size.cols) * sizeof(float);
    if (result) b += (result->dequantized.size() + result->codes.size()) * 4;
    return b;
}

Result<std::shared_ptr<const Pyramid>> build_pyramid(std::shared_ptr<const void> owner, const float* base, Shape2D size,
                                                     const Progress& progress, int64_t min_side) {
    auto p = std::make_shared<Pyramid>();
    p->size = size;
    p->owner = std::move(owner);
    p->base = base;
    const uint64_t n = uint64_t(size.rows) * uint64_t(size.cols);
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (uint64_t i = 0; i < n; ++i) {
        const float v = base[i];
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        } else {
            ++p->nonfinite;
        }
    }
    p->vmin = lo <= hi ? lo : 0.0f;
    p->vmax = lo <= hi ? hi : 0.0f;
    {
        std::vector<float> sample;
        const uint64_t stride = std::max<uint64_t>(1, n >> 20);
        sample.reserve(size_t(n / stride + 1));
        for (uint64_t i = 0; i < n; i += stride)
            if (std::isfinite(base[i])) sample.push_back(base[i]);
        if (!sample.empty()) {
            const size_t k_lo = size_t(double(sample.size() - 1) * 0.001), k_hi = size_t(double(sample.size() - 1) * 0.999);
            std::nth_element(sample.begin(), sample.begin() + long(k_lo), sample.end());
            p->robust_lo = sample[k_lo];
            std::nth_element(sample.begin(), sample.begin() + long(k_hi), sample.end());
            p->robust_hi = sample[k_hi];
        }
    }
    progress.set_total(n);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // Level 1 from level 0 (lo = hi = value), then each level from the previous.
    int64_t pr = size.rows, pc = size.cols;
    const float* plo = base;
    const float* phi = base;
    uint64_t done = 0;
    while (pr > min_side || pc > min_side) {
        PyramidLevel l;
        l.rows = (pr + 1) / 2;
        l.cols = (pc + 1) / 2;
        l.lo.assign(size_t(l.rows * l.cols), nan);
        l.hi.assign(size_t(l.rows * l.cols), nan);
        for (int64_t r = 0; r < pr; ++r) {
            float* olo = l.lo.data() + (r / 2) * l.cols;
            float* ohi = l.hi.data() + (r / 2) * l.cols;
            const float* rlo = plo + r * pc;
            const float* rhi = phi + r * pc;
            for (int64_t c = 0; c < pc; ++c) {
                const float a = rlo[c], b = rhi[c];
                if (!std::isfinite(a) || !std::isfinite(b)) continue;
                float& ol = olo[c / 2];
                float& oh = ohi[c / 2];
                // NaN marks "empty so far" (std::min with NaN first returns NaN, so test explicitly).
                ol = std::isnan(ol) ? a : std::min(ol, a);
                oh = std::isnan(oh) ? b : std::max(oh, b);
            }
            done += uint64_t(pc);
            if ((r & 63) == 0 && !progress.update(done)) return Error{"cancelled"};
        }
        p->levels.push_back(std::move(l));
        pr = p->levels.back().rows;
        pc = p->levels.back().cols;
        plo = p->levels.back().lo.data();
        phi = p->levels.back().hi.data();
    }
    return std::shared_ptr<const Pyramid>(std::move(p));
}

Shape2D level_size(const Pyramid& p, int level) {
    if (level <= 0) return p.size;
    const auto& l = p.levels[size_t(level - 1)];
    return {l.rows, l.cols};
}

int pick_level(const Pyramid& p, double elements_per_pixel, int max_texture_size) {
    int level = 0;
    if (elements_per_pixel > 1.0) level = int(std::ceil(std::log2(elements_per_pixel) - 1e-9));
    level = std::min(level, int(p.levels.size()));
    for (; level <= int(p.levels.size()); ++level) {
        const Shape2D s = level_size(p, level);
        if (s.rows <= max_texture_size && s.cols <= max_texture_size) return level;
    }
    return -1;
}

Result<std::shared_ptr<const HeatmapBundle>> build_heatmap(HeatmapKind kind, io::FloatTensorPtr tensor,
                                                           std::shared_ptr<const quant::QuantResult> result,
                                                           std::shared_ptr<const Pyramid> weights,
                                                           const Progress& progress) {
    if (!tensor) return Error{"no tensor"};
    auto b = std::make_shared<HeatmapBundle>();
    b->kind = kind;
    b->size = view_2d(tensor->shape);
    b->tensor = tensor;
    b->result = result;
    const uint64_t n = tensor->data.size();
    if (uint64_t(b->size.rows) * uint64_t(b->size.cols) != n) return Error{"tensor shape does not match its data"};
    switch (kind) {
        case HeatmapKind::Weights: {
            if (!weights) {
                auto p = build_pyramid(tensor, tensor->data.data(), b->size, progress);
                if (!p) return p.error();
                weights = *p;
            }
            b->pyramid = weights;
            b->diverging = b->pyramid->vmin < 0.0f && b->pyramid->vmax > 0.0f;
            break;
        }
        case HeatmapKind::AbsError: {
            if (!result || result->dequantized.size() != n)
                return Error{"the |error| heatmap needs the dequantized tensor (not kept for this size)"};
            auto err = std::make_shared<std::vector<float>>(n);
            for (uint64_t i = 0; i < n; ++i) (*err)[i] = std::fabs(tensor->data[i] - result->dequantized[i]);
            const float* base = err->data();
            auto p = build_pyramid(std::move(err), base, b->size, progress);
            if (!p) return p.error();
            b->pyramid = *p;
            break;
        }
        case HeatmapKind::Codes: {
            if (!result || result->codes.size() != n)
                return Error{"the code heatmap needs the codes (not kept for this size or scheme)"};
            auto codes = std::make_shared<std::vector<float>>(n);
            // Outliers and NaN/Inf have no code (kNoCode): NaN, drawn in the "no value" colour.
            for (uint64_t i = 0; i < n; ++i)
                (*codes)[i] = result->codes[i] == quant::kNoCode ? std::numeric_limits<float>::quiet_NaN()
                                                                 : float(result->codes[i]);
            const float* base = codes->data();
            auto p = build_pyramid(std::move(codes), base, b->size, progress);
            if (!p) return p.error();
            b->pyramid = *p;
            break;
        }
    }
    return std::shared_ptr<const HeatmapBundle>(std::move(b));
}

}  // namespace qs::app
