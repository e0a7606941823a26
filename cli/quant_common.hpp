// What `quant` and `compare` share: picking tensors by name, glob or regex,
// decoding them into a reused buffer, the progress bar, and number formatting.
#pragma once

#include "core/io/model_index.hpp"
#include "core/quant/result.hpp"
#include "core/util/result.hpp"

#include <memory>
#include <string>
#include <vector>

namespace qs::cli {

// Tensor indices matching any pattern, in file order. A pattern is an exact name,
// a glob (* ? [...]) or, with a "re:" prefix, a regular expression that must match
// the whole name. Error (naming the pattern and a few tensor names) when a
// pattern matches nothing.
Result<std::vector<size_t>> select_tensors(const io::ModelIndex& m, const std::vector<std::string>& patterns);

// All tensors with floating-point storage (what --all quantizes); others are listed in `skipped`.
std::vector<size_t> float_tensors(const io::ModelIndex& m, std::vector<size_t>* skipped);

// Decodes tensor `index` into `buf` (grown, never shrunk, so --all reuses one buffer).
Status decode_into(const io::ModelIndex& m, size_t index, std::vector<float>& buf);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
public:
    explicit ProgressBar(uint64_t total);
    ~ProgressBar();
    void update(uint64_t done, const std::string& label);

private:
    uint64_t total_;
    bool tty_;
};

std::string fmt_sci(double v);   // 1.234e-05, "inf", "-inf", "nan"
std::string fmt_db(double v);    // 23.41, "inf"
std::string fmt_pct(double v);   // fraction -> "0.12%"

}  // namespace qs::cli
