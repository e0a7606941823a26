// Settings persistence; see settings.hpp.
#include "app/state/settings.hpp"

#include "core/util/atomic_write.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qs::app {

std::filesystem::path default_config_dir() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "quantscope";
    if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config" / "quantscope";
    return {};
}

Status load_settings(const std::filesystem::path& dir, Settings& out) {
    out = Settings{};
    const auto path = dir / "settings.json";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}: cannot read", path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return make_error("{}: not valid JSON, using defaults", path.string());
    if (auto it = j.find("ui_scale"); it != j.end() && it->is_number())
        out.ui_scale = std::clamp(it->get<float>(), kMinUiScale, kMaxUiScale);
    if (auto it = j.find("theme"); it != j.end() && it->is_string())
        out.theme = it->get<std::string>() == "light" ? Theme::Light : Theme::Dark;
    if (auto it = j.find("hist_bins"); it != j.end() && it->is_number_integer())
        out.hist_bins = std::clamp(it->get<int>(), 16, 4096);
    if (auto it = j.find("recent"); it != j.end() && it->is_array())
        for (const auto& r : *it)
            if (r.is_string() && out.recent.size() < kMaxRecent) out.recent.push_back(r.get<std::string>());
    return {};
}

Status save_settings(const std::filesystem::path& dir, const Settings& s) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error("{}: cannot create the config folder: {}", dir.string(), ec.message());
    nlohmann::json j;
    j["ui_scale"] = s.ui_scale;
    j["theme"] = s.theme == Theme::Light ? "light" : "dark";
    j["hist_bins"] = s.hist_bins;
    j["recent"] = s.recent;
    return write_file_atomic(dir / "settings.json", j.dump(2) + "\n");
}

void push_recent(std::vector<std::string>& recent, const std::string& path) {
    recent.erase(std::remove(recent.begin(), recent.end(), path), recent.end());
    recent.insert(recent.begin(), path);
    if (recent.size() > kMaxRecent) recent.resize(kMaxRecent);
}

}  // namespace qs::app
