// MappedFile::release drops a tensor's pages from the resident set (what keeps
// `quant --all` flat over a model larger than RAM) and the bytes read back the
// same afterwards. Residency is read from /proc/self/smaps for the mapping.
#include "core/io/decode.hpp"
#include "core/io/mapped_file.hpp"
#include "core/io/open_model.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace qs::test {
namespace {

// Rss (KiB) of the mapping containing `p`, or -1 when /proc is unavailable.
long mapping_rss_kib(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    if (!smaps) return -1;
    const auto addr = reinterpret_cast<uintptr_t>(p);
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
            inside = addr >= lo && addr < hi;
            continue;
        }
        if (inside && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
    }
    return -1;
}

TEST(ReleasePages, DropsResidentPagesAndKeepsTheBytes) {
    TempDir dir;
    const auto path = dir / "pages.bin";
    const size_t page = size_t(::sysconf(_SC_PAGESIZE));
    const size_t size = 64 * page;
    {
        std::ofstream f(path, std::ios::binary);
        for (size_t i = 0; i < size; ++i) f.put(char(i * 7 + i / page));
    }
    auto m = io::MappedFile::open(path);
    ASSERT_TRUE(m.ok()) << m.message();
    const io::MappedFile& f = **m;
    uint64_t sum = 0;
    for (size_t i = 0; i < size; i += 64) sum += f.data()[i];  // touch every page
    const long before = mapping_rss_kib(f.data());
    if (before < 0) GTEST_SKIP() << "no /proc/self/smaps";
    EXPECT_EQ(before, long(size / 1024));

    // [page+1, 63*page+1): only pages 2..62, wholly inside it, go; 0, 1 and 63 stay.
    f.release(page + 1, 62 * page);
    EXPECT_EQ(mapping_rss_kib(f.data()), long(3 * page / 1024));

    uint64_t again = 0;
    for (size_t i = 0; i < size; i += 64) again += f.data()[i];
    EXPECT_EQ(again, sum);
    for (size_t i = 0; i < size; i += 997) ASSERT_EQ(f.data()[i], uint8_t(char(i * 7 + i / page))) << i;

    f.release(size - 1, 100);  // past the end and empty ranges are no-ops
    f.release(size + 5, 1);
}

TEST(ReleasePages, TensorPagesOfAnOpenModel) {
    auto m = io::open_model(fixture("safetensors/tiny.safetensors"));
    ASSERT_TRUE(m.ok()) << m.message();
    for (size_t i = 0; i < m->tensors.size(); ++i) {
        std::vector<float> a(m->tensors[i].numel()), b(a.size());
        ASSERT_TRUE(io::decode_tensor(*m, i, a).ok());
        io::release_tensor_pages(*m, i);
        ASSERT_TRUE(io::decode_tensor(*m, i, b).ok());
        if (!a.empty()) EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << m->tensors[i].name;
    }
    io::release_tensor_pages(*m, m->tensors.size());  // out of range: ignored
}

}  // namespace
}  // namespace qs::test
