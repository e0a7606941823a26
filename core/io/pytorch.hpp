// PyTorch reader for torch.save zip archives (torch >= 1.6) of a state_dict, or of
// any nest of dicts/lists holding tensors (checkpoints): yields a ModelIndex whose
// tensors point at the storage records in place; nothing is decoded at open and
// nothing from the file is executed (data.pkl goes through core/io/pickle.hpp).
//
// Archive layout (torch/serialization.py, caffe2/serialize/inline_container.cc):
//   <prefix>/data.pkl        pickle (protocol 2) of the saved object; tensors are
//                            _rebuild_tensor_v2(storage, offset, size, stride, ...)
//                            with storage = BINPERSID ('storage', type, key, loc, numel)
//   <prefix>/data/<key>      raw bytes of storage <key>, STORED, 64-byte aligned
//   <prefix>/byteorder       "little" or "big" (absent = little)
//   <prefix>/version         "3\n" (".data/version" in newer releases)
// <prefix> is the saved file's base name (or "archive"): taken from the first member.
// Tensor names: dict keys joined by '.' ("model.fc1.weight"), list items by index.
// A tensor is a view: storage offset, size and stride in elements. Contiguous views
// map to [record + offset*itemsize, +numel*itemsize); others keep their strides and
// cover the storage from the view's first element to its last.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>

namespace qs::io {

Result<ModelIndex> open_pytorch(const std::filesystem::path& path);
// The same from bytes already mapped (or in memory).
Result<ModelIndex> open_pytorch(FilePtr file);

}  // namespace qs::io
