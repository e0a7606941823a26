// Window placement; see layout.hpp.
#include "app/ui/layout.hpp"

#include <algorithm>
#include <cmath>

namespace qs::app {

Layout compute_layout(ImVec2 d, float top, float bottom) {
    Layout l;
    const float h = std::max(100.0f, d.y - top - bottom);
    const float lw = std::round(d.x * 0.25f), rw = std::round(d.x * 0.25f);
    const float cw = d.x - lw - rw;
    const float models_h = std::round(h * 0.58f);
    const float hist_h = std::round(h * 0.52f);
    auto put = [&](ViewId v, float x, float y, float w, float hh) {
        l.pos[size_t(v)] = ImVec2(x, y);
        l.size[size_t(v)] = ImVec2(w, hh);
    };
    put(ViewId::Models, 0, top, lw, models_h);
    put(ViewId::Metrics, 0, top + models_h, lw, h - models_h);
    put(ViewId::Histogram, lw, top, cw, hist_h);
    put(ViewId::Heatmap, lw, top + hist_h, std::round(cw * 0.5f), h - hist_h);
    put(ViewId::Error, lw + std::round(cw * 0.5f), top + hist_h, cw - std::round(cw * 0.5f), h - hist_h);
    put(ViewId::Sweep, lw, top + hist_h, cw, h - hist_h);
    put(ViewId::Spec, lw + cw, top, rw, h);
    put(ViewId::Sensitivity, lw, top, d.x - lw, h);  // over the centre and right columns
    put(ViewId::Anomalies, lw, top + hist_h, d.x - lw, h - hist_h);  // below the histogram: it shows the clicked tensor
    put(ViewId::SensCompare, lw, top, d.x - lw, h);  // as Sensitivity
    put(ViewId::Messages, lw + cw * 0.25f, top + h * 0.3f, cw * 0.5f, h * 0.35f);
    return l;
}

}  // namespace qs::app
