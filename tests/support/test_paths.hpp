// Where tests find fixtures and the built binaries, and a per-test temp folder.
#pragma once

#include <filesystem>
#include <string>

namespace qs::test {

inline std::filesystem::path source_dir() { return QS_SOURCE_DIR; }
inline std::filesystem::path fixture(const std::string& rel) { return source_dir() / "tests" / "fixtures" / rel; }
inline std::string cli_path() { return QS_CLI_PATH; }

// A fresh empty folder under the system temp dir, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace qs::test
