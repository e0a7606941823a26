// Applying a saved session to a running app: reopens the files that still exist
// (reporting the ones that are gone or changed), then, as the models finish
// loading on the worker, selects the saved tensor by name, shows the saved tab and
// recomputes the Sensitivity plan the session had (its pins and budget are set
// first). Spec, pinned spec, windows and the heatmap kind apply at once. Nothing
// here is fatal: every problem becomes a message. The same pending selection
// serves "Reopen" for a file that changed underneath. No GL, no ImGui.
#pragma once

#include "app/state/controller.hpp"
#include "app/state/sensitivity.hpp"
#include "app/state/session.hpp"

#include <string>
#include <vector>

namespace qs::app {

// Selects `tensor` of the model at `path` once that model has loaded.
struct PendingSelection {
    std::string path, tensor;
    bool done = true;
    // Returns true when finished (selected, or reported why not).
    bool update(Controller& ctl);
};

class SessionRestorer {
public:
    // Starts a restore: opens files, applies what applies at once. Reports through ctl.post().
    void begin(const Session& s, Controller& ctl, SensitivityController& sens);
    // Once per frame until done().
    void update(Controller& ctl, SensitivityController& sens);
    bool done() const { return !active_; }
    // What was reported (also posted): for tests and the script's asserts.
    const std::vector<std::string>& report() const { return report_; }

private:
    bool active_ = false;
    PendingSelection select_;
    std::string shown_path_;
    std::string plan_model_;   // recompute the plan once this model has loaded
    std::vector<std::string> report_;
};

// Reopen a model whose file changed on disk: close it, open it again, and select
// the same tensor again if it was selected.
void reopen_model(ModelId id, Controller& ctl, PendingSelection& select);

}  // namespace qs::app
