// export_plan(): picks the writer for a format and writes atomically (see export.hpp).
#include "core/export/export.hpp"

#include "core/export/aimet.hpp"
#include "core/export/compressed_tensors.hpp"
#include "core/export/modelopt.hpp"
#include "core/export/csv.hpp"
#include "core/export/gptqmodel.hpp"
#include "core/export/llama.hpp"
#include "core/export/plan_json.hpp"
#include "core/export/quant_safetensors.hpp"
#include "core/util/atomic_write.hpp"

#include <array>
#include <cctype>

namespace qs::exporter {
namespace {

constexpr std::array<std::pair<ExportFormat, std::string_view>, 8> kNames{{
    {ExportFormat::Json, "json"},
    {ExportFormat::Llama, "llama"},
    {ExportFormat::GptqModel, "gptqmodel"},
    {ExportFormat::Aimet, "aimet"},
    {ExportFormat::Safetensors, "safetensors"},
    {ExportFormat::Csv, "csv"},
    {ExportFormat::ModelOpt, "modelopt"},
    {ExportFormat::CompressedTensors, "compressed-tensors"},
}};

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view name) {
    std::string n(name);
    for (char& c : n) c = char(std::tolower(static_cast<unsigned char>(c)));
    for (auto [f, s] : kNames)
        if (n == s) return f;
    return make_error("unknown export format '{}' (expected json, llama, gptqmodel, aimet, safetensors, csv, modelopt or compressed-tensors)", name);
}

std::string_view export_format_name(ExportFormat f) {
    for (auto [g, s] : kNames)
        if (f == g) return s;
    return "?";
}

Status export_plan(const PlanDocument& plan, ExportFormat format, const std::filesystem::path& out,
                   const ExportOptions& options, std::vector<std::string>* warnings) {
    const std::string ext = out.extension().string();
    switch (format) {
        case ExportFormat::Json: return write_plan_json(plan, out);
        case ExportFormat::Csv: return write_file_atomic(out, plan_csv_text(plan));
        case ExportFormat::Llama: {
            auto lp = llama_plan(plan, options, warnings);
            if (!lp) return lp.error();
            if (ext == ".sh") return write_file_atomic(out, llama_quantize_script(*lp, options));
            if (warnings && (!lp->output_type.empty() || !lp->token_embedding_type.empty()))
                warnings->push_back(
                    "llama: --output-tensor-type / --token-embedding-type flags override the file for output.weight "
                    "and token_embd.weight; do not pass them (or pass the types from the plan)");
            return write_file_atomic(out, llama_tensor_type_file(*lp));
        }
        case ExportFormat::GptqModel: {
            auto gp = gptq_plan(plan, options, warnings);
            if (!gp) return gp.error();
            if (ext == ".py") return write_file_atomic(out, gptq_python(*gp));
            return write_file_atomic(out, gptq_config_json(*gp).dump(2) + "\n");
        }
        case ExportFormat::Aimet: {
            auto j = aimet_encodings(plan, options, warnings);
            if (!j) return j.error();
            return write_file_atomic(out, j->dump(2) + "\n");
        }
        case ExportFormat::Safetensors: return write_quantized_safetensors(plan, out, options, warnings);
        case ExportFormat::ModelOpt: {
            auto j = modelopt_config(plan, options, warnings);
            if (!j) return j.error();
            return write_file_atomic(out, j->dump(2) + "\n");
        }
        case ExportFormat::CompressedTensors: {
            auto j = compressed_tensors_config(plan, options, warnings);
            if (!j) return j.error();
            return write_file_atomic(out, j->dump(2) + "\n");
        }
    }
    return make_error("unknown export format");
}

}  // namespace qs::exporter
