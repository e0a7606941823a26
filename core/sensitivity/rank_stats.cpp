// Rank statistics: average ranks, Spearman's rho, Kendall's tau-b.
#include "core/sensitivity/rank_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs::sensitivity {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double pearson(std::span<const double> a, std::span<const double> b) {
    const double n = double(a.size());
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
    const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (saa <= 0 || sbb <= 0) return kNaN;
    return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}
}  // namespace

std::vector<double> average_ranks(std::span<const double> x) {
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> r(x.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        // positions i..j (0-based) are ranks i+1..j+1; their mean:
        const double avg = 0.5 * double(i + j) + 1.0;
        for (size_t k = i; k <= j; ++k) r[order[k]] = avg;
        i = j + 1;
    }
    return r;
}

double spearman_rho(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size() || x.size() < 2) return kNaN;
    const auto rx = average_ranks(x), ry = average_ranks(y);
    return pearson(rx, ry);
}

double kendall_tau_b(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size() || x.size() < 2) return kNaN;
    const size_t n = x.size();
    double concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            const double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0) tied_x += 1;
            if (dy == 0) tied_y += 1;
            if (dx == 0 || dy == 0) continue;
            ((dx > 0) == (dy > 0) ? concordant : discordant) += 1;
        }
    const double n0 = double(n) * double(n - 1) / 2;
    const double denom = std::sqrt((n0 - tied_x) * (n0 - tied_y));
    if (!(denom > 0)) return kNaN;
    return std::clamp((concordant - discordant) / denom, -1.0, 1.0);
}

}  // namespace qs::sensitivity
