// A minimal protobuf wire-format reader for the ONNX reader (core/io/onnx.cpp):
// walks (field number, wire type, value) triples with every length checked, and
// hands out LEN payloads as spans of the mapped file, so tensor bytes stay in place.
// Hand-written because libprotobuf would need the generated onnx.proto code, parses
// whole messages into copies (a 2 GiB model would be copied), and caps messages.
//
// Wire format (protobuf.dev/programming-guides/encoding):
//   message = (tag value)*, tag = varint(field_number << 3 | wire_type)
//   wire 0 VARINT  7 bits per byte, low group first, MSB = more; at most 10 bytes
//   wire 1 I64     8 bytes little-endian
//   wire 2 LEN     varint length, then that many bytes (strings, bytes, messages,
//                  packed repeated scalars)
//   wire 3/4       SGROUP / EGROUP (deprecated groups: skipped, nesting bounded)
//   wire 5 I32     4 bytes little-endian
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace qs::io::pb {

enum class Wire : uint8_t { Varint = 0, I64 = 1, Len = 2, StartGroup = 3, EndGroup = 4, I32 = 5 };

struct Field {
    uint32_t number = 0;
    Wire wire = Wire::Varint;
    uint64_t value = 0;                 // Varint, I32, I64: the raw bits
    std::span<const uint8_t> bytes;     // Len: the payload
};

// Decodes one varint at s[pos], advancing pos. Messages carry no position.
Result<uint64_t> read_varint(std::span<const uint8_t> s, size_t& pos);

// Number of varints in a packed repeated field, checking each is complete and <= 10 bytes.
Result<uint64_t> count_packed_varints(std::span<const uint8_t> s);

class Reader {
public:
    // `origin` is the start of the file, so messages give absolute byte offsets.
    Reader(std::span<const uint8_t> data, const uint8_t* origin) : data_(data), origin_(origin) {}

    // The next field (groups are skipped); false at the end of the message.
    Result<bool> next(Field& f);

private:
    std::span<const uint8_t> data_;
    const uint8_t* origin_;
    size_t pos_ = 0;

    Error error_at(size_t pos, const std::string& what) const;
    Status skip_group(uint32_t number);
};

}  // namespace qs::io::pb
