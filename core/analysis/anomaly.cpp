// Anomaly flags (anomaly.hpp): one streaming pass of per-channel moments merged
// into the tensor's (Pebay's pairwise update, so kurtosis stays accurate without
// a second pass over memory), then one quantize pass for saturation and codes.
#include "core/analysis/anomaly.hpp"

#include "core/io/decode.hpp"
#include "core/quant/formats.hpp"
#include "core/quant/layout.hpp"
#include "core/quant/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

namespace qs::analysis {

std::string_view anomaly_kind_name(AnomalyKind k) {
    switch (k) {
        case AnomalyKind::NonFinite: return "nonfinite";
        case AnomalyKind::DecodeError: return "decode_error";
        case AnomalyKind::Denormal: return "denormal";
        case AnomalyKind::DeadChannel: return "dead_channel";
        case AnomalyKind::HeavyTails: return "heavy_tails";
        case AnomalyKind::Saturation: return "saturation";
        case AnomalyKind::UnusedCodes: return "unused_codes";
    }
    return "?";
}

std::string_view severity_name(Severity s) {
    switch (s) {
        case Severity::Info: return "info";
        case Severity::Warning: return "warning";
        case Severity::Error: return "error";
    }
    return "?";
}

std::optional<float> source_min_normal(io::DType t) {
    switch (t) {
        case io::DType::F32:
        case io::DType::BF16: return std::ldexp(1.0f, -126);
        case io::DType::F16: return std::ldexp(1.0f, -14);
        case io::DType::F8_E4M3: return std::ldexp(1.0f, -6);        // bias 7
        case io::DType::F8_E5M2: return std::ldexp(1.0f, -14);       // bias 15
        case io::DType::F8_E4M3FNUZ: return std::ldexp(1.0f, -7);    // bias 8
        case io::DType::F8_E5M2FNUZ: return std::ldexp(1.0f, -15);   // bias 16
        default: return std::nullopt;
    }
}

std::optional<Severity> TensorReport::worst() const {
    std::optional<Severity> w;
    for (const auto& f : flags)
        if (!w || f.severity > *w) w = f.severity;
    return w;
}

uint64_t ModelReport::count(Severity s) const {
    uint64_t n = 0;
    for (const auto& t : tensors)
        for (const auto& f : t.flags) n += f.severity == s;
    return n;
}

uint64_t ModelReport::flagged() const {
    uint64_t n = 0;
    for (const auto& t : tensors) n += !t.flags.empty();
    return n;
}

namespace {

// Central moments of a set of values: n, mean, M_k = sum (x - mean)^k.
struct Moments {
    double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;
};

// Two passes over a chunk that sits in cache (a row), finite values only.
Moments chunk_moments(const float* x, uint64_t n) {
    Moments m;
    double sum = 0;
    uint64_t k = 0;
    for (uint64_t i = 0; i < n; ++i)
        if (std::isfinite(x[i])) {
            sum += double(x[i]);
            ++k;
        }
    if (k == 0) return m;
    m.n = double(k);
    m.mean = sum / m.n;
    for (uint64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) continue;
        const double d = double(x[i]) - m.mean, d2 = d * d;
        m.m2 += d2;
        m.m3 += d2 * d;
        m.m4 += d2 * d2;
    }
    return m;
}

// Pebay (2008), "Formulas for robust, one-pass parallel computation of
// covariances and arbitrary-order statistical moments", eq. 2.1-2.3.
void merge(Moments& a, const Moments& b) {
    if (b.n == 0) return;
    if (a.n == 0) {
        a = b;
        return;
    }
    const double na = a.n, nb = b.n, n = na + nb;
    const double d = b.mean - a.mean, d2 = d * d;
    const double m4 = a.m4 + b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                      6.0 * d2 * (na * na * b.m2 + nb * nb * a.m2) / (n * n) + 4.0 * d * (na * b.m3 - nb * a.m3) / n;
    const double m3 = a.m3 + b.m3 + d2 * d * na * nb * (na - nb) / (n * n) + 3.0 * d * (na * b.m2 - nb * a.m2) / n;
    const double m2 = a.m2 + b.m2 + d2 * na * nb / n;
    a.mean += d * nb / n;
    a.m2 = m2;
    a.m3 = m3;
    a.m4 = m4;
    a.n = n;
}

std::string fmt_num(double v) { return fmt::format("{:.4g}", v); }
std::string fmt_pct(double v) { return fmt::format("{:.3g}%", 100.0 * v); }

// The channel list of a flag: indices whose score is worst first, capped.
std::vector<int64_t> worst_channels(std::vector<std::pair<double, int64_t>> scored, uint64_t cap, bool larger_is_worse) {
    std::stable_sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
        return larger_is_worse ? a.first > b.first : a.first < b.first;
    });
    std::vector<int64_t> out;
    for (size_t i = 0; i < scored.size() && i < cap; ++i) out.push_back(scored[i].second);
    return out;
}

// How far past its threshold a flag is (>= 1), for ordering.
double excess(const Anomaly& a) {
    if (a.kind == AnomalyKind::DeadChannel) return a.value > 0 ? a.threshold / a.value : 1e300;
    return a.threshold > 0 ? a.value / a.threshold : a.value + 1.0;
}

bool flag_before(const Anomaly& a, const Anomaly& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return excess(a) > excess(b);
}

struct QuantFindings {
    double saturated = 0, worst_channel_sat = 0;
    int64_t worst_sat_channel = -1;
    std::vector<std::pair<double, int64_t>> sat_channels;  // (fraction, channel) over the threshold
    uint64_t levels = 0;
    double unused = 0, worst_channel_unused = 0;
    int64_t worst_unused_channel = -1;
    std::vector<std::pair<double, int64_t>> unused_channels;
    bool judged_tensor_codes = false;
};

// Quantizes once under `spec` (codes kept when there are channels) and measures
// saturation against each group's clip range and code usage per channel.
Result<QuantFindings> quant_findings(std::span<const float> data, std::span<const int64_t> shape,
                                     const quant::QuantSpec& spec, uint64_t channels, const AnomalyThresholds& th,
                                     const Progress& progress) {
    QuantFindings f;
    const uint64_t n = data.size();
    std::vector<int32_t> codes(channels >= 2 ? n : 0);
    quant::QuantOptions qo;
    qo.hist_bins = 0;
    qo.codes_out = codes;
    // No progress handed down: quantize() would report element counts into our tensor counts.
    auto r = quant::quantize(quant::TensorView{data, shape, ""}, spec, qo);
    if (!r) return r.error();
    const quant::Layout layout = quant::make_layout(shape, spec);
    const bool have_groups = r->group_clip_lo.size() == layout.n_groups && r->group_clip_hi.size() == layout.n_groups &&
                             layout.n_groups > 0;
    const uint64_t row = channels >= 2 ? n / channels : n;
    const uint64_t rows = channels >= 2 ? channels : 1;

    // Codes: the grid's levels and which of them occur.
    f.levels = r->levels;
    const size_t hist_size = r->code_hist.size();
    if (f.levels > 0) {
        f.unused = 1.0 - double(std::min(r->codes_used, f.levels)) / double(f.levels);
        f.judged_tensor_codes = double(n) >= th.min_samples_per_level * double(f.levels);
    }
    const bool judge_channel_codes = !codes.empty() && f.levels > 0 && hist_size > 0 &&
                                     double(row) >= th.min_samples_per_level * double(f.levels);
    std::vector<uint8_t> seen(judge_channel_codes ? hist_size : 0, 0);
    std::vector<uint32_t> touched;

    uint64_t sat_total = 0, finite_total = 0;
    for (uint64_t c = 0; c < rows; ++c) {
        if ((c & 255) == 0 && progress.cancelled()) return make_error("cancelled");
        uint64_t sat = 0, fin = 0;
        const uint64_t base = c * row;
        for (uint64_t i = 0; i < row; ++i) {
            const float x = data[base + i];
            if (!std::isfinite(x)) continue;
            const bool outlier = !codes.empty() && codes[base + i] == quant::kNoCode;
            if (outlier) continue;  // kept in full precision: never clipped
            ++fin;
            if (have_groups) {
                const uint64_t g = layout.n_groups == 1 ? 0 : layout.group_of(base + i);
                sat += x < r->group_clip_lo[g] || x > r->group_clip_hi[g];
            }
            if (judge_channel_codes) {
                const int64_t k = int64_t(codes[base + i]) - r->code_offset;
                if (k >= 0 && uint64_t(k) < hist_size && !seen[size_t(k)]) {
                    seen[size_t(k)] = 1;
                    touched.push_back(uint32_t(k));
                }
            }
        }
        sat_total += sat;
        finite_total += fin;
        if (channels >= 2 && fin > 0) {
            const double fs = double(sat) / double(fin);
            if (fs > f.worst_channel_sat) {
                f.worst_channel_sat = fs;
                f.worst_sat_channel = int64_t(c);
            }
            if (fs > th.saturation_channel) f.sat_channels.emplace_back(fs, int64_t(c));
        }
        if (judge_channel_codes) {
            const double un = 1.0 - double(std::min<uint64_t>(touched.size(), f.levels)) / double(f.levels);
            if (f.worst_unused_channel < 0 || un > f.worst_channel_unused) {
                f.worst_channel_unused = un;
                f.worst_unused_channel = int64_t(c);
            }
            if (un > th.unused_codes_channel) f.unused_channels.emplace_back(un, int64_t(c));
            for (uint32_t k : touched) seen[k] = 0;
            touched.clear();
        }
    }
    f.saturated = finite_total ? double(sat_total) / double(finite_total) : 0.0;
    return f;
}

}  // namespace

Result<TensorReport> check_tensor(std::span<const float> data, std::span<const int64_t> shape, io::DType source,
                                  std::string_view name, const quant::QuantSpec* spec, const AnomalyThresholds& th,
                                  const Progress& progress) {
    TensorReport rep;
    rep.name = std::string(name);
    rep.dtype = source;
    rep.shape.assign(shape.begin(), shape.end());
    TensorStats& s = rep.stats;
    const uint64_t n = data.size();
    s.numel = n;
    uint64_t expect = 1;
    for (int64_t d : shape) {
        if (d < 0) return make_error("tensor '{}': negative dimension", name);
        expect *= uint64_t(d);
    }
    if (expect != n) return make_error("tensor '{}': {} values for shape {}", name, n, io::shape_string(rep.shape));

    // Channels are the rows along axis 0; rank < 2 tensors are judged whole.
    const uint64_t channels = shape.size() >= 2 && shape[0] >= 1 ? uint64_t(shape[0]) : 0;
    s.channels = channels;
    const uint64_t rows = channels ? channels : (n + 65535) / 65536;   // 1-D: 64K chunks for the moments
    const uint64_t row_len = channels ? (channels ? n / channels : 0) : 65536;

    const std::optional<float> min_normal = source_min_normal(source);
    s.denormals_counted = min_normal.has_value();
    const uint32_t min_normal_bits = min_normal ? std::bit_cast<uint32_t>(*min_normal) : 0;

    Moments total;
    std::vector<double> row_std(channels, -1.0);  // -1: no finite value in the row
    double mn = INFINITY, mx = -INFINITY;
    int64_t mn_row = -1, mx_row = -1;
    for (uint64_t r = 0; r < rows; ++r) {
        if ((r & 63) == 0 && progress.cancelled()) return make_error("cancelled");
        const uint64_t begin = r * row_len, len = std::min(row_len, n - begin);
        const float* x = data.data() + begin;
        for (uint64_t i = 0; i < len; ++i) {
            const float v = x[i];
            // Bit tests, not float compares: a DAZ/FTZ mode must not hide subnormals.
            const uint32_t ax = std::bit_cast<uint32_t>(v) & 0x7FFFFFFFu;
            if (ax >= 0x7F800000u) {
                if (ax > 0x7F800000u) ++s.nan;
                else if (v > 0) ++s.pos_inf;
                else ++s.neg_inf;
                continue;
            }
            if (ax != 0 && ax < min_normal_bits) ++s.denormals;
            if (v < mn) {
                mn = v;
                mn_row = int64_t(r);
            }
            if (v > mx) {
                mx = v;
                mx_row = int64_t(r);
            }
        }
        const Moments m = chunk_moments(x, len);
        if (channels && m.n > 0) row_std[r] = std::sqrt(m.m2 / m.n);
        merge(total, m);
    }
    s.finite = uint64_t(total.n);
    if (s.finite > 0) {
        s.min = mn;
        s.max = mx;
        s.mean = total.mean;
        s.std = std::sqrt(total.m2 / total.n);
        if (total.m2 > 0) {
            s.excess_kurtosis = total.n * total.m4 / (total.m2 * total.m2) - 3.0;
            const double dev_hi = mx - s.mean, dev_lo = s.mean - mn;
            s.max_over_std = std::max(dev_hi, dev_lo) / s.std;
            if (channels) s.argmax_channel = dev_hi >= dev_lo ? mx_row : mn_row;
        }
    }

    auto add = [&](AnomalyKind k, Severity sev, double value, double threshold, std::vector<int64_t> chans,
                   uint64_t chan_count, std::string msg) {
        rep.flags.push_back(Anomaly{k, sev, value, threshold, std::move(chans), chan_count, std::move(msg)});
    };

    // NaN / Inf: always an error, whatever the size.
    const uint64_t nonfinite = s.nan + s.pos_inf + s.neg_inf;
    if (nonfinite > 0)
        add(AnomalyKind::NonFinite, Severity::Error, double(nonfinite), 0.0, {}, 0,
            fmt::format("{} non-finite values in the file ({} NaN, {} +Inf, {} -Inf)", nonfinite, s.nan, s.pos_inf,
                        s.neg_inf));
    if (s.denormals_counted && th.denormal_count > 0 && s.denormals >= th.denormal_count)
        add(AnomalyKind::Denormal, Severity::Info, double(s.denormals), double(th.denormal_count), {}, 0,
            fmt::format("{} subnormal {} values ({} of the tensor): below the smallest normal {}", s.denormals,
                        io::dtype_name(source), fmt_pct(double(s.denormals) / double(std::max<uint64_t>(n, 1))),
                        fmt_num(*min_normal)));

    const bool big_enough = s.finite >= th.min_elements;
    // Dead / near-constant channels: their per-channel scale collapses towards zero.
    if (big_enough && channels >= 2 && row_len >= 2) {
        std::vector<std::pair<double, int64_t>> dead;
        double worst = INFINITY;
        uint64_t exact = 0;
        for (uint64_t c = 0; c < channels; ++c) {
            if (row_std[c] < 0) continue;
            const double ratio = s.std > 0 ? row_std[c] / s.std : 0.0;
            worst = std::min(worst, ratio);
            if (ratio < th.dead_channel_ratio) {
                dead.emplace_back(ratio, int64_t(c));
                exact += row_std[c] == 0.0;
            }
        }
        s.min_channel_std_ratio = std::isfinite(worst) ? worst : 0.0;
        s.dead_channels = dead.size();
        if (!dead.empty())
            add(AnomalyKind::DeadChannel, Severity::Warning, s.min_channel_std_ratio, th.dead_channel_ratio,
                worst_channels(dead, th.max_channels_listed, false), dead.size(),
                fmt::format("{} of {} channels near-constant (std < {} x the tensor's), {} exactly constant: "
                            "their per-channel scales collapse towards zero",
                            dead.size(), channels, fmt_num(th.dead_channel_ratio), exact));
    }

    // Heavy tails: one clip range cannot serve both the bulk and the tail.
    if (big_enough && s.std > 0) {
        std::vector<int64_t> at;
        if (s.argmax_channel >= 0) at.push_back(s.argmax_channel);
        if (s.excess_kurtosis > th.excess_kurtosis)
            add(AnomalyKind::HeavyTails, Severity::Warning, s.excess_kurtosis, th.excess_kurtosis, {}, 0,
                fmt::format("excess kurtosis {} (Gaussian 0, Laplace 3)", fmt_num(s.excess_kurtosis)));
        if (s.max_over_std > th.max_over_std)
            add(AnomalyKind::HeavyTails, Severity::Warning, s.max_over_std, th.max_over_std, at, at.empty() ? 0 : 1,
                fmt::format("max |x - mean| is {} std{}", fmt_num(s.max_over_std),
                            at.empty() ? "" : fmt::format(" (channel {})", at[0])));
    }

    // Under the spec: saturation and unused codes.
    if (spec) {
        if (Status v = quant::validate(*spec, shape); !v) {
            s.quant_note = v.message();
        } else if (s.finite == 0) {
            s.quant_note = "no finite values";
        } else {
            auto q = quant_findings(data, shape, *spec, channels, th, progress);
            if (!q) {
                if (progress.cancelled()) return make_error("cancelled");
                s.quant_note = q.message();
            } else {
                s.quantized = true;
                s.saturated_fraction = q->saturated;
                s.worst_channel_saturation = q->worst_channel_sat;
                s.worst_saturation_channel = q->worst_sat_channel;
                s.levels = q->levels;
                s.unused_codes_fraction = q->unused;
                s.worst_channel_unused = q->worst_channel_unused;
                s.worst_unused_channel = q->worst_unused_channel;
                const std::string st = quant::to_text(*spec);
                if (s.saturated_fraction > th.saturation_tensor)
                    add(AnomalyKind::Saturation, Severity::Warning, s.saturated_fraction, th.saturation_tensor, {}, 0,
                        fmt::format("{} of the values lie outside the clip range under {}",
                                    fmt_pct(s.saturated_fraction), st));
                if (!q->sat_channels.empty())
                    add(AnomalyKind::Saturation, Severity::Warning, s.worst_channel_saturation, th.saturation_channel,
                        worst_channels(q->sat_channels, th.max_channels_listed, true), q->sat_channels.size(),
                        fmt::format("{} channels clip more than {} of their values under {} (worst: channel {}, {})",
                                    q->sat_channels.size(), fmt_pct(th.saturation_channel), st,
                                    s.worst_saturation_channel, fmt_pct(s.worst_channel_saturation)));
                if (big_enough && q->judged_tensor_codes && s.unused_codes_fraction > th.unused_codes_tensor)
                    add(AnomalyKind::UnusedCodes, Severity::Warning, s.unused_codes_fraction, th.unused_codes_tensor,
                        {}, 0,
                        fmt::format("{} of the {} levels of {} are never used in the tensor",
                                    fmt_pct(s.unused_codes_fraction), s.levels, st));
                if (big_enough && !q->unused_channels.empty())
                    add(AnomalyKind::UnusedCodes, Severity::Warning, s.worst_channel_unused, th.unused_codes_channel,
                        worst_channels(q->unused_channels, th.max_channels_listed, true), q->unused_channels.size(),
                        fmt::format("{} channels leave more than {} of the {} levels unused (worst: channel {}, {})",
                                    q->unused_channels.size(), fmt_pct(th.unused_codes_channel), s.levels,
                                    s.worst_unused_channel, fmt_pct(s.worst_channel_unused)));
            }
        }
    }
    std::stable_sort(rep.flags.begin(), rep.flags.end(), flag_before);
    return rep;
}

void sort_worst_first(std::vector<TensorReport>& reports) {
    auto key = [](const TensorReport& t) {
        const auto w = t.worst();
        const int sev = w ? int(*w) + 1 : 0;
        const double ex = t.flags.empty() ? 0.0 : excess(t.flags.front());
        return std::pair<int, double>(sev, ex);
    };
    std::stable_sort(reports.begin(), reports.end(), [&](const TensorReport& a, const TensorReport& b) {
        const auto ka = key(a), kb = key(b);
        if (ka.first != kb.first) return ka.first > kb.first;
        if (ka.second != kb.second) return ka.second > kb.second;
        return a.index < b.index;
    });
}

Result<TensorOutcome> check_model_tensor(const std::shared_ptr<const io::ModelIndex>& model, size_t idx,
                                         const ModelCheckOptions& opts, const Progress& progress) {
    if (!model) return make_error("no model");
    if (idx >= model->tensors.size()) return make_error("{}: no tensor #{}", model->path, idx);
    const io::TensorInfo& t = model->tensors[idx];
    const io::DTypeInfo& di = io::dtype_info(t.dtype);
    TensorOutcome out;
    if (!di.is_float || !di.decode) {
        out.skipped = ModelReport::Skipped{t.name, di.decode ? fmt::format("{} is not a floating-point dtype", di.name)
                                                             : fmt::format("no decoder for {}", di.name)};
        return out;
    }
    auto fail = [&](const std::string& msg) {
        TensorReport tr;
        tr.name = t.name;
        tr.index = idx;
        tr.dtype = t.dtype;
        tr.shape = t.shape;
        tr.stats.numel = t.numel();
        tr.flags.push_back(Anomaly{AnomalyKind::DecodeError, Severity::Error, 0.0, 0.0, {}, 0, msg});
        out.report = std::move(tr);
        return out;
    };
    std::vector<float> owned;
    io::FloatTensorPtr cached;
    std::span<const float> data;
    if (opts.cache) {
        auto g = opts.cache->get(model, idx);
        if (!g) return fail(g.message());
        cached = *g;
        data = cached->data;
    } else {
        auto g = io::decode_tensor_capped(*model, idx, opts.max_decode_bytes);
        if (!g) return fail(g.message());
        owned = std::move(*g);
        data = owned;
    }
    if (progress.cancelled()) return make_error("cancelled");
    auto tr = check_tensor(data, t.shape, t.dtype, t.name, opts.spec ? &*opts.spec : nullptr, opts.thresholds, progress);
    if (progress.cancelled()) return make_error("cancelled");
    if (!tr) return fail(tr.message());
    tr->index = idx;
    out.report = std::move(*tr);
    return out;
}

Result<ModelReport> check_model(const std::shared_ptr<const io::ModelIndex>& model, const ModelCheckOptions& opts,
                                const Progress& progress) {
    if (!model) return make_error("no model");
    ModelReport rep;
    rep.path = model->path;
    rep.format = model->format;
    rep.spec = opts.spec;
    rep.thresholds = opts.thresholds;
    std::vector<size_t> which = opts.tensors;
    if (which.empty())
        for (size_t i = 0; i < model->tensors.size(); ++i) which.push_back(i);
    progress.set_total(which.size());
    for (size_t k = 0; k < which.size(); ++k) {
        if (!progress.update(k)) return make_error("cancelled");
        auto one = check_model_tensor(model, which[k], opts, progress);
        if (!one) return one.error();
        if (one->report) rep.tensors.push_back(std::move(*one->report));
        if (one->skipped) rep.skipped.push_back(std::move(*one->skipped));
    }
    progress.update(which.size());
    sort_worst_first(rep.tensors);
    return rep;
}

}  // namespace qs::analysis
