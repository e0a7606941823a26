// UI-only state: what each view remembers between frames (zoom, filters,
// sort orders, open dialogs) and caches of derived draw data keyed by their
// inputs. Not persisted (except through imgui.ini) and never read by the
// controller; AppState holds everything that matters beyond drawing.
#pragma once

#include "app/state/file_listing.hpp"
#include "app/state/intents.hpp"
#include "app/state/tensor_tree.hpp"
#include "app/ui/session_ui.hpp"
#include "app/widgets/plot.hpp"
#include "app/worker/sweep.hpp"

#include <imgui.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace qs::app {

struct HistogramUi {
    YScale yscale = YScale::Log1p;
    bool show_grid = true, show_orig = true, show_deq = true, show_b = true;
    XRange x;
    uint64_t gestures = 0;      // counter for clip-drag undo steps
    uint64_t gesture = 0;       // the drag in progress
    bool x_locked_by_drag = false;  // the x axis is frozen while a handle moves
    bool has_frame = false;     // last drawn plot geometry (scripts drag the handles through it)
    PlotFrame frame;
    double handle_lo = 0, handle_hi = 0;  // where the handles were drawn
};

struct ErrorUi {
    int series = 0;             // 0 per-group MSE, 1 scale, 2 zero point
    bool sorted = false;
    bool bars = true;
    bool log_y = false;
    bool err_log = true;
    XRange hist_x, chart_x;
};

struct HeatView {
    bool fit = true;            // fit the whole tensor; zoom/pan clears it
    double c0 = 0, r0 = 0;      // top-left visible element
    double ppe = 1.0;           // screen pixels per element
};

struct HeatmapUi {
    HeatView view;
    int cmap = 0;               // 0 auto, 1 viridis, 2 diverging
    bool extreme = true;        // zoomed out: show each block's extreme (else its maximum)
    bool robust = true;         // colour range from the 0.1%..99.9% quantiles (outliers saturate)
    std::string gl_error;
};

struct BrowserModelCache {
    const void* index = nullptr;  // ModelIndex identity
    TreeSort sort = TreeSort::Name;
    bool desc = false;
    std::string filter;
    TensorTree tree;
    std::vector<uint8_t> visible;
};

struct BrowserUi {
    std::string filter;
    std::string meta_filter;
    TreeSort sort = TreeSort::Name;
    bool desc = false;
    std::vector<BrowserModelCache> caches;
    int64_t last_selected = -1;  // reveal the selection when it changes
    ModelId last_selected_model = 0;
    ModelId tab_synced = 0;      // the tab last made active (by the state or a click)
};

struct SpecUi {
    uint64_t gestures = 0;
    uint64_t gesture = 0;
    bool advanced = false;
    std::string text;           // the compact-text box while it is being edited
    std::string text_error;     // why the last text entered did not parse
    bool text_active = false;
};

struct SweepUi {
    int sort_col = 0;
    bool desc = false;
    int chart_metric = 0;       // 0 SQNR, 1 MSE, 2 bpw
    bool weights_only = true;
    const SweepTable* cached_for = nullptr;
    int cached_col = -1;
    bool cached_desc = false;
    std::vector<size_t> order;
    XRange chart_x;
};

enum class DialogPurpose : uint8_t { OpenModel, CsvHistogram, CsvGroups, CsvMetrics, CsvSweep, SpecJson, Png };

struct FileDialogUi {
    bool open_requested = false;  // open the popup on the next frame
    bool save = false;            // save mode (a file name field)
    DialogPurpose purpose = DialogPurpose::OpenModel;
    ViewId png_view = ViewId::Count;
    std::string dir;
    std::string name;             // save mode: file name
    std::string path_edit;        // the editable path field
    DirListing listing;
    bool listing_valid = false;
    bool show_hidden = false;
    bool only_models = true;
    int selected = -1;
};

struct WindowRects {
    std::array<ImVec2, size_t(ViewId::Count)> min{}, max{};
    std::array<bool, size_t(ViewId::Count)> drawn{};
};

struct UiState {
    HistogramUi hist;
    ErrorUi err;
    HeatmapUi heat;
    BrowserUi browser;
    SpecUi spec;
    SweepUi sweep;
    FileDialogUi file;
    WindowRects rects;
    SessionUi session;            // restore menu item, files changed on disk (app/ui/session_glue.cpp)
    bool layout_reset = true;     // place windows at the layout this frame
    bool pin_layout = false;      // scripts: place them every frame (deterministic screenshots)
    bool show_about = false;
    std::array<bool, 32> learn_open{};  // Learn menu: which lesson windows are open (see main_menu.cpp)
    double frame_ms = 0.0;        // last frame's duration
};

}  // namespace qs::app
