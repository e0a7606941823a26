// What every view gets (ViewInput), the window helper that places it in the
// layout and records its rectangle, and the "handle the states before
// drawing" helpers: nothing open, nothing selected, computing, failed.
#pragma once

#include "app/state/app_state.hpp"
#include "app/ui/layout.hpp"
#include "app/ui/theme.hpp"
#include "app/ui/ui_state.hpp"

#include <imgui.h>

namespace qs::app {

struct AnomalyState;  // app/state/anomaly.hpp

// A view asking for the file dialog (export, open); the app opens it.
struct DialogRequest {
    bool requested = false;
    DialogPurpose purpose = DialogPurpose::OpenModel;
    ViewId view = ViewId::Count;  // Png: which window
    void ask(DialogPurpose p, ViewId v = ViewId::Count) {
        requested = true;
        purpose = p;
        view = v;
    }
};

struct ViewInput {
    const AppState& s;
    const Palette& pal;
    const Layout& layout;
    ImGuiCond layout_cond;   // ImGuiCond_Always when (re)placing, else FirstUseEver
    WindowRects* rects;      // views record where they were drawn (PNG export, scripts)
    DialogRequest* dialog;   // views ask for the file dialog through it
    double frame_ms;
    const AnomalyState* anomalies = nullptr;  // the last anomaly check (browser badges)
};

// Begin/End of a view's window; false (and nothing to End) when the view is hidden.
class ViewWindow {
public:
    ViewWindow(const ViewInput& in, ViewId id, Intents& out, ImGuiWindowFlags flags = 0);
    ~ViewWindow();
    ViewWindow(const ViewWindow&) = delete;
    ViewWindow& operator=(const ViewWindow&) = delete;
    explicit operator bool() const { return visible_; }

private:
    bool begun_ = false;
    bool visible_ = false;
};

// Draws the right message for the no-model / no-tensor states and returns
// false; true when a tensor is selected.
bool require_tensor(const ViewInput& in);
// For a Latest<T>: failed -> the error; running with nothing to show -> progress.
// Returns the value to draw (possibly an older one while recomputing), or nullptr.
template <class T>
const T* result_or_status(const ViewInput& in, const Latest<T>& l, const char* what);

void help_tooltip(const char* text);          // on the last item, after a short hover
void progress_line(const char* label, const Progress& p);
std::string percent(double fraction);         // "12.3%", "<0.01%", "0%"

// ---- template implementation ----
void status_text_computing(const ViewInput& in, const char* what, const Progress& p);
void status_text_failed(const ViewInput& in, const char* what, const std::string& error);

template <class T>
const T* result_or_status(const ViewInput& in, const Latest<T>& l, const char* what) {
    switch (l.status) {
        case JobStatus::Empty: ImGui::TextDisabled("Nothing to show yet."); return nullptr;
        case JobStatus::Failed: status_text_failed(in, what, l.error); return nullptr;
        case JobStatus::Running:
            if (!l.value) {
                status_text_computing(in, what, l.progress);
                return nullptr;
            }
            return l.value.get();
        case JobStatus::Ready: return l.value.get();
    }
    return nullptr;
}

}  // namespace qs::app
