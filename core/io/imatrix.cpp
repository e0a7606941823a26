// Importance-matrix reader: the GGUF form through read_gguf (so every header
// check applies), the legacy .dat form parsed here with the same discipline.
// The division by counts follows llama.cpp tools/quantize/quantize.cpp
// load_imatrix, in float32, so the values match what llama-quantize uses.
#include "core/io/imatrix.hpp"

#include "core/io/decode.hpp"
#include "core/io/gguf.hpp"
#include "core/io/limits.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace qs::io {
namespace fs = std::filesystem;

namespace {

// Real imatrix files have a few hundred to a few thousand entries; each costs
// far more memory than its minimal 17 file bytes, so bound the count.
constexpr int32_t kMaxEntries = 1'000'000;

bool remove_suffix(std::string& s, std::string_view suffix) {
    if (!s.ends_with(suffix)) return false;
    s.resize(s.size() - suffix.size());
    return true;
}

Result<std::vector<float>> decode_f32(const ModelIndex& m, size_t idx, const std::string& path) {
    const TensorInfo& t = m.tensors[idx];
    if (t.dtype != DType::F32)
        return make_error("{}: tensor '{}': type is {}, imatrix data must be F32", path, t.name, dtype_name(t.dtype));
    std::vector<float> v(size_t(t.numel()));  // bounded: its bytes lie inside the file
    QS_TRY(decode_tensor(m, idx, v));
    return v;
}

Result<Imatrix> read_gguf_imatrix(FilePtr file, const fs::path& path) {
    auto g = read_gguf(std::move(file));
    if (!g) return g.error();
    const std::string p = path.string();
    Imatrix im;
    im.path = p;
    im.format = "gguf";

    if (const GgufValue* t = g->find("general.type"); t && (t->type != GgufType::String || t->str != "imatrix"))
        return make_error("{}: key 'general.type' is '{}', not 'imatrix'", p,
                          t->type == GgufType::String ? t->str : std::string(gguf_type_name(t->type)));
    // llama-quantize refuses GGUF imatrix files without these three keys.
    const GgufValue* datasets = g->find("imatrix.datasets");
    const GgufValue* chunk_count = g->find("imatrix.chunk_count");
    const GgufValue* chunk_size = g->find("imatrix.chunk_size");
    for (auto [key, v] : {std::pair{"imatrix.datasets", datasets}, std::pair{"imatrix.chunk_count", chunk_count},
                          std::pair{"imatrix.chunk_size", chunk_size}})
        if (!v) return make_error("{}: missing key '{}' (not an imatrix file?)", p, key);
    if (datasets->type != GgufType::Array || datasets->elem_type != GgufType::String)
        return make_error("{}: key 'imatrix.datasets' is not an array of strings", p);
    if (chunk_count->type != GgufType::U32) return make_error("{}: key 'imatrix.chunk_count' is not a u32", p);
    if (chunk_size->type != GgufType::U32) return make_error("{}: key 'imatrix.chunk_size' is not a u32", p);
    im.datasets = g->string_array(*datasets);
    im.chunk_count = int64_t(chunk_count->u);
    im.chunk_size = int64_t(chunk_size->u);

    // Pair up <name>.in_sum2, <name>.counts and the optional <name>.in_sum.
    struct Parts {
        int64_t in_sum2 = -1, counts = -1, in_sum = -1;
    };
    std::map<std::string, Parts> parts;  // ordered: entries come out sorted by name
    for (size_t k = 0; k < g->tensors.size(); ++k) {
        std::string name = g->tensors[k].name;
        if (remove_suffix(name, ".in_sum2")) parts[name].in_sum2 = int64_t(k);
        else if (remove_suffix(name, ".counts")) parts[name].counts = int64_t(k);
        else if (remove_suffix(name, ".in_sum")) parts[name].in_sum = int64_t(k);
        // other tensors are ignored, as llama.cpp does
    }
    if (parts.empty()) return make_error("{}: no '<weight>.in_sum2' tensors: not an imatrix file", p);

    const ModelIndex m = gguf_model_index(*g, p);
    for (const auto& [name, part] : parts) {
        if (part.in_sum2 < 0 || part.counts < 0)
            return make_error("{}: entry '{}': has {} but no {}", p, name, part.in_sum2 < 0 ? ".counts" : ".in_sum2",
                              part.in_sum2 < 0 ? ".in_sum2" : ".counts");
        auto sums2 = decode_f32(m, size_t(part.in_sum2), p);
        if (!sums2) return sums2.error();
        auto counts = decode_f32(m, size_t(part.counts), p);
        if (!counts) return counts.error();
        const size_t nsums = sums2->size(), ncounts = counts->size();
        if (ncounts == 0 || nsums == 0 || nsums % ncounts != 0)
            return make_error("{}: entry '{}': {} sums do not split into {} matrices", p, name, nsums, ncounts);
        std::vector<float> sums;
        if (part.in_sum >= 0) {
            auto s = decode_f32(m, size_t(part.in_sum), p);
            if (!s) return s.error();
            if (s->size() != nsums)
                return make_error("{}: entry '{}': .in_sum has {} values, .in_sum2 has {}", p, name, s->size(), nsums);
            sums = std::move(*s);
        }

        ImatrixEntry e;
        e.name = name;
        e.n_mat = int64_t(ncounts);
        e.n_per_row = int64_t(nsums / ncounts);
        e.importance.resize(nsums);
        if (!sums.empty()) e.mean_activation.resize(nsums);
        for (size_t mat = 0; mat < ncounts; ++mat) {
            const float count = (*counts)[mat];
            for (size_t i = 0; i < size_t(e.n_per_row); ++i) {
                const size_t k = mat * size_t(e.n_per_row) + i;
                // A matrix that saw no tokens (an unused expert) gets weight 1.
                e.importance[k] = count > 0.0f ? (*sums2)[k] / count : 1.0f;
                if (!sums.empty()) e.mean_activation[k] = count > 0.0f ? sums[k] / count : 0.0f;
            }
        }
        e.counts = std::move(*counts);
        im.entries.push_back(std::move(e));
    }
    return im;
}

// Little-endian reads from the legacy layout, which has no magic and no version.
class LegacyReader {
public:
    explicit LegacyReader(const MappedFile& f) : f_(f) {}
    uint64_t left() const { return f_.size() - pos_; }
    uint64_t pos() const { return pos_; }
    bool i32(int32_t& v) {
        v = 0;
        if (left() < 4) return false;
        std::memcpy(&v, f_.data() + pos_, 4);
        pos_ += 4;
        return true;
    }
    const uint8_t* take(uint64_t n) {  // caller checked n <= left()
        const uint8_t* p = f_.data() + pos_;
        pos_ += n;
        return p;
    }

private:
    const MappedFile& f_;
    uint64_t pos_ = 0;
};

Result<Imatrix> read_legacy_imatrix(const MappedFile& f, const fs::path& path) {
    const std::string p = path.string() + ": legacy imatrix";
    LegacyReader r(f);
    Imatrix im;
    im.path = path.string();
    im.format = "legacy";

    int32_t n_entries;
    if (!r.i32(n_entries)) return make_error("{}: file is {} bytes, too short for an imatrix", p, f.size());
    if (n_entries <= 0) return make_error("{}: entry count is {}; the file holds no data", p, n_entries);
    // Smallest entry: len, a 1-byte name, ncall, nval, one float.
    if (uint64_t(n_entries) > r.left() / 17)
        return make_error("{}: entry count {} cannot fit in the {} bytes left in the file", p, n_entries, r.left());
    if (n_entries > kMaxEntries)
        return make_error("{}: entry count {} exceeds the limit of {}", p, n_entries, kMaxEntries);

    auto ends = [&](const std::string& ctx, const char* what) {
        return make_error("{}: {}: file ends at byte {} while reading {}", p, ctx, f.size(), what);
    };
    for (int32_t k = 0; k < n_entries; ++k) {
        std::string ctx = fmt::format("entry #{}", k);
        int32_t len, ncall, nval;
        if (!r.i32(len)) return ends(ctx, "the name length");
        if (len <= 0 || uint64_t(len) > limits::kMaxNameBytes || uint64_t(len) > r.left())
            return make_error("{}: {}: name length {} is not between 1 and the {} bytes left", p, ctx, len,
                              std::min<uint64_t>(r.left(), limits::kMaxNameBytes));
        ImatrixEntry e;
        e.name.assign(reinterpret_cast<const char*>(r.take(uint64_t(len))), size_t(len));
        ctx = fmt::format("entry '{}'", e.name);
        if (!r.i32(ncall)) return ends(ctx, "ncall");
        if (ncall < 0) return make_error("{}: {}: ncall is {}, must not be negative", p, ctx, ncall);
        if (!r.i32(nval)) return ends(ctx, "nval");
        if (nval <= 0) return make_error("{}: {}: nval is {}, must be positive", p, ctx, nval);
        if (uint64_t(nval) > r.left() / 4)
            return make_error("{}: {}: {} values do not fit in the {} bytes left in the file", p, ctx, nval,
                              r.left());
        std::vector<float> v(static_cast<size_t>(nval));
        std::memcpy(v.data(), r.take(uint64_t(nval) * 4), size_t(nval) * 4);
        // Stored values are mean x² times ncall; llama-quantize divides when ncall > 0.
        if (ncall > 0)
            for (float& x : v) x = x / float(ncall);
        e.n_per_row = nval;
        e.n_mat = 1;
        e.importance = std::move(v);
        e.counts = {float(ncall)};
        im.entries.push_back(std::move(e));
    }

    // Optional trailer: last chunk, then the dataset name.
    if (r.left() > 0) {
        int32_t last_chunk, len;
        if (!r.i32(last_chunk)) return make_error("{}: {} stray bytes after the last entry", p, f.size() - r.pos());
        im.chunk_count = last_chunk;
        if (r.left() > 0) {
            if (!r.i32(len)) return ends("trailer", "the dataset name length");
            if (len < 0 || uint64_t(len) > r.left())
                return make_error("{}: trailer: dataset name length {} does not fit in the {} bytes left", p, len,
                                  r.left());
            im.datasets.emplace_back(reinterpret_cast<const char*>(r.take(uint64_t(len))), size_t(len));
            if (r.left() > 0)
                return make_error("{}: {} unexpected bytes after the dataset name", p, r.left());
        }
    }

    std::sort(im.entries.begin(), im.entries.end(),
              [](const ImatrixEntry& a, const ImatrixEntry& b) { return a.name < b.name; });
    for (size_t k = 1; k < im.entries.size(); ++k)
        if (im.entries[k].name == im.entries[k - 1].name)
            return make_error("{}: entry '{}' appears twice", p, im.entries[k].name);
    return im;
}

}  // namespace

const ImatrixEntry* Imatrix::find(std::string_view name) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), name,
                               [](const ImatrixEntry& e, std::string_view n) { return e.name < n; });
    return it != entries.end() && it->name == name ? &*it : nullptr;
}

Result<Imatrix> open_imatrix(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return make_error("{}: no such file", path.string());
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    return open_imatrix(*f);
}

Result<Imatrix> open_imatrix(FilePtr file) {
    const std::string path = file->path();
    const bool gguf = file->size() >= 4 && (std::memcmp(file->data(), "GGUF", 4) == 0 ||
                                            std::memcmp(file->data(), "FUGG", 4) == 0);
    if (gguf) return read_gguf_imatrix(std::move(file), path);
    return read_legacy_imatrix(*file, path);
}

}  // namespace qs::io
