// 1-D k-means for the fused path: the same algorithm as reference::kmeans_1d
// (sorted values, linear initialisation, double prefix sums, midpoint
// assignment, empty clusters keep their centroid) and therefore the same
// centroids bit for bit, but using the 1-D structure: values are radix-sorted
// once, and each Lloyd round is k binary searches and k prefix-sum differences,
// O(k log n) instead of O(n). k-means-16 on 16M weights is dominated by the sort.
#pragma once

#include <span>
#include <vector>

namespace qs::quant {

// `sorted` and `tmp` are scratch (resized); `prefix` too.
std::vector<double> kmeans_1d_fast(std::span<const float> values, int k, int max_iters, std::vector<float>& sorted,
                                   std::vector<float>& tmp, std::vector<double>& prefix);

// Ascending LSD radix sort of floats (11-bit digits on the order-preserving key);
// -0 sorts before +0. Used by kmeans_1d_fast; exposed for tests.
void radix_sort_floats(std::vector<float>& v, std::vector<float>& tmp);

}  // namespace qs::quant
