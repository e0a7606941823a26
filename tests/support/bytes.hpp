// Small helpers to build malformed files byte by byte in tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace qs::test {

using Bytes = std::vector<uint8_t>;

inline void put_u32(Bytes& b, uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i))); }
inline void put_u64(Bytes& b, uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i))); }
inline void put_str(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
inline void put_zeros(Bytes& b, size_t n) { b.insert(b.end(), n, 0); }

inline void write_bytes(const std::filesystem::path& p, const Bytes& b) {
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

inline Bytes read_bytes(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

// A safetensors file: u64 header length, the header text, then `data_bytes` zero bytes.
inline Bytes safetensors_bytes(std::string_view header, size_t data_bytes) {
    Bytes b;
    put_u64(b, header.size());
    put_str(b, header);
    put_zeros(b, data_bytes);
    return b;
}

}  // namespace qs::test
