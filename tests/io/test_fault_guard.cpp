// The SIGBUS guard on mapped reads (core/io/fault_guard.hpp): a file truncated
// after the size check, while its tensor is being decoded, must end in an error
// that names the file and the tensor, never in a killed process.
#include "core/io/decode.hpp"
#include "core/io/fault_guard.hpp"
#include "core/io/mapped_file.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <unistd.h>
#include <vector>

namespace qs::test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, size_t n, uint8_t fill) {
    std::ofstream(p, std::ios::binary) << std::string(n, char(fill));
}

TEST(FaultGuard, CopiesWhatIsThere) {
    TempDir dir;
    write_file(dir / "f.bin", 3 * 4096, 0x5a);
    auto f = io::MappedFile::open(dir / "f.bin");
    ASSERT_TRUE(f.ok()) << f.message();
    std::vector<uint8_t> out(3 * 4096, 0);
    EXPECT_TRUE(io::copy_guarded(out.data(), (*f)->data(), out.size()));
    EXPECT_EQ(out.front(), 0x5a);
    EXPECT_EQ(out.back(), 0x5a);
}

TEST(FaultGuard, ReadPastATruncatedEndIsFalseNotSigbus) {
    TempDir dir;
    write_file(dir / "f.bin", 4 * 4096, 0x11);
    auto f = io::MappedFile::open(dir / "f.bin");
    ASSERT_TRUE(f.ok()) << f.message();
    ASSERT_EQ(::truncate((dir / "f.bin").c_str(), 4096), 0);
    std::vector<uint8_t> out(4096, 0);
    // The first page is still backed by the file; the third is past its end.
    EXPECT_TRUE(io::copy_guarded(out.data(), (*f)->data(), 4096));
    EXPECT_FALSE(io::copy_guarded(out.data(), (*f)->data() + 2 * 4096, 4096));
    // The guard re-arms: a second fault is caught too, and good reads still work.
    EXPECT_FALSE(io::copy_guarded(out.data(), (*f)->data() + 3 * 4096, 100));
    EXPECT_TRUE(io::copy_guarded(out.data(), (*f)->data() + 10, 100));
}

TEST(FaultGuard, CaughtOnAnyThread) {
    TempDir dir;
    write_file(dir / "f.bin", 4 * 4096, 0x22);
    auto f = io::MappedFile::open(dir / "f.bin");
    ASSERT_TRUE(f.ok()) << f.message();
    ASSERT_EQ(::truncate((dir / "f.bin").c_str(), 0), 0);
    std::atomic<int> caught{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([&, k] {
            std::vector<uint8_t> out(64);
            if (!io::copy_guarded(out.data(), (*f)->data() + k * 4096, out.size())) ++caught;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(caught.load(), 4);
}

// The race the size check cannot close: truncate while decode_tensor is past its
// check, part-way through the tensor's bytes. Repeated until one truncation lands
// mid-read (the first attempt almost always does).
TEST(FaultGuard, TruncatedMidDecodeIsAnError) {
    TempDir dir;
    const fs::path path = dir / "big.safetensors";
    const int64_t rows = 2048, cols = 4096;  // 32 MiB of f32: 128 staging chunks
    bool hit = false;
    for (int attempt = 0; attempt < 20 && !hit; ++attempt) {
        {
            std::vector<float> w(size_t(rows * cols), 0.5f);
            const io::TensorToWrite t = io::f32_tensor("w", {rows, cols}, w);
            ASSERT_TRUE(io::write_safetensors(path, std::span(&t, 1)).ok());
        }
        auto m = io::open_model(path);
        ASSERT_TRUE(m.ok()) << m.message();
        auto state = std::make_shared<ProgressState>();
        std::vector<float> out(size_t(rows * cols));
        std::atomic<bool> done{false};
        Status st;
        std::thread decoder([&] {
            st = io::decode_tensor(*m, 0, out, Progress(state));
            done = true;
        });
        // Past the check (progress moved), not yet finished: pull the pages away.
        while (!done && state->done.load() == 0) std::this_thread::yield();
        const uint64_t at = state->done.load();
        if (!done) {
            ASSERT_EQ(::truncate(path.c_str(), 0), 0);
        }
        decoder.join();
        if (at > 0 && !st.ok()) {
            hit = true;
            EXPECT_NE(st.message().find("big.safetensors"), std::string::npos) << st.message();
            EXPECT_NE(st.message().find("'w'"), std::string::npos) << st.message();
            EXPECT_NE(st.message().find("truncated to 0 bytes"), std::string::npos) << st.message();
        }
    }
    EXPECT_TRUE(hit) << "no truncation landed mid-decode in 20 attempts";
}

}  // namespace
}  // namespace qs::test
