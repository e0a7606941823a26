// Parsing the GUI's --script language.
#include "app/script/script.hpp"

#include <gtest/gtest.h>

namespace qs::app {
namespace {

TEST(Script, ParsesActionsCommentsQuotesAndVars) {
    const char* text =
        "# a comment\n"
        "open ${DIR}/model.safetensors\n"
        "\n"
        "select model.layers.0.self_attn.q_proj.weight   # trailing comment\n"
        "preset int4 g128\n"
        "echo \"two words\" and more\n"
        "assert metric sqnr_db > 20\n";
    auto r = parse_script(text, {{"DIR", "/fixtures"}});
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->size(), 5u);
    EXPECT_EQ((*r)[0].verb, "open");
    EXPECT_EQ((*r)[0].args[0], "/fixtures/model.safetensors");
    EXPECT_EQ((*r)[0].line, 2);
    EXPECT_EQ((*r)[1].args.size(), 1u);
    EXPECT_EQ((*r)[2].rest(0), "int4 g128");
    EXPECT_EQ((*r)[3].args[0], "two words");
    EXPECT_EQ((*r)[4].args, (std::vector<std::string>{"metric", "sqnr_db", ">", "20"}));
}

TEST(Script, ErrorsNameTheLine) {
    auto r = parse_script("open a\nfly away\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.message(), "script:2: unknown action 'fly'");
    r = parse_script("spec bits\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("script:1: 'spec' takes 2 argument(s), got 1"), std::string::npos);
    r = parse_script("open ${NOPE_NOT_SET_ANYWHERE}\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("--var"), std::string::npos);
    r = parse_script("echo \"open\n", {});
    ASSERT_FALSE(r.ok());
}

TEST(Script, Compare) {
    EXPECT_TRUE(*compare_numbers(1, "<", 2));
    EXPECT_FALSE(*compare_numbers(1, ">=", 2));
    EXPECT_TRUE(*compare_numbers(2, "==", 2));
    EXPECT_FALSE(compare_numbers(1, "=<", 2).ok());
}

}  // namespace
}  // namespace qs::app
