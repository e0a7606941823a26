// The Learn menu and window dispatch (lessons.hpp), demo asset loading and the
// data-source picker shared by the tensor lessons.
#include "app/lessons/lessons.hpp"

#include "app/lessons/lessons_impl.hpp"

#include "core/nn/evaluate.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace qs::app::lessons {

namespace {

struct Entry {
    LessonId id;
    const char* title;
    const char* key;
};
constexpr Entry kEntries[] = {
    {LessonId::Formats, "1. Number formats", "formats"},
    {LessonId::ScaleZero, "2. Scale and zero point", "scale"},
    {LessonId::SymAsym, "3. Symmetric vs asymmetric", "symmetric"},
    {LessonId::Clipping, "4. Clipping vs rounding error", "clipping"},
    {LessonId::Rounding, "5. Rounding modes", "rounding"},
    {LessonId::Granularity, "6. Granularity", "granularity"},
    {LessonId::NonUniform, "7. Non-uniform grids", "nonuniform"},
    {LessonId::Outliers, "8. Outliers", "outliers"},
    {LessonId::MixedPrecision, "9. Mixed precision (Hessian)", "mixed"},
    {LessonId::WhyQuantize, "10. Why quantize: memory and energy", "why"},
    {LessonId::LiveAccuracy, "Demo model: live accuracy", "accuracy"},
    {LessonId::Qat, "Demo model: PTQ vs QAT", "qat"},
};

std::filesystem::path asset_dir() {
#ifdef QS_SOURCE_DIR
    const std::filesystem::path src = QS_SOURCE_DIR;
    if (std::filesystem::exists(src / "assets")) return src / "assets";
#endif
    return "assets";
}

}  // namespace

const char* lesson_title(LessonId id) {
    for (const auto& e : kEntries)
        if (e.id == id) return e.title;
    return "?";
}

bool lesson_from_name(const std::string& name, LessonId& out, bool& all) {
    all = name == "all";
    if (all) return true;
    for (const auto& e : kEntries)
        if (name == e.key) {
            out = e.id;
            return true;
        }
    return false;
}

const DemoAssets& LessonsImpl::assets() {
    if (demo.tried) return demo;
    demo.tried = true;
    const auto dir = asset_dir();
    auto m = nn::load_model(dir / "demo" / "mlp.safetensors");
    if (!m) {
        demo.error = m.error().message;
        return demo;
    }
    auto d = nn::load_digits_split(dir / "digits" / "digits.csv.gz");
    if (!d) {
        demo.error = d.error().message;
        return demo;
    }
    demo.model = std::move(*m);
    demo.data = std::move(*d);
    nn::EvalOptions eo;
    eo.threads = 1;
    if (auto e = nn::evaluate(*demo.model, demo.data->test, eo)) demo.float_accuracy = e->accuracy;
    return demo;
}

bool data_source_combo(LessonsImpl& L, DataSource& src, const LessonInput& in, const char* synthetic_label,
                       const std::function<void(DataSource&)>& synthetic) {
    std::vector<std::string> names{std::string("synthetic: ") + synthetic_label};
    const DemoAssets& a = L.assets();
    std::vector<const nn::ParamInfo*> weights;
    if (a.ok())
        for (const auto& p : a.model->arch.params)
            if (p.is_weight) {
                weights.push_back(&p);
                names.push_back("demo MLP: " + p.name);
            }
    const bool have_input = !in.tensor.empty();
    if (have_input) names.push_back("explorer: " + in.tensor_name);
    int choice = std::min<int>(src.choice, int(names.size()) - 1);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
    if (ImGui::BeginCombo("data", names[size_t(choice)].c_str())) {
        for (int i = 0; i < int(names.size()); ++i)
            if (ImGui::Selectable(names[size_t(i)].c_str(), i == choice)) choice = i;
        ImGui::EndCombo();
    }
    uint64_t key = mix_key(uint64_t(choice) + 1, 0);
    if (have_input && choice == int(names.size()) - 1)
        key = mix_key(key, reinterpret_cast<uintptr_t>(in.tensor.data()) ^ in.tensor.size());
    if (key == src.key && !src.values.empty()) return false;
    src.choice = choice;
    src.key = key;
    src.values.clear();
    src.rows = 1;
    if (choice == 0) {
        synthetic(src);
    } else if (choice <= int(weights.size())) {
        const nn::ParamInfo* p = weights[size_t(choice - 1)];
        const auto w = a.model->param(*p);
        src.values.assign(w.begin(), w.end());
        src.rows = p->shape[0];
        src.label = p->name;
    } else {
        // A big tensor is subsampled by rows (at most 65,536 values) so every lesson stays interactive.
        const int64_t rows = in.shape.size() >= 2 ? in.shape[0] : 1;
        const int64_t cols = rows > 0 ? int64_t(in.tensor.size()) / rows : 0;
        const int64_t keep_rows = std::max<int64_t>(1, std::min<int64_t>(rows, 65536 / std::max<int64_t>(cols, 1)));
        const int64_t keep_cols = std::min<int64_t>(cols, 65536);
        for (int64_t r = 0; r < keep_rows; ++r)
            for (int64_t c = 0; c < keep_cols; ++c) src.values.push_back(in.tensor[size_t(r * cols + c)]);
        src.rows = keep_rows;
        src.label = in.tensor_name;
    }
    if (src.values.empty()) src.values.push_back(0.0f);
    src.cols = int64_t(src.values.size()) / std::max<int64_t>(src.rows, 1);
    return true;
}

Lessons::Lessons() : impl_(std::make_unique<LessonsImpl>()) {}
Lessons::~Lessons() = default;

void Lessons::draw_menu_items() {
    for (const auto& e : kEntries) {
        if (e.id == LessonId::LiveAccuracy) ImGui::Separator();
        bool& o = impl_->open[size_t(e.id)];
        if (ImGui::MenuItem(e.title, nullptr, o)) o = !o;
    }
    ImGui::Separator();
    ImGui::MenuItem("Presenter mode (large text)", nullptr, &impl_->style.presenter);
    if (ImGui::MenuItem("Close all lessons")) impl_->open.fill(false);
}

void Lessons::draw(const LessonInput& in) {
    for (int i = 0; i < int(LessonId::Count); ++i)
        if (impl_->open[size_t(i)]) draw_one(LessonId(i), &impl_->open[size_t(i)], in);
}

void Lessons::draw_one(LessonId id, bool* open, const LessonInput& in) {
    LessonsImpl& L = *impl_;
    switch (id) {
        case LessonId::Formats: draw_formats(L, open); break;
        case LessonId::ScaleZero: draw_scale_zero(L, open); break;
        case LessonId::SymAsym: draw_sym_asym(L, in, open); break;
        case LessonId::Clipping: draw_clipping(L, in, open); break;
        case LessonId::Rounding: draw_rounding(L, in, open); break;
        case LessonId::Granularity: draw_granularity(L, in, open); break;
        case LessonId::NonUniform: draw_nonuniform(L, in, open); break;
        case LessonId::Outliers: draw_outliers(L, in, open); break;
        case LessonId::MixedPrecision: draw_mixed_precision(L, open); break;
        case LessonId::WhyQuantize: draw_why_quantize(L, open); break;
        case LessonId::LiveAccuracy: draw_live_accuracy(L, in, open); break;
        case LessonId::Qat: draw_qat(L, open); break;
        case LessonId::Count: break;
    }
}

void Lessons::open(LessonId id, bool on) { impl_->open[size_t(id)] = on; }
bool Lessons::is_open(LessonId id) const { return impl_->open[size_t(id)]; }
void Lessons::set_presenter(bool on) { impl_->style.presenter = on; }
bool Lessons::presenter() const { return impl_->style.presenter; }

void Lessons::wait_idle() {
    impl_->mixed.job.wait();
    impl_->qat.job.wait();
}

}  // namespace qs::app::lessons
