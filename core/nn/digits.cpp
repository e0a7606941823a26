// Reading and splitting the digits data (see digits.hpp). The CSV parser is
// hand-written because the format is fixed and tiny and we want every
// malformed byte reported with its line and field, not skipped.
#include "core/nn/digits.hpp"

#include "core/nn/rng.hpp"

#include <zlib.h>

#include <cmath>
#include <fstream>

namespace qs::nn {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxCompressed = 16ull << 20;
constexpr uint64_t kMaxInflated = 16ull << 20;
constexpr int64_t kMaxRows = 100'000;

Result<std::string> gunzip_file(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return make_error("{}: cannot read: {}", path.string(), ec.message());
    if (size > kMaxCompressed)
        return make_error("{}: {} bytes, more than the {} bytes allowed for the digits file", path.string(), size,
                          kMaxCompressed);
    std::ifstream f(path, std::ios::binary);
    std::string packed(size, '\0');
    if (!f.read(packed.data(), std::streamsize(size)))
        return make_error("{}: cannot read {} bytes", path.string(), size);

    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error("{}: zlib init failed", path.string());
    std::string out;
    char buf[1 << 16];
    zs.next_in = reinterpret_cast<Bytef*>(packed.data());
    zs.avail_in = uInt(packed.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            const std::string msg = zs.msg ? zs.msg : "corrupt or truncated gzip stream";
            inflateEnd(&zs);
            return make_error("{}: gzip: {}", path.string(), msg);
        }
        const size_t got = sizeof buf - zs.avail_out;
        if (out.size() + got > kMaxInflated) {
            inflateEnd(&zs);
            return make_error("{}: inflates to more than {} bytes", path.string(), kMaxInflated);
        }
        out.append(buf, got);
        if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
            inflateEnd(&zs);
            return make_error("{}: gzip stream is truncated", path.string());
        }
    }
    inflateEnd(&zs);
    return out;
}

}  // namespace

Dataset Dataset::slice(int64_t begin, int64_t end) const {
    Dataset d;
    d.features = features;
    d.num_classes = num_classes;
    d.n = end - begin;
    d.x.assign(x.begin() + begin * features, x.begin() + end * features);
    d.y.assign(y.begin() + begin, y.begin() + end);
    return d;
}

Dataset Dataset::subset(std::span<const int64_t> indices) const {
    Dataset d;
    d.features = features;
    d.num_classes = num_classes;
    d.n = int64_t(indices.size());
    d.x.reserve(indices.size() * size_t(features));
    d.y.reserve(indices.size());
    for (int64_t i : indices) {
        d.x.insert(d.x.end(), x.begin() + i * features, x.begin() + (i + 1) * features);
        d.y.push_back(y[size_t(i)]);
    }
    return d;
}

Result<Dataset> parse_digits_csv(std::string_view text, const std::string& what) {
    Dataset d;
    d.features = kDigitsFeatures;
    d.num_classes = kDigitsClasses;
    size_t pos = 0;
    int64_t line = 0;
    while (pos < text.size()) {
        ++line;
        if (line > kMaxRows) return make_error("{}: more than {} rows", what, kMaxRows);
        for (int field = 0; field <= kDigitsFeatures; ++field) {
            const bool last = field == kDigitsFeatures;
            int value = 0, digits = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                if (++digits > 2) return make_error("{}: line {}, field {}: number too long", what, line, field + 1);
                value = value * 10 + (text[pos] - '0');
                ++pos;
            }
            if (digits == 0) {
                if (pos >= text.size()) return make_error("{}: line {}: ends after {} of 65 fields", what, line, field);
                if (field == 0 && (text[pos] == '\n' || text[pos] == '\r')) return make_error("{}: line {} is empty", what, line);
                return make_error("{}: line {}, field {}: expected a non-negative integer, found '{}'", what, line,
                                  field + 1, text[pos] == '\n' ? std::string("\\n") : std::string(1, text[pos]));
            }
            if (!last) {
                if (value > 16) return make_error("{}: line {}, field {}: pixel {} is outside 0..16", what, line, field + 1, value);
                if (pos >= text.size() || text[pos] != ',')
                    return make_error("{}: line {}: {} fields, expected 65", what, line, field + 1);
                ++pos;
                d.x.push_back(float(value));
            } else {
                if (value >= kDigitsClasses) return make_error("{}: line {}: label {} is outside 0..9", what, line, value);
                d.y.push_back(value);
            }
        }
        // Line end: "\n", "\r\n", or end of text.
        if (pos < text.size() && text[pos] == '\r') ++pos;
        if (pos < text.size()) {
            if (text[pos] != '\n') return make_error("{}: line {}: more than 65 fields or trailing characters", what, line);
            ++pos;
        }
    }
    d.n = line;
    if (d.n == 0) return make_error("{}: no rows", what);
    return d;
}

Result<Dataset> read_digits(const fs::path& csv_gz) {
    auto text = gunzip_file(csv_gz);
    if (!text) return text.error();
    return parse_digits_csv(*text, csv_gz.string());
}

DigitsSplit split_stratified(const Dataset& all, uint64_t seed, double test_fraction) {
    std::vector<std::vector<int64_t>> by_class(size_t(std::max<int64_t>(all.num_classes, 0)));
    std::vector<char> is_test(size_t(all.n), 0);
    for (int64_t i = 0; i < all.n; ++i) {
        const int32_t c = all.y[size_t(i)];
        if (c >= 0 && c < all.num_classes) by_class[size_t(c)].push_back(i);  // else: stays in train
    }
    for (size_t c = 0; c < by_class.size(); ++c) {
        auto& idx = by_class[c];
        Rng rng = Rng::derived(seed, c);
        shuffle(idx.begin(), idx.size(), rng);
        const auto n_test = size_t(std::llround(test_fraction * double(idx.size())));
        for (size_t k = 0; k < n_test && k < idx.size(); ++k) is_test[size_t(idx[k])] = 1;
    }
    std::vector<int64_t> train, test;
    for (int64_t i = 0; i < all.n; ++i) (is_test[size_t(i)] ? test : train).push_back(i);
    return {all.subset(train), all.subset(test), train, test};
}

Result<DigitsSplit> load_digits_split(const fs::path& csv_gz) {
    auto all = read_digits(csv_gz);
    if (!all) return all.error();
    return split_stratified(*all);
}

Result<fs::path> find_digits_near(const fs::path& model_path) {
    const fs::path dir = model_path.parent_path();
    const fs::path a = dir / ".." / "digits" / "digits.csv.gz";
    const fs::path b = dir / "digits.csv.gz";
    std::error_code ec;
    if (fs::is_regular_file(a, ec)) return a.lexically_normal();
    if (fs::is_regular_file(b, ec)) return b;
    return make_error("{}: the digits data was not found at {} or {}", model_path.string(),
                      a.lexically_normal().string(), b.string());
}

}  // namespace qs::nn
