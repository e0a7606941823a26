// Intents: what a view asks for. Views append them while drawing; the app
// applies them after the frame (Controller::apply), so no view mutates state
// or core objects, and every change goes through one place that tests drive.
#pragma once

#include "app/worker/heatmap_data.hpp"
#include "core/quant/spec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qs::app {

using ModelId = uint32_t;  // unique per opened model, never reused in a session

enum class Theme : uint8_t { Dark, Light };
enum class CsvExport : uint8_t { Histogram, Groups, Metrics, Sweep };
enum class ViewId : uint8_t {
    Models, Spec, Histogram, Error, Heatmap, Metrics, Sweep, Messages, Sensitivity, Anomalies, SensCompare, Count
};

namespace intent {
struct OpenFile { std::string path; };
struct CloseModel { ModelId model; };
struct ShowModel { ModelId model; };                        // the browser's active tab
struct SelectTensor { ModelId model; int64_t tensor; };
struct SetSpec { quant::QuantSpec spec; uint64_t gesture = 0; };  // same non-zero gesture = one undo step (a drag)
struct SetClip { std::optional<double> lo, hi; uint64_t gesture = 0; };  // both empty = back to calibration
struct ApplyPreset { std::string name; };
struct Undo {};
struct Redo {};
struct PinCurrent {};                                       // A/B: keep the current spec as B
struct Unpin {};
struct SwapPinned {};                                       // current <-> pinned spec
struct StartSweep { bool weights_only = true; };
struct CancelSweep {};
struct SetHeatmapKind { HeatmapKind kind; };
struct SetHistBins { int bins; };
struct SetUiScale { float scale; };
struct SetTheme { Theme theme; };
struct ShowView { ViewId view; bool show; };
struct DismissMessage { uint64_t id; };
struct ClearMessages {};
struct ClearRecent {};
struct ExportCsv { CsvExport what; std::string path; };
struct ExportSpecJson { std::string path; };
// Handled by the GUI layer (they need GL or the window), ignored by the controller.
struct ExportPng { ViewId view; std::string path; };        // ViewId::Count = the whole window
struct ResetLayout {};
struct Quit {};
}  // namespace intent

using Intent = std::variant<intent::OpenFile, intent::CloseModel, intent::ShowModel, intent::SelectTensor,
                            intent::SetSpec, intent::SetClip, intent::ApplyPreset, intent::Undo, intent::Redo,
                            intent::PinCurrent, intent::Unpin, intent::SwapPinned, intent::StartSweep,
                            intent::CancelSweep, intent::SetHeatmapKind, intent::SetHistBins, intent::SetUiScale,
                            intent::SetTheme, intent::ShowView, intent::DismissMessage, intent::ClearMessages,
                            intent::ClearRecent, intent::ExportCsv, intent::ExportSpecJson, intent::ExportPng,
                            intent::ResetLayout, intent::Quit>;
using Intents = std::vector<Intent>;

const char* view_name(ViewId v);

}  // namespace qs::app
