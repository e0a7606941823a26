// Demo model panel: PTQ vs QAT. Fine-tunes the bundled MLP with fake-quantized
// weights (core/quant specs, straight-through estimator; or LSQ learned scales)
// on a background thread, drawing the test accuracy/loss per epoch live against
// the PTQ starting point at the same bits. Cancellable; the frame never waits.
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_qat(LessonsImpl& L, bool* open) {
    QatState& s = L.qat;
    if (!begin_lesson("Demo model: PTQ vs QAT", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Post-training quantization (PTQ) rounds the trained weights once. At 2-3 bits that moves them so far "
            "that accuracy collapses. Quantization-aware training (QAT) keeps training with the rounding inside "
            "the forward pass: the network sees its quantized weights and learns to live with them. Rounding has "
            "zero gradient almost everywhere, so the backward pass pretends it is the identity (the "
            "straight-through estimator) and updates float 'master' weights. LSQ also learns each channel's "
            "scale. Epoch 0 below is the PTQ result; every later point is after one more epoch of QAT.");
    const DemoAssets& a = L.assets();
    if (!a.ok()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "demo model unavailable: %s", a.error.c_str());
        ImGui::End();
        return;
    }
    if (auto r = s.job.take()) {
        if (*r)
            s.result = std::move(**r);
        else
            s.error = r->error().message;
    }
    const bool running = s.job.running();
    ImGui::BeginDisabled(running);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt("weight bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt("epochs", &s.epochs, 1, 20);
    ImGui::SameLine();
    ImGui::Checkbox("learned scales (LSQ)", &s.lsq);
    ImGui::EndDisabled();
    if (!running) {
        if (ImGui::Button("Run QAT")) {
            {
                std::lock_guard lk(s.curve_mu);
                s.curve.clear();
            }
            s.result.reset();
            s.error.clear();
            const nn::Model model = *a.model;
            const nn::DigitsSplit data = *a.data;
            nn::QatOptions o;
            quant::QuantSpec spec;
            spec.bits = s.bits;
            spec.granularity = quant::Granularity::PerChannel;
            o.fake_quant = learn::spec_fake_quant(model.arch, learn::uniform_specs(model.arch, spec));
            o.lsq = s.lsq;
            o.lsq_bits = s.bits;
            o.train.epochs = s.epochs;
            QatState* st = &s;
            s.job.start([model, data, o, st](const Progress& p) {
                return nn::run_qat(model, data, o, p, [st](const nn::EpochStats& e) {
                    std::lock_guard lk(st->curve_mu);
                    st->curve.push_back({e.epoch, e.train_loss, e.test_accuracy, e.test_loss});
                });
            });
        }
    } else {
        if (ImGui::Button("Cancel")) s.job.cancel();
        ImGui::SameLine();
        ImGui::Text("training in the background...");
    }

    std::vector<QatCurvePoint> curve;
    {
        std::lock_guard lk(s.curve_mu);
        curve = s.curve;
    }
    if (!s.error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
    if (curve.empty()) {
        ImGui::TextDisabled("press Run QAT (a few seconds on the demo MLP)");
    } else {
        const double ptq = curve.front().test_accuracy;
        Series acc, ptq_line, loss;
        acc.label = "QAT test accuracy (%)";
        acc.color = kGreen;
        acc.markers = true;
        ptq_line.label = "PTQ at the same bits";
        ptq_line.color = kRed;
        loss.label = "test loss";
        loss.color = kOrange;
        loss.markers = true;
        for (const auto& p : curve) {
            acc.x.push_back(p.epoch);
            acc.y.push_back(100 * p.test_accuracy);
            ptq_line.x.push_back(p.epoch);
            ptq_line.y.push_back(100 * ptq);
            loss.x.push_back(p.epoch);
            loss.y.push_back(p.test_loss);
        }
        if (ptq_line.x.size() == 1) ptq_line.x.push_back(std::max(1, s.epochs)), ptq_line.y.push_back(100 * ptq);
        ChartOptions co;
        co.x_label = "epoch (0 = PTQ)";
        co.y_from_zero = true;
        const Series s1[] = {acc, ptq_line};
        line_chart("acc", 180, s1, {}, co);
        ChartOptions co2;
        co2.x_label = "epoch";
        const Series s2[] = {loss};
        line_chart("loss", 110, s2, {}, co2);
        const auto& last = curve.back();
        ImGui::Text("PTQ: %.2f%%   QAT after %d epoch(s): %.2f%%   (float %.2f%%)", 100 * ptq, last.epoch,
                    100 * last.test_accuracy, 100 * a.float_accuracy);
    }
    if (s.result)
        ImGui::Text("finished%s: PTQ %.2f%% -> QAT %.2f%% (loss %.3f -> %.3f)", s.result->report.cancelled ? " (cancelled)" : "",
                    100 * s.result->ptq_accuracy, 100 * s.result->qat_accuracy, s.result->ptq_loss, s.result->qat_loss);
    try_this("run 2-bit QAT for 6 epochs and watch the first epoch recover most of what PTQ lost. Then try 8 bits: "
             "PTQ is already as good as float, so QAT has nothing to fix. Tick LSQ at 2 bits: do learned scales help?");
    ImGui::End();
}

}  // namespace qs::app::lessons
