// ONNX reader: the weights of an ONNX model (graph initializers, Constant nodes'
// tensors, both also inside subgraphs) as a ModelIndex. raw_data and packed
// float/double fields are mapped in place; values stored as varints (int32_data
// for f16/int8..., int64_data, uint64_data) or unpacked are decoded once at open
// into an owned buffer; external data is mapped from files beside the model.
//
// Messages read (onnx/onnx.proto, proto2; see core/io/protobuf.hpp for the wire format):
//   ModelProto    1 ir_version, 2 producer_name, 3 producer_version, 4 domain,
//                 5 model_version, 6 doc_string, 7 graph, 8 opset_import
//                 (1 domain, 2 version), 14 metadata_props (1 key, 2 value)
//   GraphProto    1 node, 2 name, 5 initializer, 15 sparse_initializer (skipped)
//   NodeProto     2 output, 4 op_type, 5 attribute, 7 domain
//   AttributeProto 1 name, 5 t (TensorProto), 6 g, 11 graphs (subgraphs, walked)
//   TensorProto   1 dims, 2 data_type, 3 segment (refused), 4 float_data,
//                 5 int32_data, 6 string_data, 7 int64_data, 8 name, 9 raw_data,
//                 10 double_data, 11 uint64_data, 13 external_data (key/value:
//                 location, offset, length), 14 data_location (1 = EXTERNAL)
// External locations are checked as onnx's checker does: relative, no "..", not a
// symlink, a regular file with one link, and inside the model's folder.
// STRING, complex and 4/2-bit tensors are skipped and listed in the metadata.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>

namespace qs::io {

Result<ModelIndex> open_onnx(const std::filesystem::path& path);
// The same from bytes already mapped (or in memory). External data is looked up
// in `dir`; with an empty `dir` a tensor with external data is refused.
Result<ModelIndex> open_onnx(FilePtr file, const std::filesystem::path& dir);

}  // namespace qs::io
