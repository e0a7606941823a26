// The digits reader and split against NumPy and an independent Python
// re-implementation of the split (tests/fixtures/nn/make_digits_split.py), and
// malformed inputs.
#include "core/nn/digits.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <fstream>
#include <numeric>

using namespace qs;
using namespace qs::nn;

namespace {

std::filesystem::path digits_path() { return test::source_dir() / "assets" / "digits" / "digits.csv.gz"; }

nlohmann::json reference() {
    std::ifstream f(test::fixture("nn/digits_split.json"));
    return nlohmann::json::parse(f);
}

std::string error_of(std::string_view csv) {
    auto r = parse_digits_csv(csv, "t.csv");
    return r.ok() ? std::string("(no error)") : r.message();
}

std::string row(int label, int first_pixel = 0, int fields = 64) {
    std::string s = std::to_string(first_pixel);
    for (int i = 1; i < fields; ++i) s += ",3";
    return s + "," + std::to_string(label);
}

}  // namespace

TEST(NnDigits, ReadsTheBundledFileLikeNumPy) {
    const auto ref = reference();
    auto d = read_digits(digits_path());
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(d->n, ref["rows"].get<int64_t>());
    EXPECT_EQ(d->n, kDigitsRows);
    EXPECT_EQ(d->features, 64);
    EXPECT_EQ(d->num_classes, 10);
    std::vector<int64_t> counts(10, 0);
    for (int32_t y : d->y) ++counts[size_t(y)];
    EXPECT_EQ(counts, ref["class_counts"].get<std::vector<int64_t>>());
    EXPECT_EQ(int64_t(std::accumulate(d->x.begin(), d->x.end(), 0.0)), ref["pixel_sum"].get<int64_t>());
    EXPECT_EQ(std::accumulate(d->y.begin(), d->y.end(), int64_t(0)), ref["label_sum"].get<int64_t>());
    const auto r0 = ref["row0"].get<std::vector<int>>(), rl = ref["row_last"].get<std::vector<int>>();
    for (int i = 0; i < 64; ++i) {
        EXPECT_EQ(d->x[size_t(i)], float(r0[size_t(i)]));
        EXPECT_EQ(d->x[size_t((d->n - 1) * 64 + i)], float(rl[size_t(i)]));
    }
    EXPECT_EQ(d->y[0], r0[64]);
    EXPECT_EQ(d->y.back(), rl[64]);
}

TEST(NnDigits, SplitMatchesThePythonReimplementation) {
    const auto ref = reference();
    auto split = load_digits_split(digits_path());
    ASSERT_TRUE(split.ok()) << split.message();
    EXPECT_EQ(split->test_indices, ref["test_indices"].get<std::vector<int64_t>>());
    EXPECT_EQ(split->train.n, 1438);
    EXPECT_EQ(split->test.n, 359);
    EXPECT_EQ(split->train.n + split->test.n, kDigitsRows);
    // Disjoint, complete, and the samples are the rows they claim to be.
    auto all = read_digits(digits_path());
    std::vector<int> seen(size_t(all->n), 0);
    for (size_t k = 0; k < split->test_indices.size(); ++k) {
        const int64_t i = split->test_indices[k];
        ++seen[size_t(i)];
        EXPECT_EQ(split->test.y[k], all->y[size_t(i)]);
        EXPECT_TRUE(std::equal(all->sample(i).begin(), all->sample(i).end(), split->test.sample(int64_t(k)).begin()));
    }
    for (int64_t i : split->train_indices) ++seen[size_t(i)];
    for (int s : seen) EXPECT_EQ(s, 1);
    // Stratified: every class has round(0.2 n_c) test samples.
    std::vector<int64_t> per_class(10, 0), test_class(10, 0);
    for (int32_t y : all->y) ++per_class[size_t(y)];
    for (int32_t y : split->test.y) ++test_class[size_t(y)];
    for (size_t c = 0; c < 10; ++c) EXPECT_EQ(test_class[c], std::llround(0.2 * double(per_class[c])));
}

TEST(NnDigits, SplitIsDeterministicAndSeeded) {
    auto all = read_digits(digits_path());
    ASSERT_TRUE(all.ok());
    const auto a = split_stratified(*all), b = split_stratified(*all), c = split_stratified(*all, 7);
    EXPECT_EQ(a.test_indices, b.test_indices);
    EXPECT_EQ(a.test.x, b.test.x);
    EXPECT_NE(a.test_indices, c.test_indices);
    EXPECT_EQ(split_stratified(*all, 1, 0.0).test.n, 0);
    EXPECT_EQ(split_stratified(*all, 1, 1.0).train.n, 0);
}

TEST(NnDigits, ParsesLineEndingsStrictly) {
    const std::string a = row(3), b = row(9, 16);
    auto d = parse_digits_csv(a + "\n" + b + "\r\n", "t.csv");
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(d->n, 2);
    EXPECT_EQ(d->y, (std::vector<int32_t>{3, 9}));
    EXPECT_EQ(d->x[64], 16.0f);
    EXPECT_TRUE(parse_digits_csv(a, "t.csv").ok());  // no final newline
}

TEST(NnDigits, RejectsMalformedCsvWithLineAndField) {
    EXPECT_EQ(error_of(""), "t.csv: no rows");
    EXPECT_EQ(error_of(row(3) + "\n\n"), "t.csv: line 2 is empty");
    EXPECT_EQ(error_of(row(3, 17)), "t.csv: line 1, field 1: pixel 17 is outside 0..16");
    EXPECT_EQ(error_of(row(10)), "t.csv: line 1: label 10 is outside 0..9");
    EXPECT_EQ(error_of(row(1, 0, 63)), "t.csv: line 1: 64 fields, expected 65");
    EXPECT_EQ(error_of(row(1, 0, 65)), "t.csv: line 1: more than 65 fields or trailing characters");
    EXPECT_EQ(error_of("0.5" + row(1).substr(1)), "t.csv: line 1: 1 fields, expected 65");
    EXPECT_EQ(error_of("-1" + row(1).substr(1)), "t.csv: line 1, field 1: expected a non-negative integer, found '-'");
    EXPECT_EQ(error_of("123" + row(1).substr(1)), "t.csv: line 1, field 1: number too long");
    EXPECT_EQ(error_of(row(1) + " "), "t.csv: line 1: more than 65 fields or trailing characters");
}

TEST(NnDigits, RejectsBadGzipAndMissingFiles) {
    test::TempDir dir;
    EXPECT_NE(read_digits(dir / "nope.csv.gz").message().find("cannot read"), std::string::npos);
    // A truncated copy of the real file.
    auto bytes = test::read_bytes(digits_path());
    bytes.resize(bytes.size() / 2);
    test::write_bytes(dir / "cut.csv.gz", bytes);
    auto r = read_digits(dir / "cut.csv.gz");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("gzip"), std::string::npos) << r.message();
    test::write_bytes(dir / "plain.csv.gz", test::Bytes{'0', ',', '1'});
    EXPECT_FALSE(read_digits(dir / "plain.csv.gz").ok());
}

TEST(NnDigits, FindsTheDataNextToADemoModel) {
    auto p = find_digits_near(test::source_dir() / "assets" / "demo" / "mlp.safetensors");
    ASSERT_TRUE(p.ok()) << p.message();
    EXPECT_TRUE(std::filesystem::equivalent(*p, digits_path()));
    EXPECT_FALSE(find_digits_near("/nonexistent/x.safetensors").ok());
}
