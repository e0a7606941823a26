// Shared by the npy/npz, PyTorch and ONNX reader tests: decoding by name, the
// expected-values JSON written by the fixture scripts, and a "never crash" sweep
// that opens and decodes whatever a damaged file still yields.
#pragma once

#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "tests/support/bytes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qs::test {

inline nlohmann::json load_json(const std::filesystem::path& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
}

inline std::vector<float> decode_by_name(const io::ModelIndex& m, const std::string& name) {
    const int64_t i = m.find(name);
    EXPECT_GE(i, 0) << name;
    if (i < 0) return {};
    std::vector<float> out(m.tensors[size_t(i)].numel());
    auto st = io::decode_tensor(m, size_t(i), out);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.message());
    return out;
}

inline float expected_float(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "nan") return NAN;
        if (s == "inf") return INFINITY;
        if (s == "-inf") return -INFINITY;
    }
    return v.get<float>();
}

// Exact comparison (every stored type widens exactly, or rounds as NumPy does); NaN matches NaN.
inline void expect_values(const std::vector<float>& got, const nlohmann::json& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
        const float w = expected_float(want[k]);
        if (std::isnan(w)) EXPECT_TRUE(std::isnan(got[k])) << "element " << k;
        else EXPECT_EQ(got[k], w) << "element " << k;
    }
}

// Replaces a file's bytes by unlinking it first: rewriting a file in place makes ext4
// flush it (auto_da_alloc), ~3 ms per write, which dominates the many-prefix sweeps.
inline void rewrite_bytes(const std::filesystem::path& p, const Bytes& b) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
    write_bytes(p, b);
}

// Opens `path`; if that works, decodes every tensor. Either may fail, neither may crash.
// Returns true when the open succeeded.
inline bool open_and_decode_all(const std::filesystem::path& path) {
    auto m = io::open_model(path);
    if (!m) {
        EXPECT_FALSE(m.message().empty());
        return false;
    }
    for (size_t i = 0; i < m->tensors.size(); ++i) {
        const uint64_t n = m->tensors[i].numel();
        if (n > (uint64_t(1) << 26)) continue;  // never allocate from a damaged shape in a test
        std::vector<float> out(n);
        (void)io::decode_tensor(*m, i, out);
    }
    return true;
}

}  // namespace qs::test
