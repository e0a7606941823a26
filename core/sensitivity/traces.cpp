// "quantscope_traces" JSON: write and strictly read (see traces.hpp).
#include "core/sensitivity/traces.hpp"

#include "core/util/atomic_write.hpp"
#include "core/util/read_text.hpp"

#include <cmath>

namespace qs::sensitivity {

using nlohmann::json;

json traces_to_json(const TraceTable& t) {
    json tensors = json::object();
    for (const auto& [name, tr] : t.tensors) {
        json e = {{"trace", tr.trace}, {"std_error", tr.std_error}, {"iterations", tr.iterations},
                  {"converged", tr.converged}};
        if (tr.numel) e["numel"] = tr.numel;
        if (tr.top_eigenvalue) e["top_eigenvalue"] = *tr.top_eigenvalue;
        tensors[name] = std::move(e);
    }
    return json{{"quantscope_traces", 1}, {"model", t.model}, {"method", t.method}, {"tensors", std::move(tensors)}};
}

namespace {

Result<double> finite_number(const json& e, const char* key, const std::string& where) {
    if (!e.contains(key)) return make_error("{}: missing \"{}\"", where, key);
    if (!e[key].is_number()) return make_error("{}: \"{}\" must be a number", where, key);
    const double v = e[key].get<double>();
    if (!std::isfinite(v)) return make_error("{}: \"{}\" is not finite", where, key);
    return v;
}

}  // namespace

Result<TraceTable> traces_from_json(const json& j, const std::string& what) {
    if (!j.is_object() || !j.contains("quantscope_traces"))
        return make_error("{}: not a quantscope traces file (no \"quantscope_traces\" key)", what);
    if (!j["quantscope_traces"].is_number_integer() || j["quantscope_traces"].get<int64_t>() != 1)
        return make_error("{}: unsupported quantscope_traces version (this build reads 1)", what);
    TraceTable t;
    if (j.contains("model") && j["model"].is_string()) t.model = j["model"].get<std::string>();
    if (j.contains("method") && j["method"].is_string()) t.method = j["method"].get<std::string>();
    if (!j.contains("tensors") || !j["tensors"].is_object())
        return make_error("{}: \"tensors\" must be an object of name -> {{\"trace\": ...}}", what);
    for (const auto& [name, e] : j["tensors"].items()) {
        const std::string where = what + ": tensor '" + name + "'";
        if (!e.is_object()) return make_error("{}: entry must be an object", where);
        TensorTrace tr;
        auto trace = finite_number(e, "trace", where);
        if (!trace) return trace.error();
        tr.trace = *trace;
        if (e.contains("std_error")) {
            auto se = finite_number(e, "std_error", where);
            if (!se) return se.error();
            if (*se < 0) return make_error("{}: \"std_error\" is negative", where);
            tr.std_error = *se;
        }
        if (e.contains("numel")) {
            if (!e["numel"].is_number_unsigned()) return make_error("{}: \"numel\" must be a non-negative integer", where);
            tr.numel = e["numel"].get<uint64_t>();
        }
        if (e.contains("iterations")) {
            if (!e["iterations"].is_number_integer()) return make_error("{}: \"iterations\" must be an integer", where);
            tr.iterations = e["iterations"].get<int>();
        }
        if (e.contains("converged")) {
            if (!e["converged"].is_boolean()) return make_error("{}: \"converged\" must be true or false", where);
            tr.converged = e["converged"].get<bool>();
        }
        if (e.contains("top_eigenvalue")) {
            auto ev = finite_number(e, "top_eigenvalue", where);
            if (!ev) return ev.error();
            tr.top_eigenvalue = *ev;
        }
        t.tensors.emplace(name, tr);
    }
    return t;
}

Result<TraceTable> read_traces(const std::filesystem::path& path) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", path.string());
    return traces_from_json(j, path.string());
}

Status write_traces(const TraceTable& t, const std::filesystem::path& path) {
    return write_file_atomic(path, traces_to_json(t).dump(2) + "\n");
}

}  // namespace qs::sensitivity
