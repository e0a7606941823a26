#include "core/io/npy.hpp"

namespace qs::io {

Result<ModelIndex> open_npy(const std::filesystem::path& path) {
    return make_error("{}: npy files are not supported yet", path.string());
}

Result<ModelIndex> open_npz(const std::filesystem::path& path) {
    return make_error("{}: .npz files are not supported yet", path.string());
}

}  // namespace qs::io
