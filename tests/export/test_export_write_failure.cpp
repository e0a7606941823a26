// A plan export that fails half-way (issue 8) leaves the previous file whole and no
// temporary file behind, for every export format: the write really fails mid-file
// (a forked child with a file size limit of half the output, see
// tests/support/write_failure.hpp), then the folder is inspected.
#include "core/export/export.hpp"
#include "core/io/open_model.hpp"
#include "core/util/read_text.hpp"
#include "tests/export/export_test_util.hpp"
#include "tests/support/test_paths.hpp"
#include "tests/support/write_failure.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace qs;
using namespace qs::exporter;
using namespace qs::test;

namespace {

struct Case {
    ExportFormat format;
    const char* file;
    SafetensorsMode mode = SafetensorsMode::FakeQuant;
};

TEST(ExportWriteFailure, AFailedExportKeepsTheOldFileAndLeavesNoTemporaryFile) {
    TempDir dir;
    write_tiny_model(dir / "tiny.safetensors");
    auto model = io::open_model(dir / "tiny.safetensors");
    ASSERT_TRUE(model.ok()) << model.message();
    const PlanDocument plan = tiny_plan();
    ExportOptions o;
    o.model = &*model;
    o.threads = 1;
    const Case cases[] = {
        {ExportFormat::Json, "plan.json"},          {ExportFormat::Csv, "plan.csv"},
        {ExportFormat::Llama, "types.txt"},         {ExportFormat::Llama, "quantize.sh"},
        {ExportFormat::GptqModel, "quantize_config.json"}, {ExportFormat::GptqModel, "gptq.py"},
        {ExportFormat::Aimet, "encodings.json"},    {ExportFormat::Safetensors, "fq.safetensors"},
        {ExportFormat::Safetensors, "codes.safetensors", SafetensorsMode::Codes},
    };
    const std::string old_text = "the previous export, which must survive\n";
    for (const Case& c : cases) {
        SCOPED_TRACE(c.file);
        o.safetensors_mode = c.mode;
        // The full output's size, written elsewhere.
        const auto ref_dir = dir / "ref";
        std::filesystem::create_directories(ref_dir);
        ASSERT_TRUE(export_plan(plan, c.format, ref_dir / c.file, o, nullptr).ok());
        const uint64_t full = std::filesystem::file_size(ref_dir / c.file);
        ASSERT_GT(full, 16u);

        const auto out_dir = dir / "out";
        std::filesystem::create_directories(out_dir);
        const auto target = out_dir / c.file;
        { std::ofstream(target, std::ios::binary) << old_text; }
        const int rc = run_with_file_size_limit(full / 2, [&] {
            const Status st = export_plan(plan, c.format, target, o, nullptr);
            return st.ok() ? 1 : (st.message().find(target.filename().string()) != std::string::npos ? 0 : 2);
        });
        EXPECT_EQ(rc, 0) << "1: the export claimed success; 2: its error does not name the file";
        auto now = read_text_file(target);
        ASSERT_TRUE(now.ok());
        EXPECT_EQ(*now, old_text);
        EXPECT_EQ(temp_files_in(out_dir), std::vector<std::string>{});

        // Without the limit the same export replaces the old file completely.
        ASSERT_TRUE(export_plan(plan, c.format, target, o, nullptr).ok());
        EXPECT_EQ(std::filesystem::file_size(target), full);
        EXPECT_EQ(temp_files_in(out_dir), std::vector<std::string>{});
    }
}

TEST(ExportWriteFailure, AnUnwritableFolderIsAnErrorNamingTheFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only folders";
    TempDir dir;
    const auto ro = dir / "ro";
    std::filesystem::create_directories(ro);
    { std::ofstream(ro / "plan.json") << "old\n"; }
    std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const Status st = export_plan(tiny_plan(), ExportFormat::Json, ro / "plan.json", {}, nullptr);
    std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("plan.json"), std::string::npos) << st.message();
    EXPECT_EQ(*read_text_file(ro / "plan.json"), "old\n");
}

}  // namespace
