// Decoding one tensor to float32 (see decode.hpp): bounds and file-change checks
// first, then the dtype's block decoder over contiguous runs.
#include "core/io/decode.hpp"

#include "core/io/fault_guard.hpp"

#include "core/util/checked.hpp"
#include "core/util/units.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace qs::io {
namespace {

constexpr uint64_t kChunkBlocks = 1 << 16;  // blocks decoded between progress checks
// Mapped bytes are staged through a buffer this size (it stays in L2), so that the
// only code touching the mapping is copy_guarded().
constexpr uint64_t kStageBytes = 256 << 10;

// The message for a read that faulted: the file shrank after check_unchanged().
Status fault_error(const MappedFile& f, const TensorInfo& t) {
    if (Status s = f.check_unchanged(); !s) return make_error("{} (reading tensor '{}')", s.message(), t.name);
    return make_error("{}: tensor '{}': the file changed while it was being read (bus error on a mapped page); reopen it",
                      f.path(), t.name);
}

// Decodes `nblocks` blocks of contiguous bytes in chunks, checking for cancel.
// With `mapped`, src lies in that file's mapping and is read through the guard.
Status decode_contiguous(const TensorInfo& t, const uint8_t* src, uint64_t nblocks, float* dst,
                         const Progress& progress, const std::string& where, const MappedFile* mapped) {
    const DTypeInfo& di = dtype_info(t.dtype);
    if (!di.decode) return make_error("{}: tensor '{}': decoding {} is not supported", where, t.name, di.name);
    progress.set_total(nblocks);
    const uint64_t chunk = mapped ? std::max<uint64_t>(1, kStageBytes / di.block_bytes) : kChunkBlocks;
    std::vector<uint8_t> stage(mapped ? size_t(std::min(chunk, nblocks) * di.block_bytes) : 0);
    for (uint64_t b = 0; b < nblocks; b += chunk) {
        const uint64_t n = std::min(chunk, nblocks - b);
        const uint8_t* p = src + b * di.block_bytes;
        if (mapped) {
            if (!copy_guarded(stage.data(), p, size_t(n * di.block_bytes))) return fault_error(*mapped, t);
            p = stage.data();
        }
        di.decode(p, n, dst + b * di.block_elems, t.big_endian);
        if (!progress.update(b + n)) return make_error("{}: tensor '{}': cancelled", where, t.name);
    }
    return {};
}

// Copies the first n bytes of a mapped tensor out under the guard, for the paths
// that read their input out of order (inflate, strided views).
Status copy_out(const MappedFile& f, const TensorInfo& t, std::span<const uint8_t> bytes, uint64_t n,
                std::vector<uint8_t>& owned) {
    n = std::min<uint64_t>(n, bytes.size());
    try {
        owned.resize(size_t(n));
    } catch (const std::bad_alloc&) {
        return make_error("{}: tensor '{}': not enough memory to read {}", f.path(), t.name, human_bytes(n));
    }
    if (!copy_guarded(owned.data(), bytes.data(), size_t(n))) return fault_error(f, t);
    return {};
}

// Inflates a raw-deflate stream to exactly `want` bytes.
Status inflate_exact(std::span<const uint8_t> in, std::vector<uint8_t>& out, uint64_t want, const std::string& what) {
    out.resize(want);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return make_error("{}: zlib init failed", what);
    uint64_t in_off = 0, out_off = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
        const uInt in_n = uInt(std::min<uint64_t>(in.size() - in_off, 1u << 30));
        const uInt out_n = uInt(std::min<uint64_t>(want - out_off, 1u << 30));
        z.next_in = const_cast<Bytef*>(in.data() + in_off);
        z.avail_in = in_n;
        z.next_out = out.data() + out_off;
        z.avail_out = out_n;
        rc = inflate(&z, Z_NO_FLUSH);
        in_off += in_n - z.avail_in;
        out_off += out_n - z.avail_out;
        if (rc == Z_OK && out_off == want) break;   // all we need
        if (rc == Z_BUF_ERROR && in_off == in.size()) break;
        if (rc == Z_OK && z.avail_in == in_n && z.avail_out == out_n) break;  // no progress
    }
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return make_error("{}: compressed data is corrupt ({})", what, z.msg ? z.msg : "zlib error");
    if (out_off != want) return make_error("{}: compressed data inflates to {} bytes, expected {}", what, out_off, want);
    return {};
}

// C-order index -> offset in elements for the tensor's own layout.
void gather_strided(const float* src, float* dst, const std::vector<int64_t>& shape,
                    const std::vector<int64_t>& strides) {
    const size_t rank = shape.size();
    uint64_t n = 1;
    for (int64_t d : shape) n *= uint64_t(d);
    if (n == 0) return;
    std::vector<int64_t> idx(rank, 0);
    int64_t off = 0;
    for (uint64_t i = 0; i < n; ++i) {
        dst[i] = src[off];
        for (size_t k = rank; k-- > 0;) {
            if (++idx[k] < shape[k]) {
                off += strides[k];
                break;
            }
            off -= strides[k] * (shape[k] - 1);
            idx[k] = 0;
        }
    }
}

// Strided view decode for one-element blocks: walks the view in C order, decoding
// runs along the innermost axis (contiguous when its stride is 1). Returns false
// when cancelled.
bool gather_decode(const DTypeInfo& di, const uint8_t* src, const TensorInfo& t, float* dst, const Progress& progress) {
    const size_t rank = t.shape.size();
    if (rank == 0) {
        di.decode(src, 1, dst, t.big_endian);
        return true;
    }
    uint64_t rows = 1;
    for (size_t k = 0; k + 1 < rank; ++k) rows *= uint64_t(t.shape[k]);
    const uint64_t cols = uint64_t(t.shape[rank - 1]);
    const int64_t inner = t.strides[rank - 1];
    if (rows == 0 || cols == 0) return true;
    progress.set_total(rows);
    std::vector<int64_t> idx(rank - 1, 0);
    int64_t off = 0;  // element offset of the current row's first element
    for (uint64_t r = 0; r < rows; ++r) {
        float* row = dst + r * cols;
        if (inner == 1) {
            di.decode(src + uint64_t(off) * di.block_bytes, cols, row, t.big_endian);
        } else {
            for (uint64_t c = 0; c < cols; ++c)
                di.decode(src + uint64_t(off + int64_t(c) * inner) * di.block_bytes, 1, row + c, t.big_endian);
        }
        for (size_t k = rank - 1; k-- > 0;) {
            if (++idx[k] < t.shape[k]) {
                off += t.strides[k];
                break;
            }
            off -= t.strides[k] * (t.shape[k] - 1);
            idx[k] = 0;
        }
        if ((r & 1023) == 1023 && !progress.update(r + 1)) return false;
    }
    return progress.update(rows);
}

}  // namespace

Result<std::vector<float>> decode_tensor_capped(const ModelIndex& model, size_t index, uint64_t max_bytes,
                                                const Progress& progress) {
    if (index >= model.tensors.size()) return make_error("{}: no tensor #{}", model.path, index);
    const TensorInfo& t = model.tensors[index];
    const uint64_t numel = t.numel();
    auto bytes = checked_mul(numel, sizeof(float));
    if (!bytes || *bytes > max_bytes)
        return make_error("{}: tensor '{}' ({} values) needs {} as float32, more than the memory cap of {}; raise the "
                          "cap to decode it",
                          model.path, t.name, numel, bytes ? human_bytes(*bytes) : std::string("> 16 EiB"),
                          human_bytes(max_bytes));
    std::vector<float> out;
    try {
        out.resize(size_t(numel));
    } catch (const std::bad_alloc&) {
        return make_error("{}: tensor '{}': not enough memory to decode {} values ({})", model.path, t.name, numel,
                          human_bytes(*bytes));
    }
    QS_TRY(decode_tensor(model, index, out, progress));
    return out;
}

Status decode_tensor(const ModelIndex& model, size_t index, std::span<float> out, const Progress& progress) {
    if (index >= model.tensors.size()) return make_error("{}: no tensor #{}", model.path, index);
    const TensorInfo& t = model.tensors[index];
    if (t.file >= model.files.size()) return make_error("{}: tensor '{}': bad file index", model.path, t.name);
    const MappedFile& f = *model.files[t.file];
    const std::string& where = f.path();
    const DTypeInfo& di = dtype_info(t.dtype);
    const uint64_t numel = t.numel();
    if (out.size() != numel)
        return make_error("{}: tensor '{}': output holds {} floats, tensor has {}", where, t.name, out.size(), numel);
    if (!range_fits(t.offset, t.nbytes, f.size()))
        return make_error("{}: tensor '{}': data [{}, +{}) lies outside the file ({} bytes)", where, t.name, t.offset,
                          t.nbytes, f.size());
    // A mapped file truncated since open would fault (SIGBUS) on the pages past its new end.
    if (Status s = f.check_unchanged(); !s) return make_error("{} (reading tensor '{}')", s.message(), t.name);

    std::span<const uint8_t> bytes = f.slice(t.offset, t.nbytes);
    // Bytes still in the mapping; null once they have been copied into memory we own.
    const MappedFile* mapped = f.in_memory() ? nullptr : &f;
    std::vector<uint8_t> inflated, raw;
    if (t.storage == Storage::Deflate) {
        if (mapped) {
            QS_TRY(copy_out(f, t, bytes, bytes.size(), raw));
            bytes = raw;
            mapped = nullptr;
        }
        QS_TRY(inflate_exact(bytes, inflated, t.raw_nbytes, where + ": tensor '" + t.name + "'"));
        if (t.inner_offset > inflated.size())
            return make_error("{}: tensor '{}': element data starts past the member's end", where, t.name);
        bytes = std::span<const uint8_t>(inflated).subspan(t.inner_offset);
    }

    if (!t.strides.empty()) {
        // A view into a storage (PyTorch): decode the storage span, then gather.
        if (di.block_elems != 1) return make_error("{}: tensor '{}': strided block types", where, t.name);
        if (t.strides.size() != t.shape.size())
            return make_error("{}: tensor '{}': {} strides for rank {}", where, t.name, t.strides.size(), t.shape.size());
        const uint64_t storage_elems = bytes.size() / di.block_bytes;
        uint64_t reach = 0;  // largest element offset the view touches
        for (size_t k = 0; k < t.shape.size(); ++k) {
            if (t.strides[k] < 0) return make_error("{}: tensor '{}': negative stride", where, t.name);
            if (t.shape[k] == 0) { reach = 0; break; }
            auto r = checked_mul(uint64_t(t.shape[k] - 1), uint64_t(t.strides[k]));
            if (!r || !checked_add(reach, *r)) return make_error("{}: tensor '{}': strides overflow", where, t.name);
            reach += *r;
        }
        if (numel > 0 && reach >= storage_elems)
            return make_error("{}: tensor '{}': view reaches element {} of a storage of {}", where, t.name, reach,
                              storage_elems);
        // Decode only the elements the view touches, straight from the storage bytes:
        // a small view of a huge storage must not cost the whole storage in floats.
        if (!di.decode) return make_error("{}: tensor '{}': decoding {} is not supported", where, t.name, di.name);
        if (mapped && numel > 0) {
            QS_TRY(copy_out(f, t, bytes, (reach + 1) * di.block_bytes, raw));
            bytes = raw;
        }
        if (!gather_decode(di, bytes.data(), t, out.data(), progress))
            return make_error("{}: tensor '{}': cancelled", where, t.name);
        return {};
    }

    const uint64_t nblocks = numel / di.block_elems;
    if (uint64_t(bytes.size()) < nblocks * di.block_bytes)
        return make_error("{}: tensor '{}': {} bytes stored, {} needed", where, t.name, bytes.size(),
                          nblocks * di.block_bytes);
    if (!t.fortran_order || t.shape.size() < 2)
        return decode_contiguous(t, bytes.data(), nblocks, out.data(), progress, where, mapped);

    // Fortran order: the stored array is the C-order array of the reversed shape; transpose.
    std::vector<float> tmp(numel);
    QS_TRY(decode_contiguous(t, bytes.data(), nblocks, tmp.data(), progress, where, mapped));
    std::vector<int64_t> fstrides(t.shape.size());
    int64_t s = 1;
    for (size_t k = 0; k < t.shape.size(); ++k) {
        fstrides[k] = s;
        s *= t.shape[k];
    }
    gather_strided(tmp.data(), out.data(), t.shape, fstrides);
    return {};
}

}  // namespace qs::io

namespace qs::io {

void release_tensor_pages(const ModelIndex& model, size_t index) {
    if (index >= model.tensors.size()) return;
    const TensorInfo& t = model.tensors[index];
    if (t.file >= model.files.size()) return;
    model.files[t.file]->release(t.offset, t.nbytes);
}

}  // namespace qs::io
