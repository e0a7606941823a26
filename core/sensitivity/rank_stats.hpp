// Rank correlation for comparing sensitivity methods with a measured effect:
// average ranks (ties share the mean of the positions they span), Spearman's
// rho (Pearson correlation of those ranks, as scipy.stats.spearmanr) and
// Kendall's tau-b (tie-corrected, as scipy.stats.kendalltau's default).
// Written by hand: no Debian-packaged C++ library does rank statistics.
#pragma once
#include <span>
#include <vector>

namespace qs::sensitivity {

// 1-based ranks, ascending; tied values get the average of their ranks.
// NaN values are not allowed (the caller filters them).
std::vector<double> average_ranks(std::span<const double> x);

// Spearman's rho with average ranks for ties. NaN when fewer than 2 pairs,
// the sizes differ, or either side is constant (the correlation is undefined).
double spearman_rho(std::span<const double> x, std::span<const double> y);

// Kendall's tau-b: (C - D) / sqrt((n0 - n1)(n0 - n2)), n0 = n(n-1)/2, n1/n2 the
// pairs tied in x/y. O(n^2): fine for the tens of points compared here. NaN
// when undefined, as spearman_rho.
double kendall_tau_b(std::span<const double> x, std::span<const double> y);

}  // namespace qs::sensitivity
