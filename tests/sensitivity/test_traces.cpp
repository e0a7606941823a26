// Traces files: round trip and strict refusals.
#include "core/sensitivity/traces.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace qs::sensitivity {
namespace {

TEST(Traces, RoundTrip) {
    TraceTable t;
    t.model = "m.safetensors";
    t.tensors["fc1.weight"] = TensorTrace{12.5, 0.25, 8192, 40, true, 3.5};
    t.tensors["fc2.weight"] = TensorTrace{0.5, 0.0, 0, 0, false, {}};
    test::TempDir d;
    ASSERT_TRUE(write_traces(t, d / "t.json").ok());
    auto back = read_traces(d / "t.json");
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(traces_to_json(*back), traces_to_json(t));
    EXPECT_EQ(back->tensors.at("fc1.weight").top_eigenvalue, 3.5);
}

TEST(Traces, HandWrittenMinimalFile) {
    test::TempDir d;
    std::ofstream(d / "t.json") << R"({"quantscope_traces": 1, "tensors": {"a": {"trace": 4}}})";
    auto t = read_traces(d / "t.json");
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_DOUBLE_EQ(t->tensors.at("a").trace, 4.0);
    EXPECT_EQ(t->tensors.at("a").numel, 0u);
}

TEST(Traces, Refusals) {
    test::TempDir d;
    const std::pair<const char*, const char*> cases[] = {
        {"{", "not valid JSON"},
        {R"({"tensors": {}})", "not a quantscope traces file"},
        {R"({"quantscope_traces": 2, "tensors": {}})", "version"},
        {R"({"quantscope_traces": 1, "tensors": []})", "\"tensors\""},
        {R"({"quantscope_traces": 1, "tensors": {"a": {}}})", "tensor 'a': missing \"trace\""},
        {R"({"quantscope_traces": 1, "tensors": {"a": {"trace": "x"}}})", "must be a number"},
        {R"({"quantscope_traces": 1, "tensors": {"a": {"trace": 1, "std_error": -1}}})", "negative"},
        {R"({"quantscope_traces": 1, "tensors": {"a": {"trace": 1, "numel": -3}}})", "numel"},
    };
    for (const auto& [text, want] : cases) {
        std::ofstream(d / "t.json", std::ios::trunc) << text;
        auto t = read_traces(d / "t.json");
        ASSERT_FALSE(t.ok()) << text;
        EXPECT_NE(t.message().find(want), std::string::npos) << t.message();
    }
    EXPECT_FALSE(read_traces(d / "absent.json").ok());
}

}  // namespace
}  // namespace qs::sensitivity
