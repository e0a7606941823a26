// The notice for open models whose file changed on disk since they were opened
// (truncated, rewritten, replaced): what changed, and a Reopen button. The app
// stays usable meanwhile; only that model's tensors cannot be read.
#pragma once

#include "app/ui/session_ui.hpp"
#include "app/views/view_common.hpp"

namespace qs::app {

void draw_file_changes(const ViewInput& in, SessionUi& ui);

}  // namespace qs::app
