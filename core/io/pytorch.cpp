#include "core/io/pytorch.hpp"

namespace qs::io {

Result<ModelIndex> open_pytorch(const std::filesystem::path& path) {
    return make_error("{}: PyTorch files are not supported yet", path.string());
}


}  // namespace qs::io
