// The memory cap on decoded tensors: decode_tensor_capped and the TensorCache
// refuse a tensor whose float32 form exceeds the cap with a clear message before
// allocating anything; the cache keeps at most its cap and is safe to share
// between threads (run under ThreadSanitizer by `make tsan`).
#include "core/io/decode.hpp"
#include "core/io/limits.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors.hpp"
#include "core/io/tensor_cache.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace qs::test {
namespace {

std::shared_ptr<const io::ModelIndex> tiny() {
    auto m = io::open_model(fixture("safetensors/tiny.safetensors"));
    EXPECT_TRUE(m.ok());
    return std::make_shared<const io::ModelIndex>(std::move(*m));
}

// A model whose header claims a tensor far larger than memory: the file check
// would refuse it at decode, but the cap must refuse it before any allocation.
io::ModelIndex huge_claim() {
    io::ModelIndex m;
    m.path = "claim.safetensors";
    m.files.push_back(io::MappedFile::from_bytes("claim.safetensors", Bytes(64, 0)));
    io::TensorInfo t;
    t.name = "embed";
    t.shape = {1 << 20, 1 << 20};  // 2^40 values = 4 TiB as float32
    t.nbytes = uint64_t(1) << 42;
    m.tensors.push_back(t);
    return m;
}

TEST(DecodeLimits, CappedDecodeRefusesAboveTheCap) {
    auto m = tiny();
    const int64_t i = m->find("layer.0.weight");  // [3, 5]: 60 bytes as float32
    ASSERT_GE(i, 0);
    auto refused = io::decode_tensor_capped(*m, size_t(i), 59);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("tensor 'layer.0.weight' (15 values) needs 60 B as float32, more than the "
                                     "memory cap of 59 B"),
              std::string::npos)
        << refused.message();
    auto ok = io::decode_tensor_capped(*m, size_t(i), 60);
    ASSERT_TRUE(ok.ok()) << ok.message();
    ASSERT_EQ(ok->size(), 15u);
    EXPECT_FLOAT_EQ((*ok)[0], -1.6038367748260498f);  // tiny.expected.json (NumPy)
    EXPECT_FLOAT_EQ((*ok)[14], -1.2651437520980835f);
}

TEST(DecodeLimits, HugeClaimIsRefusedBeforeAllocating) {
    const io::ModelIndex m = huge_claim();
    auto r = io::decode_tensor_capped(m, 0, io::limits::kDefaultMaxDecodeBytes);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("claim.safetensors: tensor 'embed' (1099511627776 values) needs 4.00 TiB"),
              std::string::npos)
        << r.message();
    EXPECT_NE(r.message().find("raise the cap"), std::string::npos);
}

TEST(TensorCache, HitsAreSharedAndEvictionKeepsTheCap) {
    auto m = tiny();
    io::TensorCache cache(100);  // bytes: room for one of the 60-byte weight, not two tensors of it
    auto a = cache.get(m, 0);
    ASSERT_TRUE(a.ok()) << a.message();
    auto again = cache.get(m, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(a->get(), again->get());  // a hit: the same decoded buffer
    for (size_t i = 0; i < m->tensors.size(); ++i) ASSERT_TRUE(cache.get(m, i).ok());
    EXPECT_LE(cache.bytes_used(), 100u);
    cache.clear();
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.bytes_used(), 0u);
}

TEST(TensorCache, LargerThanTheCapIsReturnedButNotKept) {
    auto m = tiny();
    const size_t i = size_t(m->find("layer.0.weight"));
    io::TensorCache cache(59);
    auto t = cache.get(m, i);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ((*t)->data.size(), 15u);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(TensorCache, LargerThanTheDecodeLimitIsRefused) {
    auto m = tiny();
    const size_t i = size_t(m->find("layer.0.weight"));
    io::TensorCache cache(1 << 20, 32);
    EXPECT_EQ(cache.max_decode_bytes(), 32u);
    auto t = cache.get(m, i);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.message().find("more than the memory cap of 32 B"), std::string::npos) << t.message();
    auto huge = std::make_shared<const io::ModelIndex>(huge_claim());
    io::TensorCache big;
    ASSERT_FALSE(big.get(huge, 0).ok());
}

TEST(TensorCache, ClosingAModelFreesItsEntries) {
    io::TensorCache cache;
    {
        auto m = tiny();
        ASSERT_TRUE(cache.get(m, 0).ok());
        EXPECT_EQ(cache.size(), 1u);
    }
    auto other = tiny();
    ASSERT_TRUE(cache.get(other, 1).ok());  // the walk drops the expired entry
    EXPECT_EQ(cache.size(), 1u);
}

TEST(TensorCache, ThreadsSharingOneCacheAgreeWithASerialDecode) {
    auto m = tiny();
    std::vector<std::vector<float>> want;
    for (size_t i = 0; i < m->tensors.size(); ++i) {
        auto d = io::decode_tensor_capped(*m, i, 1 << 20);
        ASSERT_TRUE(d.ok());
        want.push_back(*d);
    }
    io::TensorCache cache(128);  // small: threads evict each other's entries
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int th = 0; th < 4; ++th)
        threads.emplace_back([&, th] {
            for (int k = 0; k < 200; ++k) {
                const size_t i = size_t(k + th) % m->tensors.size();
                auto t = cache.get(m, i);
                // Bytewise: the fixture holds NaNs, which never compare equal.
                if (!t.ok() || (*t)->data.size() != want[i].size() ||
                    (!want[i].empty() &&
                     std::memcmp((*t)->data.data(), want[i].data(), want[i].size() * sizeof(float)) != 0))
                    ++mismatches;
                (void)cache.bytes_used();
                if (k % 50 == 49) cache.clear();
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_LE(cache.bytes_used(), 128u);
}

}  // namespace
}  // namespace qs::test
