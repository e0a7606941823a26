// Builds GGUF files field by field for malformed-input tests (GGUF and imatrix).
#pragma once

#include "tests/support/bytes.hpp"

#include <cstring>
#include <string_view>
#include <vector>

namespace qs::test {

struct GgufBytes {
    Bytes b;
    explicit GgufBytes(uint32_t version = 3, uint64_t n_tensors = 0, uint64_t n_kv = 0, const char* magic = "GGUF") {
        put_str(b, magic);
        put_u32(b, version);
        put_u64(b, n_tensors);
        put_u64(b, n_kv);
    }
    GgufBytes& u8(uint8_t v) { b.push_back(v); return *this; }
    GgufBytes& u32(uint32_t v) { put_u32(b, v); return *this; }
    GgufBytes& u64(uint64_t v) { put_u64(b, v); return *this; }
    GgufBytes& f32(float v) { uint32_t u; std::memcpy(&u, &v, 4); return u32(u); }
    GgufBytes& str(std::string_view s) { put_u64(b, s.size()); put_str(b, s); return *this; }
    GgufBytes& kv_u32(std::string_view k, uint32_t v) { return str(k).u32(4).u32(v); }
    GgufBytes& kv_str(std::string_view k, std::string_view v) { return str(k).u32(8).str(v); }
    GgufBytes& kv_strs(std::string_view k, const std::vector<std::string_view>& v) {
        str(k).u32(9).u32(8).u64(v.size());
        for (auto s : v) str(s);
        return *this;
    }
    // Tensor info; ne is ggml order (ne0, the row length, first).
    GgufBytes& tensor(std::string_view name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
        str(name).u32(uint32_t(ne.size()));
        for (uint64_t d : ne) u64(d);
        return u32(type).u64(offset);
    }
    GgufBytes& pad(size_t align = 32) { put_zeros(b, (align - b.size() % align) % align); return *this; }
    GgufBytes& zeros(size_t n) { put_zeros(b, n); return *this; }
};

}  // namespace qs::test
