// Shared helpers of `quant` and `compare` (quant_common.hpp).
#include "cli/quant_common.hpp"

#include "core/io/decode.hpp"
#include "core/io/dtype.hpp"

#include <fmt/core.h>
#include <fnmatch.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <new>
#include <regex>

namespace qs::cli {

Result<std::vector<size_t>> select_tensors(const io::ModelIndex& m, const std::vector<std::string>& patterns) {
    std::vector<bool> chosen(m.tensors.size(), false);
    for (const auto& p : patterns) {
        bool any = false;
        const int64_t exact = m.find(p);
        if (exact >= 0) {
            chosen[size_t(exact)] = true;
            continue;
        }
        if (p.rfind("re:", 0) == 0) {
            std::regex re;
            try {
                re = std::regex(p.substr(3), std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                return make_error("--tensor '{}': not a valid regular expression ({})", p, e.what());
            }
            for (size_t i = 0; i < m.tensors.size(); ++i)
                if (std::regex_match(m.tensors[i].name, re)) chosen[i] = any = true;
        } else {
            for (size_t i = 0; i < m.tensors.size(); ++i)
                if (fnmatch(p.c_str(), m.tensors[i].name.c_str(), 0) == 0) chosen[i] = any = true;
        }
        if (!any) {
            std::string some;
            for (size_t i = 0; i < m.tensors.size() && i < 5; ++i) some += (i ? ", " : "") + m.tensors[i].name;
            if (m.tensors.size() > 5) some += ", ...";
            return make_error("{}: no tensor matches '{}' (tensors: {})", m.path, p, some.empty() ? "none" : some);
        }
    }
    std::vector<size_t> out;
    for (size_t i = 0; i < chosen.size(); ++i)
        if (chosen[i]) out.push_back(i);
    return out;
}

std::vector<size_t> float_tensors(const io::ModelIndex& m, std::vector<size_t>* skipped) {
    std::vector<size_t> out;
    for (size_t i = 0; i < m.tensors.size(); ++i) {
        const auto& info = io::dtype_info(m.tensors[i].dtype);
        if (info.is_float && info.decode) out.push_back(i);
        else if (skipped) skipped->push_back(i);
    }
    return out;
}

Status decode_into(const io::ModelIndex& m, size_t index, std::vector<float>& buf) {
    const auto& t = m.tensors[index];
    const uint64_t n = t.numel();
    try {
        if (buf.size() < n) buf.resize(n);
    } catch (const std::bad_alloc&) {
        return make_error("{}: tensor '{}': not enough memory to decode {} values", m.path, t.name, n);
    }
    Status st = io::decode_tensor(m, index, std::span<float>(buf.data(), n));
    io::release_tensor_pages(m, index);  // streaming: resident memory stays flat over the model
    return st;
}

ProgressBar::ProgressBar(uint64_t total) : total_(total), tty_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
}

void ProgressBar::update(uint64_t done, const std::string& label) {
    if (!tty_ || total_ == 0) return;
    constexpr int kWidth = 30;
    const int filled = int(double(done) / double(total_) * kWidth);
    std::string bar(size_t(filled), '#');
    bar.resize(kWidth, '.');
    std::string name = label.size() > 50 ? "..." + label.substr(label.size() - 47) : label;
    std::fprintf(stderr, "\r\033[K%5llu/%llu [%s] %s", (unsigned long long)done, (unsigned long long)total_,
                 bar.c_str(), name.c_str());
    std::fflush(stderr);
}

std::string fmt_sci(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt::format("{:.4g}", v);
}

std::string fmt_db(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt::format("{:.2f}", v);
}

std::string fmt_pct(double v) { return fmt::format("{:.3g}%", 100.0 * v); }

}  // namespace qs::cli
