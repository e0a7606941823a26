#include "core/io/safetensors.hpp"

#include "core/io/limits.hpp"
#include "core/util/checked.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace qs::io {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Parses JSON text, refusing duplicate top-level keys and nesting deeper than
// `max_depth` (a header never needs more; deep nesting is an attack on memory).
Result<json> parse_json_strict(std::string_view text, int max_depth, const std::string& what) {
    std::unordered_set<std::string> seen;
    std::string dup;
    auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
        if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) &&
            depth >= max_depth)
            throw std::runtime_error("nesting deeper than " + std::to_string(max_depth) + " levels");
        if (ev == json::parse_event_t::key && depth == 1) {
            const std::string& k = parsed.get_ref<const std::string&>();
            if (!seen.insert(k).second) throw std::runtime_error("duplicate key '" + k + "'");
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), cb);
    } catch (const std::exception& e) {
        return make_error("{}: {}", what, e.what());
    }
}

Result<std::vector<int64_t>> read_shape(const json& j) {
    if (!j.is_array()) return Error{"'shape' is not an array"};
    if (j.size() > size_t(limits::kMaxDims))
        return make_error("rank {} exceeds the limit of {}", j.size(), limits::kMaxDims);
    std::vector<int64_t> shape;
    for (const json& d : j) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
            return make_error("shape entry {} is not a non-negative integer", d.dump());
        shape.push_back(d.get<int64_t>());
    }
    return shape;
}

// Parses the header of one safetensors file into tensors (file index `file_id`).
Status parse_header(const MappedFile& f, uint32_t file_id, std::vector<TensorInfo>& out,
                    std::vector<MetaEntry>& meta) {
    const std::string& path = f.path();
    if (f.size() < 8) return make_error("{}: file is {} bytes, too short for a safetensors header", path, f.size());
    uint64_t n;
    std::memcpy(&n, f.data(), 8);
    if (n > limits::kMaxSafetensorsHeader)
        return make_error("{}: header length {} exceeds the limit of {} bytes", path, n, limits::kMaxSafetensorsHeader);
    if (n > f.size() - 8)
        return make_error("{}: header length {} runs past the end of the file ({} bytes)", path, n, f.size());
    const char* hdr = reinterpret_cast<const char*>(f.data() + 8);
    if (n == 0 || hdr[0] != '{') return make_error("{}: header does not start with '{{'", path);

    auto parsed = parse_json_strict(std::string_view(hdr, n), 4, path + ": header is not valid JSON");
    if (!parsed) return parsed.error();
    const json& h = *parsed;
    if (!h.is_object()) return make_error("{}: header is not a JSON object", path);

    const uint64_t data_start = 8 + n;
    const uint64_t buffer_size = f.size() - data_start;
    std::vector<TensorInfo> tensors;
    for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string& name = it.key();
        const json& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object()) return make_error("{}: __metadata__ is not an object", path);
            for (auto m = v.begin(); m != v.end(); ++m)
                meta.push_back({m.key(), m.value().is_string() ? "string" : "json",
                                m.value().is_string() ? m.value().get<std::string>() : m.value().dump()});
            continue;
        }
        auto bad = [&](const std::string& what) { return make_error("{}: tensor '{}': {}", path, name, what); };
        if (name.size() > limits::kMaxNameBytes) return bad("name is too long");
        if (!v.is_object()) return bad("entry is not an object");
        if (!v.contains("dtype") || !v["dtype"].is_string()) return bad("missing string 'dtype'");
        if (!v.contains("shape")) return bad("missing 'shape'");
        if (!v.contains("data_offsets")) return bad("missing 'data_offsets'");
        const std::string dt = v["dtype"].get<std::string>();
        auto dtype = dtype_from_name(dt);
        if (!dtype || dtype_info(*dtype).block_elems != 1) return bad("unsupported dtype '" + dt + "'");
        auto shape = read_shape(v["shape"]);
        if (!shape) return bad(shape.message());
        const json& off = v["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            return bad("'data_offsets' is not a pair of non-negative integers");
        const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
        if (end < begin) return bad(fmt::format("data_offsets [{}, {}] end before they begin", begin, end));
        auto numel = checked_numel(*shape);
        if (!numel) return bad(fmt::format("shape {} overflows", shape_string(*shape)));
        auto nbytes = dtype_nbytes(*dtype, *numel);
        if (!nbytes) return bad(fmt::format("shape {} overflows", shape_string(*shape)));
        if (end - begin != *nbytes)
            return bad(fmt::format("shape {} of {} needs {} bytes but data_offsets [{}, {}] hold {}",
                                   shape_string(*shape), dt, *nbytes, begin, end, end - begin));
        if (end > buffer_size)
            return bad(fmt::format("data ends at byte {} of the buffer, which holds only {} bytes", end, buffer_size));
        TensorInfo t;
        t.name = name;
        t.shape = std::move(*shape);
        t.dtype = *dtype;
        t.file = file_id;
        t.offset = data_start + begin;
        t.nbytes = *nbytes;
        tensors.push_back(std::move(t));
    }
    if (tensors.size() > limits::kMaxTensors) return make_error("{}: too many tensors ({})", path, tensors.size());

    // Contiguity, as the reference reader: sorted by (begin, end), no gaps, no overlap.
    // Sorting by the pair puts an empty tensor (begin == end) before a non-empty one
    // that starts at the same offset.
    std::stable_sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.nbytes < b.nbytes;
    });
    uint64_t expect = data_start;
    for (const TensorInfo& t : tensors) {
        if (t.offset != expect)
            return make_error("{}: tensor '{}': data begins at buffer offset {}, expected {} ({})", path, t.name,
                              t.offset - data_start, expect - data_start,
                              t.offset < expect ? "overlaps the previous tensor" : "leaves a gap");
        expect = t.offset + t.nbytes;
    }
    if (expect != f.size())
        return make_error("{}: tensor data ends at byte {} but the file has {} bytes", path, expect, f.size());
    for (auto& t : tensors) out.push_back(std::move(t));
    return {};
}

// Rejects shard names that would leave the model's folder.
bool safe_relative_name(const std::string& name) {
    if (name.empty() || name.size() > 4096) return false;
    fs::path p(name);
    if (p.is_absolute()) return false;
    for (const auto& part : p)
        if (part == "..") return false;
    return true;
}

}  // namespace

Result<ModelIndex> open_safetensors(const fs::path& path) {
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    return open_safetensors(*f);
}

Result<ModelIndex> open_safetensors(FilePtr file) {
    ModelIndex m;
    m.path = file->path();
    m.format = "safetensors";
    m.files.push_back(file);
    QS_TRY(parse_header(*file, 0, m.tensors, m.metadata));
    return m;
}

namespace {

// Reads an index.json: its metadata into `m`, tensor -> shard into `weight_map`,
// the distinct shard names (sorted) into `shards`.
Status read_index(const MappedFile& f, ModelIndex& m, std::map<std::string, std::string>& weight_map,
                  std::vector<std::string>& shards) {
    const std::string& ip = f.path();
    auto text = std::string_view(reinterpret_cast<const char*>(f.data()), f.size());
    auto parsed = parse_json_strict(text, 4, ip + ": not valid JSON");
    if (!parsed) return parsed.error();
    const json& j = *parsed;
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
        return make_error("{}: no 'weight_map' object", ip);
    if (j.contains("metadata") && j["metadata"].is_object())
        for (auto it = j["metadata"].begin(); it != j["metadata"].end(); ++it)
            m.metadata.push_back({it.key(), it.value().is_string() ? "string" : "json",
                                  it.value().is_string() ? it.value().get<std::string>() : it.value().dump()});
    std::set<std::string> distinct;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
        if (!it.value().is_string()) return make_error("{}: tensor '{}': shard name is not a string", ip, it.key());
        const std::string shard = it.value().get<std::string>();
        if (!safe_relative_name(shard))
            return make_error("{}: tensor '{}': shard '{}' is not a plain relative file name", ip, it.key(), shard);
        weight_map[it.key()] = shard;
        distinct.insert(shard);
    }
    if (distinct.size() > limits::kMaxShards) return make_error("{}: too many shards", ip);
    shards.assign(distinct.begin(), distinct.end());
    return {};
}

// Maps every shard, parses its header, and cross-checks the index's weight_map.
Status load_shards(ModelIndex& m, const std::string& index_path, const std::vector<std::string>& shards,
                   const std::map<std::string, std::string>& weight_map, const ShardOpener& open_shard) {
    for (const std::string& shard : shards) {
        auto f = open_shard(shard);
        if (!f) return f.error();
        const uint32_t id = uint32_t(m.files.size());
        m.files.push_back(*f);
        std::vector<MetaEntry> meta;
        QS_TRY(parse_header(**f, id, m.tensors, meta));
        if (id == 0)
            for (auto& e : meta) m.metadata.push_back(std::move(e));
    }

    // Every tensor must be unique, and where an index names its shard, it must be there.
    std::map<std::string, uint32_t> where;
    for (const TensorInfo& t : m.tensors) {
        if (!where.emplace(t.name, t.file).second)
            return make_error("{}: tensor '{}' appears in more than one shard", m.path, t.name);
    }
    for (const auto& [name, shard] : weight_map) {
        auto it = where.find(name);
        if (it == where.end())
            return make_error("{}: tensor '{}': listed in the index but missing from shard '{}'", index_path, name,
                              shard);
        if (fs::path(m.files[it->second]->path()).filename() != fs::path(shard).filename())
            return make_error("{}: tensor '{}': index says shard '{}' but it is in '{}'", index_path, name, shard,
                              m.files[it->second]->path());
    }
    return {};
}

}  // namespace

Result<ModelIndex> open_safetensors_sharded(const fs::path& index_or_dir) {
    ModelIndex m;
    m.path = index_or_dir.string();
    m.format = "safetensors";
    std::vector<std::string> shards;  // file names in load order
    fs::path dir;
    fs::path index;
    std::error_code ec;
    if (fs::is_directory(index_or_dir, ec)) {
        dir = index_or_dir;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const std::string fn = e.path().filename().string();
            if (fn.ends_with(".safetensors.index.json")) index = e.path();
        }
        if (index.empty()) {
            for (const auto& e : fs::directory_iterator(dir, ec))
                if (e.path().extension() == ".safetensors") shards.push_back(e.path().filename().string());
            std::sort(shards.begin(), shards.end());
            if (shards.empty()) return make_error("{}: folder holds no .safetensors files", m.path);
        }
    } else {
        index = index_or_dir;
        dir = index_or_dir.parent_path();
    }

    std::map<std::string, std::string> weight_map;  // tensor -> shard
    if (!index.empty()) {
        auto f = MappedFile::open(index);
        if (!f) return f.error();
        QS_TRY(read_index(**f, m, weight_map, shards));
    }
    QS_TRY(load_shards(m, index.string(), shards, weight_map,
                       [&](const std::string& shard) { return MappedFile::open(dir / shard); }));
    return m;
}

Result<ModelIndex> open_safetensors_sharded(FilePtr index_json, const ShardOpener& open_shard) {
    ModelIndex m;
    m.path = index_json->path();
    m.format = "safetensors";
    std::map<std::string, std::string> weight_map;
    std::vector<std::string> shards;
    QS_TRY(read_index(*index_json, m, weight_map, shards));
    QS_TRY(load_shards(m, m.path, shards, weight_map, open_shard));
    return m;
}

}  // namespace qs::io
