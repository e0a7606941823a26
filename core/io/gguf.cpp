#include "core/io/gguf.hpp"

namespace qs::io {

Result<ModelIndex> open_gguf(const std::filesystem::path& path) {
    return make_error("{}: GGUF files are not supported yet", path.string());
}


}  // namespace qs::io
