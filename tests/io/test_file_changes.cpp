// A model file that changes on disk while it is open (truncated, rewritten in
// place, replaced by rename, deleted) must give a clear error, or keep working
// where that is safe, and never fault (SIGBUS) on pages past a new end of file.
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace qs::test {
namespace {

namespace fs = std::filesystem;

// A copy of the tiny fixture in a temp folder, opened.
struct Opened {
    TempDir dir;
    fs::path path = dir / "tiny.safetensors";
    io::ModelIndex model;
    Opened() {
        fs::copy_file(fixture("safetensors/tiny.safetensors"), path);
        auto m = io::open_model(path);
        EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.message());
        if (m) model = std::move(*m);
    }
    Status decode(size_t i = 0) const {
        std::vector<float> out(model.tensors[i].numel());
        return io::decode_tensor(model, i, out);
    }
};

TEST(FileChanges, UnchangedFileDecodes) {
    Opened o;
    ASSERT_FALSE(o.model.tensors.empty());
    for (size_t i = 0; i < o.model.tensors.size(); ++i) EXPECT_TRUE(o.decode(i).ok());
}

TEST(FileChanges, TruncatedWhileMappedIsAnErrorNotSigbus) {
    Opened o;
    // Truncate to nothing: every mapped page now lies past the end of the file,
    // and reading any of them would raise SIGBUS.
    ASSERT_EQ(::truncate(o.path.c_str(), 0), 0);
    for (size_t i = 0; i < o.model.tensors.size(); ++i) {
        Status s = o.decode(i);
        ASSERT_FALSE(s.ok());
        EXPECT_NE(s.message().find("tiny.safetensors: the file was truncated to 0 bytes"), std::string::npos)
            << s.message();
        EXPECT_NE(s.message().find("reopen it"), std::string::npos) << s.message();
        EXPECT_NE(s.message().find(o.model.tensors[i].name), std::string::npos) << s.message();
    }
}

TEST(FileChanges, TruncatedThroughTheCacheAndCappedDecodeToo) {
    Opened o;
    ASSERT_EQ(::truncate(o.path.c_str(), 12), 0);
    auto r = io::decode_tensor_capped(o.model, 0, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("truncated to 12 bytes"), std::string::npos) << r.message();
}

TEST(FileChanges, RewrittenInPlaceIsReported) {
    Opened o;
    // Same size, new contents (as `cp other.safetensors tiny.safetensors` does):
    // only the modification time tells. Step past the filesystem's timestamp granularity.
    Bytes b = read_bytes(o.path);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    b.back() ^= 0xff;
    {
        FILE* f = std::fopen(o.path.c_str(), "r+b");  // in place: same inode
        ASSERT_NE(f, nullptr);
        ASSERT_EQ(std::fwrite(b.data(), 1, b.size(), f), b.size());
        std::fclose(f);
    }
    fs::last_write_time(o.path, fs::last_write_time(o.path) + std::chrono::seconds(2));
    Status s = o.decode();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("was modified since it was opened"), std::string::npos) << s.message();
}

TEST(FileChanges, GrownFileIsReported) {
    Opened o;
    {
        FILE* f = std::fopen(o.path.c_str(), "ab");
        ASSERT_NE(f, nullptr);
        std::fputc(0, f);
        std::fclose(f);
    }
    Status s = o.decode();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("was modified"), std::string::npos) << s.message();
}

TEST(FileChanges, ReplacedByRenameIsReported) {
    Opened o;
    const fs::path other = o.dir / "new.safetensors";
    fs::copy_file(o.path, other);
    fs::rename(other, o.path);  // what atomic writers (and re-downloads) do
    Status s = o.decode();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("was replaced since it was opened"), std::string::npos) << s.message();
}

TEST(FileChanges, DeletedFileStillDecodesFromTheOpenMapping) {
    Opened o;
    std::vector<float> before(o.model.tensors[0].numel()), after(before.size());
    ASSERT_TRUE(io::decode_tensor(o.model, 0, before).ok());
    fs::remove(o.path);  // the open mapping keeps the old inode and its bytes
    ASSERT_TRUE(io::decode_tensor(o.model, 0, after).ok());
    EXPECT_EQ(before, after);
}

TEST(FileChanges, InMemoryFilesAreNeverStale) {
    auto f = io::MappedFile::from_bytes("x", {1, 2, 3});
    EXPECT_TRUE(f->in_memory());
    EXPECT_TRUE(f->check_unchanged().ok());
}

}  // namespace
}  // namespace qs::test
