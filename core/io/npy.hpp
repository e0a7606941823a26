// NumPy .npy and .npz readers: yield a ModelIndex, nothing decoded at open.
// .npy data is mapped in place; .npz members are mapped in place when STORED
// (np.savez) and indexed as deflate streams when DEFLATED (np.savez_compressed).
//
// .npy layout (numpy/lib/format.py):
//   1. magic "\x93NUMPY" (6 bytes), u8 major, u8 minor   (1.0, 2.0 or 3.0)
//   2. header length: u16 (1.0) or u32 (2.0, 3.0), little-endian
//   3. header: a Python dict literal, latin-1 (UTF-8 in 3.0), space-padded, '\n'-ended:
//        {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//      descr = byte order ('<' little, '>' big, '|' n/a, '=' native) + kind + bytes;
//      a list (structured dtype) or 'O' (pickled objects) is refused.
//   4. data: prod(shape) * itemsize bytes, C order (Fortran order if fortran_order).
// .npz = ZIP archive (core/io/zip.hpp) of members "<key>.npy"; the tensor is "<key>".
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <span>

namespace qs::io {

struct NpyHeader {
    int major = 1, minor = 0;
    std::string descr;            // as written, e.g. "<f4"
    DType dtype = DType::F32;
    bool big_endian = false;      // only for multi-byte types
    bool fortran_order = false;
    std::vector<int64_t> shape;
    uint64_t data_offset = 0;     // magic + version + length + header: where the data begins
    uint64_t data_nbytes = 0;     // prod(shape) * itemsize, overflow-checked
};

// Bytes before the data (magic .. end of header) as declared by the first bytes, or
// an error when they are not an npy preamble. Needs at most 12 bytes.
Result<uint64_t> npy_header_size(std::span<const uint8_t> bytes);

// Parses the preamble and header dict at the start of `bytes` (which must hold the
// whole header; data need not be present). Messages carry no file name.
Result<NpyHeader> parse_npy_header(std::span<const uint8_t> bytes);

Result<ModelIndex> open_npy(const std::filesystem::path& path);
Result<ModelIndex> open_npz(const std::filesystem::path& path);
// The same from bytes already mapped (or in memory); the .npy tensor is named
// after the file's stem.
Result<ModelIndex> open_npy(FilePtr file);
Result<ModelIndex> open_npz(FilePtr file);

}  // namespace qs::io
