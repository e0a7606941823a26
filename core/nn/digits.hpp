// The demo models' data: the UCI handwritten digits as scikit-learn ships them
// (assets/digits/digits.csv.gz, 1,797 8x8 images of pixel counts 0..16), read
// strictly, and split deterministically into train/test (stratified 80/20 by a
// seeded Fisher-Yates shuffle per class; assets/digits/README.md).
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::nn {

// A labelled set of samples, row-major: sample i is x[i*features .. (i+1)*features).
struct Dataset {
    std::vector<float> x;        // raw inputs (digits: pixel counts 0..16; models scale them)
    std::vector<int32_t> y;      // labels in [0, num_classes)
    int64_t n = 0;               // samples
    int64_t features = 0;        // values per sample (digits: 64 = 8x8)
    int64_t num_classes = 0;     // digits: 10

    std::span<const float> sample(int64_t i) const {
        return {x.data() + i * features, size_t(features)};
    }
    // Samples [begin, end) as a new dataset.
    Dataset slice(int64_t begin, int64_t end) const;
    // The listed samples, in that order.
    Dataset subset(std::span<const int64_t> indices) const;
};

struct DigitsSplit {
    Dataset train;
    Dataset test;
    std::vector<int64_t> train_indices;  // rows of the source file, ascending
    std::vector<int64_t> test_indices;
};

inline constexpr int64_t kDigitsRows = 1797;
inline constexpr int64_t kDigitsFeatures = 64;
inline constexpr int64_t kDigitsClasses = 10;
inline constexpr uint64_t kDigitsSplitSeed = 20240607;  // the documented split
inline constexpr double kDigitsTestFraction = 0.2;

// Parses the CSV text: rows of 64 integer pixels 0..16 and a label 0..9, comma
// separated, "\n" or "\r\n" line ends, no header, no blank lines (a final line
// end is optional). `what` names the source in messages.
Result<Dataset> parse_digits_csv(std::string_view text, const std::string& what);

// Reads and parses the gzip-compressed CSV (decompressed size capped at 16 MiB).
Result<Dataset> read_digits(const std::filesystem::path& csv_gz);

// Stratified split: per class, the class's sample indices (in file order) are
// shuffled with Rng::derived(seed, class) and the first round(test_fraction * n_class)
// go to test; both sides keep file order. test_fraction in [0, 1].
DigitsSplit split_stratified(const Dataset& all, uint64_t seed = kDigitsSplitSeed,
                             double test_fraction = kDigitsTestFraction);

// read_digits + split_stratified with the documented seed and fraction.
Result<DigitsSplit> load_digits_split(const std::filesystem::path& csv_gz);

// Where the digits file is expected next to a demo model: <model dir>/../digits/digits.csv.gz
// (assets/demo/x.safetensors -> assets/digits/digits.csv.gz), then <model dir>/digits.csv.gz.
// Returns the first that exists, or an error listing both.
Result<std::filesystem::path> find_digits_near(const std::filesystem::path& model_path);

}  // namespace qs::nn
