// safetensors reader (single file and sharded sets).
//
// Layout (huggingface/safetensors README):
//   u64 N (little-endian)            header length
//   N bytes UTF-8 JSON               {"name": {"dtype": "F16", "shape": [..], "data_offsets": [b, e]}, ...,
//                                     "__metadata__": {"key": "value", ...}}   (optional, strings only)
//   byte buffer                      tensor bytes at 8 + N + b .. 8 + N + e, C order, little-endian
// Checks mirror the reference reader: N <= 100 MB, offsets contiguous from 0,
// end - begin == numel * itemsize (overflow-checked), buffer ends at end of file.
//
// Sharded: model.safetensors.index.json = {"metadata": {...}, "weight_map": {"tensor": "shard file"}},
// shard names resolved relative to the index's folder; or a folder of *.safetensors.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <functional>

namespace qs::io {

// One .safetensors file.
Result<ModelIndex> open_safetensors(const std::filesystem::path& path);
// The same from bytes already mapped (or in memory, e.g. a fuzzer's input).
Result<ModelIndex> open_safetensors(FilePtr file);
// An index.json or a folder holding shards (with or without an index.json).
Result<ModelIndex> open_safetensors_sharded(const std::filesystem::path& index_or_dir);
// An index.json already mapped (or in memory); `open_shard` yields the bytes of a
// shard named in its weight_map (names are checked to be plain relative names first).
using ShardOpener = std::function<Result<FilePtr>(const std::string& shard)>;
Result<ModelIndex> open_safetensors_sharded(FilePtr index_json, const ShardOpener& open_shard);

}  // namespace qs::io
