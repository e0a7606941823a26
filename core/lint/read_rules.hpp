// Readers for the override files the lint checks, and the rules quantscope's own
// exporters would write for a plan. Files are untrusted: every error names the file and
// the entry (token, key, group) that is wrong.
//   llama       a --tensor-type-file (whitespace-separated PATTERN=TYPE tokens), or a
//               shell script / command line with --tensor-type, --tensor-type-file,
//               --output-tensor-type and --token-embedding-type arguments
//   gptqmodel   quantize_config.json, or config.json with quantization_config.dynamic
//   compressed- config.json quantization_config (or the bare object): config_groups
//   tensors     targets + ignore
#pragma once
#include "core/export/export.hpp"
#include "core/lint/rules.hpp"

#include <filesystem>

namespace qs::lint {

Result<RuleSet> read_llama_tensor_types(std::string_view text, const std::string& source);
// `base_dir` resolves a relative --tensor-type-file.
Result<RuleSet> read_llama_command(std::string_view text, const std::string& source,
                                   const std::filesystem::path& base_dir);
Result<RuleSet> read_gptq_config(std::string_view text, const std::string& source);
// A Python file: `dynamic = {...}` plus the base from `quantize_config = {...}` or
// `QuantizeConfig(bits=..., group_size=..., dynamic=dynamic)` (what our .py export writes,
// and what GPTQModel's README shows). Literals only; nothing is executed.
Result<RuleSet> read_gptq_python(std::string_view text, const std::string& source);
Result<RuleSet> read_compressed_tensors_config(std::string_view text, const std::string& source);

// The rules `export_plan` would write for `plan` in `tool`'s format, read back with the
// readers above (so the lint sees exactly the exported text).
Result<RuleSet> rules_from_plan(const exporter::PlanDocument& plan, Tool tool,
                                const exporter::ExportOptions& options = {});

// Reads `path` for `tool`: a quantscope plan JSON ("quantscope_plan" key) goes through
// rules_from_plan; otherwise by content (llama: a script when it names llama-quantize or
// --tensor-type, else a tensor-type file).
Result<RuleSet> read_rules_file(const std::filesystem::path& path, Tool tool,
                                const exporter::ExportOptions& options = {});

}  // namespace qs::lint
