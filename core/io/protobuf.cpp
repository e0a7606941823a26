#include "core/io/protobuf.hpp"

#include "core/io/le_bytes.hpp"

#include <vector>

namespace qs::io::pb {
namespace {

constexpr int kMaxGroupDepth = 64;
constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

}  // namespace

Result<uint64_t> read_varint(std::span<const uint8_t> s, size_t& pos) {
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
        if (pos >= s.size()) return Error{"varint runs past the end"};
        const uint8_t b = s[pos++];
        if (i == 9 && (b & 0x80)) return Error{"varint longer than 10 bytes"};
        if (i == 9 && b > 1) return Error{"varint overflows 64 bits"};
        v |= uint64_t(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) return v;
    }
    return v;  // not reached: the tenth byte either ends the varint or is refused
}

Result<uint64_t> count_packed_varints(std::span<const uint8_t> s) {
    uint64_t n = 0;
    int run = 0;
    for (uint8_t b : s) {
        if (++run > 10) return Error{"varint longer than 10 bytes"};
        if (!(b & 0x80)) {
            ++n;
            run = 0;
        }
    }
    if (run) return Error{"packed varints end inside a varint"};
    return n;
}

Error Reader::error_at(size_t pos, const std::string& what) const {
    return make_error("malformed protobuf at byte {}: {}", uint64_t(data_.data() + pos - origin_), what);
}

Result<bool> Reader::next(Field& f) {
    for (;;) {
        if (pos_ >= data_.size()) return false;
        const size_t at = pos_;
        auto tag = read_varint(data_, pos_);
        if (!tag) return error_at(at, tag.message());
        const uint64_t number = *tag >> 3;
        const uint8_t wire = uint8_t(*tag & 7);
        if (number == 0 || number > kMaxFieldNumber)
            return error_at(at, fmt::format("invalid field number {}", number));
        f.number = uint32_t(number);
        f.wire = Wire(wire);
        f.value = 0;
        f.bytes = {};
        switch (wire) {
            case 0: {
                auto v = read_varint(data_, pos_);
                if (!v) return error_at(at, fmt::format("field {}: {}", number, v.message()));
                f.value = *v;
                return true;
            }
            case 1:
                if (data_.size() - pos_ < 8)
                    return error_at(at, fmt::format("field {}: 8-byte value runs past the end", number));
                f.value = load_u64le(data_.data() + pos_);
                pos_ += 8;
                return true;
            case 5:
                if (data_.size() - pos_ < 4)
                    return error_at(at, fmt::format("field {}: 4-byte value runs past the end", number));
                f.value = load_u32le(data_.data() + pos_);
                pos_ += 4;
                return true;
            case 2: {
                auto len = read_varint(data_, pos_);
                if (!len) return error_at(at, fmt::format("field {}: length {}", number, len.message()));
                if (*len > data_.size() - pos_)
                    return error_at(
                        at, fmt::format("field {}: length {} runs past the end of its message ({} bytes left)", number,
                                        *len, data_.size() - pos_));
                f.bytes = data_.subspan(pos_, size_t(*len));
                pos_ += size_t(*len);
                return true;
            }
            case 3: {
                auto st = skip_group(uint32_t(number));
                if (!st) return st.error();
                continue;
            }
            case 4: return error_at(at, fmt::format("end of group {} without a start", number));
            default: return error_at(at, fmt::format("field {}: invalid wire type {}", number, wire));
        }
    }
}

// Skips to the EGROUP matching `number`; nested groups are counted, not recursed.
Status Reader::skip_group(uint32_t number) {
    std::vector<uint32_t> open = {number};
    while (!open.empty()) {
        const size_t at = pos_;
        if (pos_ >= data_.size()) return error_at(at, fmt::format("group {} never ends", open.back()));
        auto tag = read_varint(data_, pos_);
        if (!tag) return error_at(at, tag.message());
        const uint64_t n = *tag >> 3;
        const uint8_t wire = uint8_t(*tag & 7);
        size_t skip = 0;
        switch (wire) {
            case 0: {
                auto v = read_varint(data_, pos_);
                if (!v) return error_at(at, v.message());
                break;
            }
            case 1: skip = 8; break;
            case 5: skip = 4; break;
            case 2: {
                auto len = read_varint(data_, pos_);
                if (!len) return error_at(at, len.message());
                if (*len > data_.size() - pos_) return error_at(at, "length runs past the end of its message");
                skip = size_t(*len);
                break;
            }
            case 3:
                if (open.size() >= size_t(kMaxGroupDepth))
                    return error_at(at, fmt::format("groups nested deeper than {}", kMaxGroupDepth));
                open.push_back(uint32_t(n));
                break;
            case 4:
                if (n != open.back())
                    return error_at(at, fmt::format("end of group {} inside group {}", n, open.back()));
                open.pop_back();
                break;
            default: return error_at(at, fmt::format("invalid wire type {}", wire));
        }
        if (skip > data_.size() - pos_) return error_at(at, "value runs past the end of its message");
        pos_ += skip;
    }
    return {};
}

}  // namespace qs::io::pb
