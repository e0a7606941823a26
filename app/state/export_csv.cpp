// CSV writers; see export_csv.hpp.
#include "app/state/export_csv.hpp"

#include "app/state/spec_fields.hpp"
#include "core/io/model_index.hpp"

#include <fmt/format.h>

namespace qs::app {

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
    std::string o = "\"";
    for (char c : s) {
        if (c == '"') o += '"';
        o += c;
    }
    return o + "\"";
}

namespace {

void hist_rows(std::string& o, const char* series, const quant::Histogram& h) {
    const double w = h.bin_width();
    for (size_t i = 0; i < h.counts.size(); ++i)
        o += fmt::format("{},{},{:.9g},{:.9g},{}\n", series, i, h.lo + double(i) * w, h.lo + double(i + 1) * w,
                         h.counts[i]);
}

}  // namespace

std::string histogram_csv(const quant::QuantResult& a, const quant::QuantResult* b) {
    // Long format: the error histogram has its own bins, and B may too.
    std::string o = "series,bin,lo,hi,count\n";
    hist_rows(o, "original", a.hist_orig);
    hist_rows(o, "dequantized", a.hist_deq);
    hist_rows(o, "error", a.hist_err);
    if (b) {
        hist_rows(o, "dequantized_b", b->hist_deq);
        hist_rows(o, "error_b", b->hist_err);
    }
    return o;
}

std::string groups_csv(const quant::QuantResult& a) {
    std::string o = "group,scale,zero_point,mse,clip_lo,clip_hi\n";
    auto at = [](const std::vector<float>& v, size_t i) { return i < v.size() ? double(v[i]) : 0.0; };
    for (size_t i = 0; i < a.n_groups; ++i)
        o += fmt::format("{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}\n", i, at(a.group_scale, i), at(a.group_zero_point, i),
                         at(a.group_mse, i), at(a.group_clip_lo, i), at(a.group_clip_hi, i));
    return o;
}

std::string metrics_csv(const quant::QuantResult& a, const quant::QuantResult* b) {
    std::string o = b ? "metric,a,b\n" : "metric,value\n";
    auto row = [&](const char* name, double va, double vb) {
        o += b ? fmt::format("{},{:.9g},{:.9g}\n", name, va, vb) : fmt::format("{},{:.9g}\n", name, va);
    };
    const quant::QuantResult& z = b ? *b : a;
    o += fmt::format("tensor,{}{}\n", csv_field(a.tensor), b ? "," + csv_field(b->tensor) : "");
    o += fmt::format("spec,{}{}\n", csv_field(describe_spec(a.spec)), b ? "," + csv_field(describe_spec(b->spec)) : "");
    row("numel", double(a.numel), double(z.numel));
    row("sqnr_db", a.sqnr_db, z.sqnr_db);
    row("mse", a.mse, z.mse);
    row("max_abs_err", a.max_abs_err, z.max_abs_err);
    row("cosine", a.cosine, z.cosine);
    row("rel_fro_err", a.rel_fro_err, z.rel_fro_err);
    row("bits_per_weight", a.bits_per_weight, z.bits_per_weight);
    row("bytes", double(a.bytes), double(z.bytes));
    row("levels", double(a.levels), double(z.levels));
    row("codes_used", double(a.codes_used), double(z.codes_used));
    row("code_entropy_bits", a.code_entropy_bits, z.code_entropy_bits);
    row("clipped_fraction", a.clipped_fraction, z.clipped_fraction);
    row("outliers_kept", double(a.outliers_kept), double(z.outliers_kept));
    row("n_groups", double(a.n_groups), double(z.n_groups));
    return o;
}

std::string sweep_csv(const SweepTable& t) {
    std::string o = "index,tensor,shape,numel,stored_bytes,ok,sqnr_db,mse,max_abs_err,cosine,bits_per_weight,bytes,"
                    "clipped_fraction,error\n";
    for (const auto& r : t.rows)
        o += fmt::format("{},{},{},{},{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{:.9g},{}\n", r.index,
                         csv_field(r.name), csv_field(io::shape_string(r.shape)), r.numel, r.stored_bytes,
                         r.ok ? 1 : 0, r.sqnr_db, r.mse, r.max_abs_err, r.cosine, r.bits_per_weight, r.bytes,
                         r.clipped_fraction, csv_field(r.error));
    return o;
}

}  // namespace qs::app
