// Baseline files that are not what compare expects: each gives an error that
// names the file and what is wrong, before any connection is made.
#include <catch2/catch.hpp>
#include <rollcheck/baseline.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/detail/db/baseline_file.hpp>

#include "test_support.hpp"

using namespace rollcheck;

namespace {

/// Compares against a baseline file holding `content`, with a DSN that
/// would fail loudly if compare ever connected.
check_result compare_file(const rollcheck_test::temp_dir& dir, const std::string& content) {
    compare_spec spec;
    spec.baseline = dir.write("base.json", content);
    spec.connection.dsn = "host=192.0.2.1 connect_timeout=2";
    return compare_baseline(spec);
}

/// A valid one-table baseline with 2 buckets, as JSON to be spoiled by a test.
nlohmann::json valid_baseline() {
    return {{"format", "rollcheck-baseline"},
            {"version", 1},
            {"taken_at", "2026-11-28 10:00:00+00"},
            {"server", "host (local socket) port 5432 database app"},
            {"hash", "hashtextextended(ROW(key)::text, 0)"},
            {"buckets", 2},
            {"keys_file", ""},
            {"keys_bytes", 0},
            {"tables",
             {{{"schema", "public"},
               {"name", "t"},
               {"key", {"id"}},
               {"column", ""},
               {"rows", 3},
               {"newest", nullptr},
               {"counts", {1, 2}},
               {"sums", {"5", "-7"}}}}}};
}

} // namespace

TEST_CASE("a baseline file that is missing, not JSON or foreign JSON is an error naming it") {
    rollcheck_test::temp_dir dir;
    compare_spec spec;
    spec.baseline = dir / "nowhere.json";
    auto r = compare_baseline(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("baseline {}: cannot open it: No such file or directory",
                                   spec.baseline.string()));

    r = compare_file(dir, "id,count\n1,2\n");
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(fmt::format(
                              "baseline {}: not a rollcheck baseline (not JSON: [json.exception.",
                              (dir / "base.json").string())));

    r = compare_file(dir, R"({"name": "package.json", "version": 1})");
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("baseline {}: format: not a rollcheck baseline (no \"format\": "
                                   "\"rollcheck-baseline\")",
                                   (dir / "base.json").string()));
}

TEST_CASE("a baseline of another format version, or with broken fields, is an error naming the "
          "field") {
    rollcheck_test::temp_dir dir;
    const auto file = (dir / "base.json").string();
    auto j = valid_baseline();
    j["version"] = 2;
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: version: format version 2 is not supported (this rollcheck "
                      "reads version 1)",
                      file));

    j = valid_baseline();
    j["hash"] = "md5(key)";
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: hash: keys hashed otherwise than "
                      "hashtextextended(ROW(key)::text, 0) cannot be compared",
                      file));

    j = valid_baseline();
    j["buckets"] = 3;
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: buckets: 3 is not a power of two up to 65536", file));

    j = valid_baseline();
    j["tables"][0]["counts"] = {1, 2, 0};
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: tables[0].counts: 3 entries where the baseline has 2", file));

    j = valid_baseline();
    j["tables"][0]["rows"] = 4;
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: tables[0]: bucket counts add up to 3, not to rows 4", file));

    j = valid_baseline();
    j["tables"][0]["sums"] = {5, 7};
    CHECK(compare_file(dir, j.dump()).summary ==
          fmt::format("baseline {}: tables[0].sums: unexpected value [5,7]", file));

    j = valid_baseline();
    j["tables"][0].erase("key");
    const auto r = compare_file(dir, j.dump());
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("baseline {}: tables[0]: no field 'key'", file));
}

TEST_CASE("key-file lines keep tabs, newlines, backslashes and NULL apart") {
    const auto values = detail::decode_key("a\\tb\\nc\\\\d\t\\N\t");
    REQUIRE(values.size() == 3);
    CHECK(values[0] == std::optional<std::string>("a\tb\nc\\d"));
    CHECK_FALSE(values[1].has_value());
    CHECK(values[2] == std::optional<std::string>(""));
}
