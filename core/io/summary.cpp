#include "core/io/summary.hpp"

#include <cctype>
#include <map>

namespace qs::io {

std::string tensor_kind(std::string_view name) {
    std::string out;
    size_t i = 0;
    while (i <= name.size()) {
        size_t j = name.find('.', i);
        if (j == std::string_view::npos) j = name.size();
        std::string_view part = name.substr(i, j - i);
        bool digits = !part.empty();
        for (char c : part) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (!out.empty() || i > 0) out += '.';
        out += digits ? std::string_view("*") : part;
        i = j + 1;
    }
    return out;
}

uint64_t stored_bytes(const TensorInfo& t) {
    return t.storage == Storage::Deflate ? t.raw_nbytes - t.inner_offset : t.nbytes;
}

namespace {
template <class KeyFn>
std::vector<GroupTotal> group(const ModelIndex& m, KeyFn key) {
    std::map<std::string, GroupTotal> g;
    std::vector<std::string> order;  // first appearance
    for (const TensorInfo& t : m.tensors) {
        std::string k = key(t);
        auto [it, fresh] = g.try_emplace(k);
        if (fresh) {
            it->second.key = k;
            order.push_back(k);
        }
        it->second.tensors += 1;
        it->second.params += t.numel();
        it->second.bytes += stored_bytes(t);
    }
    std::vector<GroupTotal> out;
    for (const auto& k : order) out.push_back(g[k]);
    return out;
}
}  // namespace

std::vector<GroupTotal> totals_by_dtype(const ModelIndex& m) {
    return group(m, [](const TensorInfo& t) { return std::string(dtype_name(t.dtype)); });
}

std::vector<GroupTotal> totals_by_kind(const ModelIndex& m) {
    return group(m, [](const TensorInfo& t) { return tensor_kind(t.name); });
}

}  // namespace qs::io
