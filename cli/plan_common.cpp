// Shared pieces of `sensitivity`, `plan` and `merge` (see plan_common.hpp).
#include "cli/plan_common.hpp"

#include "cli/command.hpp"
#include "cli/quant_common.hpp"
#include "core/export/plan_json.hpp"
#include "core/quant/result_json.hpp"
#include "core/sensitivity/demo.hpp"
#include "core/util/atomic_write.hpp"
#include "core/util/units.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

namespace qs::cli {

using nlohmann::json;

void add_select_options(CLI::App* sub, SelectArgs& a) {
    sub->add_option("--include", a.include, "Plan only these tensors: name, glob or re:REGEX; repeatable");
    sub->add_option("--exclude", a.exclude, "Keep these tensors as they are: name, glob or re:REGEX; repeatable");
    sub->add_flag("--vectors", a.vectors, "Also plan 0-D/1-D tensors (biases, norms); kept by default");
}

Result<std::vector<size_t>> plannable_tensors(const io::ModelIndex& m, const SelectArgs& a, std::vector<size_t>* kept) {
    std::set<size_t> inc, exc;
    if (!a.include.empty()) {
        auto s = select_tensors(m, a.include);
        if (!s) return s.error();
        inc.insert(s->begin(), s->end());
    }
    if (!a.exclude.empty()) {
        auto s = select_tensors(m, a.exclude);
        if (!s) return s.error();
        exc.insert(s->begin(), s->end());
    }
    std::vector<size_t> floats = float_tensors(m, nullptr);
    std::set<size_t> is_float(floats.begin(), floats.end());
    std::vector<size_t> out;
    for (size_t i = 0; i < m.tensors.size(); ++i) {
        const auto& t = m.tensors[i];
        bool plan = is_float.count(i) && (a.vectors || t.shape.size() >= 2) && t.numel() > 0;
        if (!a.include.empty()) plan = plan && inc.count(i);
        if (exc.count(i)) plan = false;
        if (plan) out.push_back(i);
        else if (kept) kept->push_back(i);
    }
    if (out.empty()) return make_error("{}: no tensor to plan (floating point, 2-D or more, after --include/--exclude)", m.path);
    return out;
}

void add_source_options(CLI::App* sub, SourceArgs& a) {
    auto* im = sub->add_option("--imatrix", a.imatrix, "llama.cpp importance matrix (GGUF or legacy .dat)");
    auto* tr = sub->add_option("--traces", a.traces, "Per-tensor Hessian traces (quantscope_traces JSON, docs/plan.md)");
    auto* demo = sub->add_flag("--demo", a.demo, "Hessian traces of a demo model's own loss (core/nn models)");
    im->excludes(tr)->excludes(demo);
    tr->excludes(demo);
    sub->add_option("--seed", a.seed, "Seed of the Hutchinson probes (--demo)");
    sub->add_option("--tol", a.tol, "Relative standard error at which a trace has converged (--demo)")
        ->check(CLI::Range(1e-6, 1.0));
    sub->add_option("--max-iter", a.max_iter, "Probes per tensor at most (--demo)")->check(CLI::Range(1, 100000));
    sub->add_option("--threads", a.threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
}

Result<LoadedSource> load_source(const io::ModelIndex& m, const SourceArgs& a, uint64_t quantized_params) {
    LoadedSource s;
    if (!a.imatrix.empty()) {
        auto im = io::open_imatrix(a.imatrix);
        if (!im) return im.error();
        s.imatrix = std::make_unique<io::Imatrix>(std::move(*im));
        s.importance = sensitivity::Importance::from_imatrix(*s.imatrix);
    } else if (!a.traces.empty()) {
        auto tr = sensitivity::read_traces(a.traces);
        if (!tr) return tr.error();
        s.traces = std::make_unique<sensitivity::TraceTable>(std::move(*tr));
        s.importance = sensitivity::Importance::from_traces(*s.traces);
    } else if (a.demo) {
        if (!nn::is_nn_model(m))
            return make_error("{}: --demo needs a model quantscope can run (a demo model with quantscope.arch "
                              "metadata); use --imatrix, --traces or the data-free default",
                              m.path);
        auto model = nn::load_model(m);
        if (!model) return model.error();
        auto csv = nn::find_digits_near(m.path);
        if (!csv) return csv.error();
        auto split = nn::load_digits_split(*csv);
        if (!split) return split.error();
        s.demo_model = std::make_unique<nn::Model>(std::move(*model));
        s.demo_data = std::make_unique<nn::DigitsSplit>(std::move(*split));
        sensitivity::DemoTraceOptions o;
        o.trace.seed = a.seed;
        o.trace.rel_tol = a.tol;
        o.trace.max_iterations = a.max_iter;
        o.top_eigenvalue = a.eigen;
        o.eigen.seed = a.seed;
        o.threads = a.threads;
        auto tr = sensitivity::demo_traces(*s.demo_model, s.demo_data->train, o);
        if (!tr) return tr.error();
        tr->model = m.path;
        s.traces = std::make_unique<sensitivity::TraceTable>(std::move(*tr));
        s.importance = sensitivity::Importance::from_traces(*s.traces, sensitivity::Source::HessianTrace);
    } else {
        s.importance = sensitivity::Importance::data_free(quantized_params);
    }
    return s;
}

int select_and_load(const io::ModelIndex& m, const SelectArgs& sel, const SourceArgs& src, PlanInputs& out) {
    auto plannable = plannable_tensors(m, sel, &out.kept);
    if (!plannable) {
        std::cerr << "error: " << plannable.message() << "\n";
        return kUsage;
    }
    out.plannable = std::move(*plannable);
    uint64_t params = 0;
    for (size_t i : out.plannable) params += m.tensors[i].numel();
    auto source = load_source(m, src, params);
    if (!source) {
        std::cerr << "error: " << source.message() << "\n";
        return kBadInput;
    }
    out.source = std::move(*source);
    return 0;
}

void add_plan_options(CLI::App* sub, PlanArgs& a) {
    auto* bpw = sub->add_option("--budget-bpw", a.budget_bpw, "Average bits per weight over planned tensors (incl. scales)");
    auto* bytes = sub->add_option("--budget-bytes", a.budget_bytes, "Total bytes of the planned tensors");
    bpw->excludes(bytes);
    sub->add_option("--pin", a.pins, "REGEX=LABEL: tensors whose name matches take that candidate; repeatable");
    sub->add_option("--tie", a.ties, "REGEX: matching tensors with equal capture groups share a spec; repeatable");
    sub->add_flag("--tie-common", a.tie_common, "Tie q/k/v and gate/up per block (Hugging Face and GGUF names)");
    sub->add_option("--format,-f", a.format, "json, llama, gptqmodel, aimet, safetensors, csv, modelopt or compressed-tensors (default json)");
    sub->add_option("--out,-o", a.out, "Where to write the plan in --format");
    sub->add_option("--frontier", a.frontier, "Also write the Pareto frontier (bits, bpw, cost) as CSV");
    sub->add_flag("--json", a.json, "Print the summary as JSON");
    sub->add_option("--llama-base", a.llama_base, "llama-quantize base type (default: the plan's most common)");
    sub->add_option("--safetensors-mode", a.safetensors_mode, "fake (dequantized weights) or codes")
        ->check(CLI::IsMember({"fake", "codes"}));
    sub->add_flag("--f32", a.fake_quant_f32, "safetensors fake-quant: write F32 rather than the source dtype");
    sub->add_flag("--desc-act", a.desc_act, "gptqmodel: desc_act true");
}

Result<plan::PlanRequest> plan_request(const PlanArgs& a) {
    plan::PlanRequest r;
    r.budget_bpw = a.budget_bpw;
    r.budget_bytes = a.budget_bytes;
    for (const auto& p : a.pins) {
        const size_t eq = p.rfind('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
            return make_error("--pin '{}': expected REGEX=LABEL", p);
        r.pins.push_back({p.substr(0, eq), p.substr(eq + 1)});
    }
    r.ties = a.ties;
    r.tie_common = a.tie_common;
    return r;
}

namespace {

std::map<std::string, quant::QuantSpec> specs_of(const exporter::PlanDocument& d) {
    std::map<std::string, quant::QuantSpec> s;
    for (const auto& t : d.tensors)
        if (t.quantized) s.emplace(t.name, t.spec);
    return s;
}

Status write_frontier(const sensitivity::CostTable& table, const plan::PlanRequest& req, uint64_t params,
                      const std::string& path) {
    auto f = plan::frontier_from_costs(table, req);
    if (!f) return f.error();
    std::string csv = "point,bits,bpw,predicted_cost\n";
    for (size_t k = 0; k < f->points.size(); ++k)
        csv += fmt::format("{},{:.0f},{:.6f},{:.9g}\n", k, f->points[k].bits,
                           params ? f->points[k].bits / double(params) : 0.0, f->points[k].cost);
    return write_file_atomic(path, csv);
}

}  // namespace

int run_plan(const sensitivity::CostTable& table, const PlanArgs& a, const io::ModelIndex* model,
             const LoadedSource* source) {
    auto req = plan_request(a);
    if (!req) {
        std::cerr << "error: " << req.message() << "\n";
        return kUsage;
    }
    auto format = exporter::parse_export_format(a.format);
    if (!format) {
        std::cerr << "error: " << format.message() << "\n";
        return kUsage;
    }
    auto out = plan::plan_from_costs(table, *req);
    if (!out) {
        std::cerr << "error: " << out.message() << "\n";
        return kUsage;
    }
    const exporter::PlanDocument& doc = out->doc;

    std::vector<std::string> warnings;
    if (!a.out.empty()) {
        exporter::ExportOptions eo;
        eo.model = model;
        if (!a.llama_base.empty()) eo.llama_base_type = a.llama_base;
        eo.safetensors_mode = a.safetensors_mode == "codes" ? exporter::SafetensorsMode::Codes
                                                            : exporter::SafetensorsMode::FakeQuant;
        eo.fake_quant_f32 = a.fake_quant_f32;
        eo.gptq_desc_act = a.desc_act;
        if (auto st = exporter::export_plan(doc, *format, a.out, eo, &warnings); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }
    if (!a.frontier.empty()) {
        if (auto st = write_frontier(table, *req, doc.quantized_params, a.frontier); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }

    // Measured effect, where quantscope can run the model.
    std::optional<double> acc_plan, acc_float;
    std::vector<std::optional<double>> acc_uniform(out->uniform.size());
    if (source && source->demo_model) {
        const auto& test = source->demo_data->test;
        if (auto r = sensitivity::evaluate_quantized(*source->demo_model, test, {}); r) acc_float = r->accuracy;
        if (auto r = sensitivity::evaluate_quantized(*source->demo_model, test, specs_of(doc)); r)
            acc_plan = r->accuracy;
        for (size_t u = 0; u < out->uniform.size(); ++u) {
            if (!out->uniform[u].feasible) continue;
            std::map<std::string, quant::QuantSpec> s;
            for (const auto& t : doc.tensors)
                if (t.quantized) s.emplace(t.name, table.candidates[u].spec);
            if (auto r = sensitivity::evaluate_quantized(*source->demo_model, test, s); r) acc_uniform[u] = r->accuracy;
        }
    }

    const double params = double(doc.quantized_params);
    if (a.json) {
        json j;
        j["plan"] = exporter::plan_to_json(doc);
        j["greedy"] = {{"cost", out->greedy.cost}, {"bits", out->greedy.bits}};
        j["lower_bound"] = out->exact.lower_bound;
        json u = json::array();
        for (size_t k = 0; k < out->uniform.size(); ++k) {
            const auto& b = out->uniform[k];
            json e = {{"label", b.label}, {"feasible", b.feasible}};
            if (b.feasible) {
                e["bpw"] = params ? b.bits / params : 0.0;
                e["cost"] = b.cost;
                if (acc_uniform[k]) e["measured_accuracy"] = *acc_uniform[k];
            }
            u.push_back(std::move(e));
        }
        j["uniform"] = std::move(u);
        if (acc_plan) j["measured_accuracy"] = {{"plan", *acc_plan}, {"float", *acc_float}};
        j["notes"] = out->notes;
        j["warnings"] = warnings;
        if (!a.out.empty()) j["written"] = {{"format", exporter::export_format_name(*format)}, {"path", a.out}};
        std::cout << j.dump(2) << "\n";
    } else {
        size_t w = 4;
        for (const auto& t : doc.tensors) w = std::max(w, t.name.size());
        w = std::min<size_t>(w, 60);
        const bool all_rows = doc.tensors.size() <= 200;
        fmt::print("{}  sensitivity: {}\n", doc.model, doc.sensitivity_source);
        if (all_rows) {
            fmt::print("  {:<{}}  {:<16}  {:<18}  {:>7}  {:>11}  {:>11}\n", "tensor", w, "shape", "spec", "bpw",
                       "sensitivity", "cost");
            for (const auto& t : doc.tensors) {
                if (!t.quantized) {
                    fmt::print("  {:<{}}  {:<16}  {:<18}\n", t.name, w, io::shape_string(t.shape),
                               "(kept " + t.source_dtype + ")");
                    continue;
                }
                fmt::print("  {:<{}}  {:<16}  {:<18}  {:>7.3f}  {:>11}  {:>11}\n", t.name, w,
                           io::shape_string(t.shape), t.label + (t.pinned ? " *" : ""), t.bits_per_weight,
                           fmt_sci(t.sensitivity), fmt_sci(t.predicted_cost));
            }
        } else {
            std::map<std::string, std::pair<size_t, uint64_t>> by_label;
            for (const auto& t : doc.tensors)
                if (t.quantized) {
                    uint64_t n = 1;
                    for (auto d : t.shape) n *= uint64_t(d);
                    auto& e = by_label[t.label];
                    ++e.first;
                    e.second += n;
                }
            for (const auto& [label, e] : by_label)
                fmt::print("  {:<18}  {:>6} tensors  {:>10} params\n", label, e.first, human_count(e.second));
        }
        fmt::print("\n  plan     {:.4f} bpw  {}  predicted cost {}  ({})\n", doc.avg_bpw(),
                   human_bytes(uint64_t(std::ceil(doc.quantized_bits / 8))), fmt_sci(doc.total_predicted_cost),
                   doc.optimal ? "optimal" : "best found; not proven optimal");
        if (a.budget_bpw) fmt::print("  budget   {:.4f} bpw\n", *a.budget_bpw);
        if (a.budget_bytes) fmt::print("  budget   {}\n", human_bytes(*a.budget_bytes));
        fmt::print("  greedy   {:.4f} bpw  predicted cost {}\n", params ? out->greedy.bits / params : 0.0,
                   fmt_sci(out->greedy.cost));
        if (acc_plan) fmt::print("  measured test accuracy: plan {:.2f}%  (float {:.2f}%)\n", 100 * *acc_plan, 100 * *acc_float);
        fmt::print("  uniform baselines:\n");
        for (size_t k = 0; k < out->uniform.size(); ++k) {
            const auto& b = out->uniform[k];
            if (!b.feasible) {
                fmt::print("    {:<18}  (not available for every tensor)\n", b.label);
                continue;
            }
            fmt::print("    {:<18}  {:.4f} bpw  predicted cost {}{}\n", b.label, params ? b.bits / params : 0.0,
                       fmt_sci(b.cost),
                       acc_uniform[k] ? fmt::format("  measured {:.2f}%", 100 * *acc_uniform[k]) : std::string());
        }
        for (const auto& n : out->notes) fmt::print("  note: {}\n", n);
        for (const auto& wmsg : warnings) fmt::print("  warning: {}\n", wmsg);
        if (!a.out.empty()) fmt::print("  wrote {} ({})\n", a.out, exporter::export_format_name(*format));
    }
    return kOk;
}

}  // namespace qs::cli
