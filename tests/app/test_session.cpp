// The session (issue 8): the JSON round trip, defensive parsing of broken and old
// files, the store's lock (crash detection, a second instance), debounced autosave
// through the writer thread, stale temporary files, and restoring into a fresh
// Controller + SensitivityController (selection by name, specs, windows, pins).
#include "app/state/controller.hpp"
#include "app/state/sensitivity.hpp"
#include "app/state/session.hpp"
#include "app/state/session_restore.hpp"
#include "app/state/session_store.hpp"
#include "core/quant/quantize.hpp"
#include "core/util/read_text.hpp"
#include "tests/support/test_paths.hpp"
#include "tests/support/write_failure.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kModel = test::fixture("gui/model.safetensors").string();

quant::QuantSpec spec_of(const std::string& text) {
    auto s = quant::parse_spec_text(text);
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? *s : quant::QuantSpec{};
}

Session sample() {
    Session s;
    s.models = {{kModel, 75744, 1700000000123456789}, {"/data/other model.gguf", 12, -5}};
    s.shown_model = kModel;
    s.selected_model = kModel;
    s.selected_tensor = "model.layers.1.mlp.up_proj.weight";
    s.spec = spec_of("int3:asym:group=32");
    s.pinned = spec_of("nf4:group=64");
    s.heatmap_kind = HeatmapKind::AbsError;
    s.show.fill(true);
    s.show[size_t(ViewId::Messages)] = false;
    s.lessons_open = {0, 8};
    s.sens.source = SensSource::DataFree;
    s.sens.source_path = "/x/imatrix.dat";
    s.sens.candidates = "int4:channel,int8:channel";
    s.sens.seed = 18446744073709551615ull;
    s.sens.tol = 0.0123;
    s.sens.max_iter = 77;
    s.sens.budget_bpw = 3.3;
    s.sens.pins = {{"fc1.weight", "int8:channel"}, {"b \"quoted\"", "int4:channel"}};
    s.sens.plan_model = kModel;
    s.imgui_ini = "[Window][Histogram]\nPos=1,2\nSize=300,200\n";
    return s;
}

std::string slurp(const std::filesystem::path& p) {
    auto t = read_text_file(p);
    return t.ok() ? *t : std::string("(unreadable)");
}

TEST(Session, JsonRoundTripKeepsEveryField) {
    const Session s = sample();
    auto back = parse_session(session_json_text(s, "2026-11-23T14:00:00Z"));
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_TRUE(back->warnings.empty()) << back->warnings.front();
    EXPECT_EQ(back->saved_at, "2026-11-23T14:00:00Z");
    EXPECT_TRUE(back->session == s);
    // The text is stable: written again, byte for byte the same.
    EXPECT_EQ(session_json_text(back->session, "2026-11-23T14:00:00Z"), session_json_text(s, "2026-11-23T14:00:00Z"));
}

TEST(Session, NotASessionIsAnErrorNeverACrash) {
    for (const char* text : {"", "{", "[1,2]", "null", "\"x\"", "{\"models\": []}", "{\"quantscope_session\": \"1\"}",
                             "{\"quantscope_session\": 0}", "\xff\xfe{"}) {
        auto r = parse_session(text, "s.json");
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.message().find("s.json"), std::string::npos) << r.message();
    }
}

TEST(Session, WrongFieldsTakeDefaultsWithAWarningEach) {
    const std::string text = R"({
      "quantscope_session": 1,
      "models": [{"path": "/a.safetensors", "size": -3}, {"size": 1}, 7, {"path": "/b.gguf", "mtime_ns": "x"}],
      "shown_model": 5,
      "selection": [],
      "spec": {"scheme": "int", "bits": 99},
      "pinned": "int4:group=32",
      "heatmap": "rainbow",
      "windows": {"Histogram": false, "Heatmap": "no", "Unknown": true},
      "lessons_open": [1, -1, 99, "2"],
      "sensitivity": {"source": "magic", "tol": 5, "max_iter": 0, "budget_bpw": "4", "seed": -1,
                      "pins": {"a": "int4:channel", "b": 3}, "last_plan": {"not": "a plan"}},
      "imgui_ini": 3
    })";
    auto r = parse_session(text);
    ASSERT_TRUE(r.ok()) << r.message();
    const Session& s = r->session;
    const Session d;
    ASSERT_EQ(s.models.size(), 2u);
    EXPECT_EQ(s.models[0].path, "/a.safetensors");
    EXPECT_EQ(s.models[0].size, 0u);
    EXPECT_EQ(s.models[1].path, "/b.gguf");
    EXPECT_EQ(s.models[1].mtime_ns, 0);
    EXPECT_EQ(s.shown_model, "");
    EXPECT_TRUE(s.spec == d.spec);                        // bits 99 is invalid
    ASSERT_TRUE(s.pinned.has_value());                    // the compact text form is accepted
    EXPECT_TRUE(*s.pinned == spec_of("int4:group=32"));
    EXPECT_EQ(s.heatmap_kind, HeatmapKind::Weights);
    EXPECT_FALSE(s.show[size_t(ViewId::Histogram)]);
    EXPECT_TRUE(s.show[size_t(ViewId::Heatmap)]);         // default
    EXPECT_FALSE(s.show[size_t(ViewId::Sensitivity)]);    // default
    EXPECT_EQ(s.lessons_open, std::vector<int>{1});
    EXPECT_EQ(s.sens.source, SensSource::Auto);
    EXPECT_EQ(s.sens.tol, d.sens.tol);
    EXPECT_EQ(s.sens.max_iter, d.sens.max_iter);
    EXPECT_EQ(s.sens.budget_bpw, d.sens.budget_bpw);
    EXPECT_EQ(s.sens.seed, d.sens.seed);
    EXPECT_EQ(s.sens.pins, (std::map<std::string, std::string>{{"a", "int4:channel"}}));
    EXPECT_TRUE(s.last_plan.is_null());
    EXPECT_EQ(s.imgui_ini, "");
    // One warning per wrong thing, each naming its field.
    std::string all;
    for (const auto& w : r->warnings) all += w + "\n";
    for (const char* field : {"models[].size", "without a path", "models[].mtime_ns", "shown_model", "selection", "spec",
                              "heatmap", "windows.Heatmap", "lessons_open", "sensitivity.source", "sensitivity.tol",
                              "sensitivity.max_iter", "sensitivity.budget_bpw", "sensitivity.seed", "sensitivity.pins",
                              "last_plan", "imgui_ini"})
        EXPECT_NE(all.find(field), std::string::npos) << field << " not in:\n" << all;
}

TEST(Session, NewerVersionIsReadWithAWarning) {
    nlohmann::ordered_json j = session_to_json(sample());
    j["quantscope_session"] = kSessionVersion + 1;
    j["something_new"] = {1, 2, 3};
    auto r = parse_session(j.dump());
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->warnings.size(), 1u);
    EXPECT_NE(r->warnings[0].find("newer quantscope"), std::string::npos);
    EXPECT_TRUE(r->session == sample());
}

TEST(Session, TooManyModelsAreCapped) {
    Session s;
    for (size_t i = 0; i < kMaxSessionModels + 5; ++i) s.models.push_back({"/m" + std::to_string(i), 1, 1});
    auto r = parse_session(session_json_text(s));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->session.models.size(), kMaxSessionModels);
    EXPECT_FALSE(r->warnings.empty());
}

// ---------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------

TEST(SessionStore, FreshFolderIsACleanStartWithoutASession) {
    test::TempDir dir;
    SessionStore st(dir.path() / "cfg");
    const auto s = st.start();
    EXPECT_TRUE(s.active);
    EXPECT_FALSE(s.crashed);
    EXPECT_FALSE(s.previous.has_value());
    EXPECT_TRUE(std::filesystem::exists(st.lock_path()));
    EXPECT_TRUE(st.close_clean(Session{}, nullptr).ok());
    EXPECT_FALSE(std::filesystem::exists(st.lock_path()));
    EXPECT_FALSE(std::filesystem::exists(st.session_path()));  // nothing changed: nothing written
}

TEST(SessionStore, AutosaveIsDebouncedAndAKilledRunIsDetected) {
    test::TempDir dir;
    const Session changed = sample();
    {
        SessionStore st(dir.path(), SessionTiming{200ms, 1000ms});
        ASSERT_TRUE(st.start().active);
        const auto t0 = Clock::now();
        st.note(Session{}, t0, nullptr);       // baseline: not saved
        st.note(changed, t0 + 10ms, nullptr);  // a change...
        st.note(changed, t0 + 100ms, nullptr);  // ...still settling
        EXPECT_FALSE(st.saved_current());
        EXPECT_EQ(st.saves(), 0u);
        int plan_calls = 0;
        st.note(changed, t0 + 300ms, [&] {
            ++plan_calls;
            return nlohmann::json{{"quantscope_plan", 1}};
        });  // still for 200 ms: saved
        EXPECT_EQ(plan_calls, 1);
        for (int i = 0; i < 2000 && !st.saved_current(); ++i) std::this_thread::sleep_for(1ms);
        EXPECT_TRUE(st.saved_current());
        EXPECT_EQ(st.saves(), 1u);
        st.note(changed, t0 + 900ms, nullptr);  // unchanged: no new save
        EXPECT_TRUE(st.saved_current());
        EXPECT_TRUE(st.take_errors().empty());
        // Destroyed without close_clean(): what kill -9 leaves (the lock file).
    }
    SessionStore again(dir.path());
    const auto s = again.start();
    EXPECT_TRUE(s.crashed);
    EXPECT_FALSE(s.crashed_restoring);
    ASSERT_TRUE(s.previous.has_value()) << s.error;
    EXPECT_TRUE(s.previous->session.sens == changed.sens);
    EXPECT_EQ(s.previous->session.selected_tensor, changed.selected_tensor);
    EXPECT_FALSE(s.previous->saved_at.empty());
}

TEST(SessionStore, ChangingAllTheTimeStillSavesAtTheMaxDelay) {
    test::TempDir dir;
    SessionStore st(dir.path(), SessionTiming{200ms, 500ms});
    ASSERT_TRUE(st.start().active);
    const auto t0 = Clock::now();
    st.note(Session{}, t0, nullptr);
    Session s;
    for (int i = 1; i <= 60; ++i) {  // a new state every 10 ms for 600 ms
        s.sens.budget_bpw = 2.0 + 0.01 * i;
        st.note(s, t0 + i * 10ms, nullptr);
    }
    for (int i = 0; i < 2000 && st.saves() == 0; ++i) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(st.saves(), 1u);  // once, at 500 ms
}

TEST(SessionStore, ASecondLiveInstanceNeitherRestoresNorSaves) {
    test::TempDir dir;
    SessionStore first(dir.path());
    ASSERT_TRUE(first.start().active);
    SessionStore second(dir.path());
    const auto s = second.start();
    EXPECT_TRUE(s.other_instance);
    EXPECT_FALSE(s.active);
    EXPECT_FALSE(s.crashed);
    second.note(sample(), Clock::now(), nullptr);
    EXPECT_TRUE(second.close_clean(sample(), nullptr).ok());
    EXPECT_FALSE(std::filesystem::exists(second.session_path()));
    EXPECT_TRUE(std::filesystem::exists(first.lock_path()));  // the second one did not remove it
}

TEST(SessionStore, ACrashWhileRestoringIsRemembered) {
    test::TempDir dir;
    {
        SessionStore st(dir.path());
        ASSERT_TRUE(st.start().active);
        st.set_restoring(true);
    }
    SessionStore again(dir.path());
    const auto s = again.start();
    EXPECT_TRUE(s.crashed);
    EXPECT_TRUE(s.crashed_restoring);
}

TEST(SessionStore, BrokenSessionFileIsReportedNotFatal) {
    test::TempDir dir;
    { std::ofstream(dir / "session.json") << "{\"quantscope_session\": 1, \"models\": [";  }
    SessionStore st(dir.path(), SessionTiming{1ms, 1ms});
    const auto s = st.start();
    EXPECT_TRUE(s.active);
    EXPECT_FALSE(s.previous.has_value());
    EXPECT_NE(s.error.find("not valid JSON"), std::string::npos) << s.error;
    EXPECT_TRUE(st.close_clean(sample(), nullptr).ok());  // nothing noted: nothing written
    EXPECT_FALSE(std::filesystem::exists(dir / "session-previous.json"));
}

TEST(SessionStore, StaleTemporaryFilesAreRemovedAtStart) {
    test::TempDir dir;
    for (const char* n : {".session.json.tmp-AbC123", ".settings.json.tmp-x", ".imgui.ini.tmp-y", "keep.txt"})
        std::ofstream(dir / n) << "x";
    SessionStore st(dir.path());
    ASSERT_TRUE(st.start().active);
    EXPECT_FALSE(std::filesystem::exists(dir / ".session.json.tmp-AbC123"));
    EXPECT_FALSE(std::filesystem::exists(dir / ".settings.json.tmp-x"));
    EXPECT_FALSE(std::filesystem::exists(dir / ".imgui.ini.tmp-y"));
    EXPECT_TRUE(std::filesystem::exists(dir / "keep.txt"));
}

TEST(SessionStore, CleanExitWritesTheFinalStateAndKeepsThePreviousSession) {
    test::TempDir dir;
    const std::string old_text = session_json_text(Session{}, "2026-01-01T00:00:00Z");
    { std::ofstream(dir / "session.json") << old_text; }
    SessionStore st(dir.path());
    const auto s = st.start();
    ASSERT_TRUE(s.previous.has_value());
    st.note(Session{}, Clock::now(), nullptr);
    ASSERT_TRUE(st.close_clean(sample(), nullptr).ok());
    auto now = parse_session(slurp(dir / "session.json"));
    ASSERT_TRUE(now.ok());
    EXPECT_TRUE(now->session == sample());
    EXPECT_EQ(slurp(dir / "session-previous.json"), old_text);
    EXPECT_FALSE(std::filesystem::exists(st.lock_path()));
}

TEST(SessionStore, AWriteFailingHalfWayKeepsTheLastSessionWhole) {
    test::TempDir dir;
    const std::string old_text = session_json_text(Session{}, "2026-01-01T00:00:00Z");
    const uint64_t full = session_json_text(sample(), utc_timestamp()).size();
    for (const bool autosave : {false, true}) {
        SCOPED_TRACE(autosave ? "autosave (writer thread)" : "clean exit (synchronous)");
        { std::ofstream(dir / "session.json") << old_text; }
        const int rc = test::run_with_file_size_limit(full / 2, [&] {
            SessionStore st(dir.path(), SessionTiming{1ms, 1ms});
            if (!st.start().active) return 3;
            const auto t0 = Clock::now();
            st.note(Session{}, t0, nullptr);
            if (!autosave) return st.close_clean(sample(), nullptr).ok() ? 1 : 0;
            st.note(sample(), t0 + 5ms, nullptr);
            st.note(sample(), t0 + 10ms, nullptr);  // still for 5 ms > 1 ms: saved
            for (int i = 0; i < 5000 && !st.saved_current(); ++i) std::this_thread::sleep_for(1ms);
            const auto errors = st.take_errors();
            return errors.size() == 1 && errors[0].find("session.json") != std::string::npos ? 0 : 2;
        });
        EXPECT_EQ(rc, 0);
        EXPECT_EQ(slurp(dir / "session.json"), old_text);
        EXPECT_EQ(test::temp_files_in(dir.path()), std::vector<std::string>{});
    }
}

// ---------------------------------------------------------------------------
// Restore into a fresh app
// ---------------------------------------------------------------------------

bool settle(Controller& c, SensitivityController& sens, SessionRestorer* r = nullptr) {
    const auto end = Clock::now() + 20s;
    while (Clock::now() < end) {
        c.update();
        sens.update(c.state());
        if (r) r->update(c, sens);
        if (c.settled() && sens.settled() && (!r || r->done())) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

ControllerOptions options() {
    ControllerOptions o;
    o.quantize = quant::quantize;
    o.worker_threads = 2;
    return o;
}

TEST(SessionRestore, AFreshAppComesBackToTheCapturedState) {
    test::TempDir dir;
    const auto copy = dir / "m.safetensors";
    std::filesystem::copy_file(kModel, copy);
    Session saved;
    {
        Controller c(options());
        SensitivityController sens;
        c.apply(intent::OpenFile{copy.string()});
        ASSERT_TRUE(settle(c, sens));
        const int64_t t = c.state().models[0].index->find("model.layers.2.mlp.up_proj.weight");
        ASSERT_GE(t, 0);
        c.apply(intent::SelectTensor{c.state().models[0].id, t});
        c.apply(intent::SetSpec{spec_of("int3:group=16")});
        c.apply(intent::PinCurrent{});
        c.apply(intent::SetSpec{spec_of("int5:asym:channel")});
        c.apply(intent::ShowView{ViewId::Sensitivity, true});
        c.apply(intent::SetHeatmapKind{HeatmapKind::Codes});
        sens.apply(sens::Pin{"lm_head.weight", "int8:channel"}, c.state());
        sens.apply(sens::SetBudget{3.25}, c.state());
        sens.apply(sens::SetCandidates{"int3:channel,int8:channel"}, c.state());
        ASSERT_TRUE(settle(c, sens));
        const bool learn[4] = {false, true, false, false};
        saved = capture_session(c.state(), sens.state(), learn, 4, "ini");
    }
    EXPECT_EQ(saved.selected_tensor, "model.layers.2.mlp.up_proj.weight");
    EXPECT_EQ(saved.models.size(), 1u);
    EXPECT_EQ(saved.models[0].size, std::filesystem::file_size(copy));

    auto parsed = parse_session(session_json_text(saved));
    ASSERT_TRUE(parsed.ok());
    Controller c(options());
    SensitivityController sens;
    SessionRestorer r;
    r.begin(parsed->session, c, sens);
    ASSERT_TRUE(settle(c, sens, &r));
    EXPECT_TRUE(r.report().empty()) << r.report().front();
    const bool learn[4] = {false, true, false, false};
    const Session now = capture_session(c.state(), sens.state(), learn, 4, "ini");
    EXPECT_TRUE(now == saved) << session_json_text(now) << "\nvs\n" << session_json_text(saved);
    EXPECT_EQ(c.state().a.status, JobStatus::Ready);  // the tensor decodes and quantizes
    EXPECT_FALSE(c.state().history.can_undo());       // restoring is not an edit
}

TEST(SessionRestore, MissingAndChangedFilesAreReportedNotFatal) {
    test::TempDir dir;
    const auto a = dir / "a.safetensors", b = dir / "b.safetensors";
    std::filesystem::copy_file(kModel, a);
    std::filesystem::copy_file(kModel, b);
    Session s;
    s.models = {*stat_session_file(a.string()), *stat_session_file(b.string())};
    s.selected_model = b.string();
    s.selected_tensor = "no.such.tensor";
    std::filesystem::remove(a);
    std::filesystem::last_write_time(b, std::filesystem::last_write_time(b) - 1h);  // touched since
    Controller c(options());
    SensitivityController sens;
    SessionRestorer r;
    r.begin(s, c, sens);
    ASSERT_TRUE(settle(c, sens, &r));
    ASSERT_EQ(r.report().size(), 2u);
    EXPECT_NE(r.report()[0].find("a.safetensors no longer exists"), std::string::npos) << r.report()[0];
    EXPECT_NE(r.report()[1].find("b.safetensors changed on disk"), std::string::npos) << r.report()[1];
    ASSERT_EQ(c.state().models.size(), 1u);
    EXPECT_EQ(c.state().models[0].state, OpenModel::State::Ready);
    bool told = false;
    for (const auto& m : c.state().messages) told |= m.text.find("no tensor 'no.such.tensor'") != std::string::npos;
    EXPECT_TRUE(told);
}

TEST(SessionRestore, ReopenSelectsTheSameTensorAgain) {
    test::TempDir dir;
    const auto p = dir / "m.safetensors";
    std::filesystem::copy_file(kModel, p);
    Controller c(options());
    SensitivityController sens;
    c.apply(intent::OpenFile{p.string()});
    ASSERT_TRUE(settle(c, sens));
    const ModelId id = c.state().models[0].id;
    c.apply(intent::SelectTensor{id, c.state().models[0].index->find("lm_head.weight")});
    ASSERT_TRUE(settle(c, sens));
    std::filesystem::resize_file(p, 100);  // truncated underneath
    c.apply(intent::SelectTensor{id, c.state().models[0].index->find("model.layers.0.mlp.up_proj.weight")});
    ASSERT_TRUE(settle(c, sens));
    EXPECT_EQ(c.state().a.status, JobStatus::Failed);
    EXPECT_NE(c.state().a.error.find("truncated"), std::string::npos) << c.state().a.error;
    std::filesystem::copy_file(kModel, p, std::filesystem::copy_options::overwrite_existing);  // fixed on disk
    PendingSelection sel;
    reopen_model(id, c, sel);
    const auto end = Clock::now() + 10s;
    while (!sel.update(c) && Clock::now() < end) {
        c.update();
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(settle(c, sens));
    ASSERT_NE(c.state().selected_info(), nullptr);
    EXPECT_EQ(c.state().selected_info()->name, "model.layers.0.mlp.up_proj.weight");
    EXPECT_EQ(c.state().a.status, JobStatus::Ready) << c.state().a.error;
}

}  // namespace
}  // namespace qs::app
