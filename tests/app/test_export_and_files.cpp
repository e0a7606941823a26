// CSV exports (format and quoting) and the file dialog's folder listing.
#include "app/state/export_csv.hpp"
#include "app/state/file_listing.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace qs::app {
namespace {

TEST(ExportCsv, FieldQuoting) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(ExportCsv, HistogramAndGroups) {
    quant::QuantResult r;
    r.hist_orig = {0.0, 1.0, {1, 2}};
    r.hist_deq = {0.0, 1.0, {0, 3}};
    r.hist_err = {-0.5, 0.5, {3, 0}};
    r.n_groups = 2;
    r.group_scale = {0.5f, 0.25f};
    r.group_zero_point = {0, 1};
    r.group_mse = {0.125f, 0.0625f};
    r.group_clip_lo = {-1, -2};
    r.group_clip_hi = {1, 2};
    EXPECT_EQ(histogram_csv(r, nullptr),
              "series,bin,lo,hi,count\n"
              "original,0,0,0.5,1\noriginal,1,0.5,1,2\n"
              "dequantized,0,0,0.5,0\ndequantized,1,0.5,1,3\n"
              "error,0,-0.5,0,3\nerror,1,0,0.5,0\n");
    EXPECT_EQ(groups_csv(r),
              "group,scale,zero_point,mse,clip_lo,clip_hi\n"
              "0,0.5,0,0.125,-1,1\n1,0.25,1,0.0625,-2,2\n");
    const std::string m = metrics_csv(r, &r);
    EXPECT_EQ(m.substr(0, m.find('\n')), "metric,a,b");
}

TEST(ExportCsv, Sweep) {
    SweepTable t;
    SweepRow ok;
    ok.index = 3;
    ok.name = "w,1";
    ok.shape = {2, 2};
    ok.numel = 4;
    ok.ok = true;
    ok.sqnr_db = 30;
    SweepRow bad;
    bad.name = "x";
    bad.error = "no memory";
    t.rows = {ok, bad};
    const std::string csv = sweep_csv(t);
    EXPECT_NE(csv.find("3,\"w,1\",\"[2, 2]\",4,0,1,30,"), std::string::npos);
    EXPECT_NE(csv.find(",no memory\n"), std::string::npos);
}

TEST(FileListing, FoldersFirstModelsOnlyHiddenOptional) {
    test::TempDir d;
    std::filesystem::create_directory(d / "sub10");
    std::filesystem::create_directory(d / "sub2");
    std::filesystem::create_directory(d / ".hidden");
    for (const char* f : {"m.safetensors", "b.gguf", "notes.txt", ".secret.npy", "model.safetensors.index.json"})
        std::ofstream(d / f) << "x";
    auto l = list_dir(d.path(), false, true);
    EXPECT_TRUE(l.error.empty());
    std::vector<std::string> names;
    for (const auto& e : l.entries) names.push_back(e.name);
    EXPECT_EQ(names, (std::vector<std::string>{"sub2", "sub10", "b.gguf", "m.safetensors", "model.safetensors.index.json"}));
    auto all = list_dir(d.path(), true, false);
    EXPECT_EQ(all.entries.size(), 8u);
    auto missing = list_dir(d / "nope", false, false);
    EXPECT_FALSE(missing.error.empty());
    EXPECT_TRUE(is_model_file_name("x.pth"));
    EXPECT_FALSE(is_model_file_name("x.json"));
}

}  // namespace
}  // namespace qs::app
