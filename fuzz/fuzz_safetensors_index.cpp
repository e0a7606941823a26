// libFuzzer target: a sharded safetensors model's model.safetensors.index.json.
// Input = the index's bytes; the shards it may name are the two fixture shards
// (tests/fixtures/safetensors/sharded), held in memory; any other name is missing.
#include "fuzz/fuzz_common.hpp"
#include "core/io/safetensors.hpp"

#include <fstream>
#include <iterator>
#include <map>

namespace {

std::map<std::string, qs::io::FilePtr>& shards() {
    static std::map<std::string, qs::io::FilePtr> s = [] {
        std::map<std::string, qs::io::FilePtr> m;
        for (const char* name : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
            std::ifstream in(std::string(QS_SOURCE_DIR) + "/tests/fixtures/safetensors/sharded/" + name,
                             std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            m[name] = qs::io::MappedFile::from_bytes(name, std::move(bytes));
        }
        return m;
    }();
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto index = qs::io::MappedFile::from_bytes("model.safetensors.index.json", qs::fuzz::to_vector(data, size));
    auto opener = [](const std::string& name) -> qs::Result<qs::io::FilePtr> {
        auto it = shards().find(name);
        if (it == shards().end()) return qs::make_error("{}: no such file", name);
        return it->second;
    };
    qs::fuzz::exercise_model(qs::io::open_safetensors_sharded(index, opener));
    return 0;
}
