// Taking a baseline against the fixture's server: what the files hold, and
// missing or hostile names, a read-only role and passwords.
#include <fstream>
#include <set>

#include <catch2/catch.hpp>
#include <rollcheck/baseline.hpp>
#include <rollcheck/catch.hpp>

#include "baseline_support.hpp"

using namespace rollcheck;
using namespace rollcheck_test;

namespace {

nlohmann::json read_json(const std::filesystem::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

} // namespace

TEST_CASE("a baseline records rows, the newest timestamp and per-bucket counts and hash sums") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    auto spec = baseline_of(table, dir);
    spec.buckets = 64;
    const auto r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::StartsWith(fmt::format("wrote {} (", spec.out.string())) &&
                   Catch::Contains("): 1 table, 1000 rows, 64 buckets, taken at 20") &&
                   Catch::Contains(fmt::format("; keys in {}.keys (", spec.out.string())));
    CHECK(
        evidence_text(r) ==
        fmt::format("{}: 1000 rows, key (id), newest created_at 2026-01-01 00:16:40+00\n", table));

    const auto j = read_json(spec.out);
    CHECK(j["format"] == "rollcheck-baseline");
    CHECK(j["version"] == 1);
    CHECK(j["buckets"] == 64);
    CHECK(j["keys_file"] == "base.json.keys");
    const auto& t = j["tables"][0];
    CHECK(t["schema"] == "");
    CHECK(t["name"] == table);
    CHECK(t["rows"] == 1000);
    CHECK(t["newest"] == "2026-01-01 00:16:40+00");
    REQUIRE(t["counts"].size() == 64);
    REQUIRE(t["key_offsets"].size() == 65);
    std::uint64_t total = 0;
    for (const auto& c : t["counts"])
        total += c.get<std::uint64_t>();
    CHECK(total == 1000);

    // The key file holds every id once, and its size is what the JSON recorded.
    const auto keys = dir / "base.json.keys";
    CHECK(std::filesystem::file_size(keys) == j["keys_bytes"].get<std::uint64_t>());
    CHECK(r.totals["keys_bytes"] == j["keys_bytes"]);
    std::ifstream in(keys);
    std::string line;
    std::getline(in, line);
    CHECK(line == "rollcheck-baseline-keys 1");
    std::set<int> ids;
    while (std::getline(in, line))
        ids.insert(std::stoi(line));
    CHECK(ids.size() == 1000);
    CHECK(*ids.rbegin() == 1000);
}

TEST_CASE("without a key file the baseline is one small JSON file") {
    const auto table = make_keyed_table(20000);
    temp_dir dir;
    auto spec = baseline_of(table, dir);
    spec.keep_keys = false;
    const auto r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::EndsWith("; no key file: compare can count lost rows, not name them"));
    CHECK_FALSE(std::filesystem::exists(dir / "base.json.keys"));
    // 4096 buckets: a count and a sum each, whatever the number of rows.
    CHECK(std::filesystem::file_size(spec.out) < 150 * 1024);
    CHECK(read_json(spec.out)["tables"][0].count("key_offsets") == 0);
}

TEST_CASE("a missing table or column is an error naming it, and no file is written") {
    const auto table = make_keyed_table(10);
    temp_dir dir;
    auto spec = baseline_of(table, dir);
    spec.tables.push_back({{"", "no_such_table"}, {"id"}, ""});
    auto r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("table no_such_table not found on host ") &&
                              Catch::EndsWith("; no baseline written"));
    CHECK(std::filesystem::is_empty(dir.path()));

    spec = baseline_of(table, dir);
    spec.tables[0].column = "updated_at";
    r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(fmt::format(
                              "column \"updated_at\" not found in table {} on host ", table)));
    CHECK(std::filesystem::is_empty(dir.path()));

    spec = baseline_of(table, dir);
    spec.buckets = 1000;
    r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "buckets: 1000 is not a power of two from 1 to 65536");
}

TEST_CASE("hostile table and column names are names, never SQL") {
    const std::string schema = unique_name("Odd Schema.x");
    admin_exec(fmt::format("CREATE SCHEMA \"{0}\"; CREATE TABLE \"{0}\".\"Mixed \"\"Case\"\"; "
                           "DROP TABLE x\" (\"Key; --\" text, \"when\" timestamptz); "
                           "INSERT INTO \"{0}\".\"Mixed \"\"Case\"\"; DROP TABLE x\" VALUES "
                           "('a', now()), ('b''c', now())",
                           schema));
    temp_dir dir;
    baseline_spec spec;
    spec.connection = socket_spec();
    spec.out = dir / "base.json";
    const std::string quoted = fmt::format("\"{}\".\"Mixed \"\"Case\"\"; DROP TABLE x\"", schema);
    spec.tables = {{table_ref::parse(quoted), {"Key; --"}, "when"}};
    auto r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::Contains("1 table, 2 rows"));
    REQUIRE_VERIFIED(compare_baseline(compare_to(dir)));

    spec.tables = {{{"", "t; DROP TABLE pg_class --"}, {"id"}, ""}};
    r = take_baseline(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::StartsWith("table \"t; DROP TABLE pg_class --\" not found on host "));
}

TEST_CASE("a role with SELECT only and default_transaction_read_only takes and compares "
          "baselines") {
    const auto table = make_keyed_table(500);
    temp_dir dir;
    const auto reader = reader_spec(table);
    REQUIRE_VERDICT(take_baseline(baseline_of(table, dir, reader)), verdict::pass);
    admin_exec(fmt::format("DELETE FROM {} WHERE id = 7", table));
    const auto r = compare_baseline(compare_to(dir, reader));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_text(r) == fmt::format("{}: lost key id=7\n", table));
}

TEST_CASE("the password of the DSN appears in no output and in no file") {
    const auto table = make_keyed_table(50);
    temp_dir dir;
    const auto conn = tcp_spec();
    const auto& password = postgres().password;
    auto spec = baseline_of(table, dir, conn);
    const auto taken = take_baseline(spec);
    REQUIRE_VERDICT(taken, verdict::pass);
    const auto compared = compare_baseline(compare_to(dir, conn));
    REQUIRE_VERDICT(compared, verdict::pass);
    spec.tables[0].table.name = "no_such_table";
    const auto failed = take_baseline(spec);
    REQUIRE_VERDICT(failed, verdict::error);
    for (const auto* r : {&taken, &compared, &failed}) {
        CHECK_THAT(fmt::format("{}", *r), !Catch::Contains(password));
        CHECK_THAT(to_json(*r).dump(), !Catch::Contains(password));
    }
    std::ifstream in(dir / "base.json");
    const std::string json((std::istreambuf_iterator<char>(in)), {});
    CHECK_THAT(json, Catch::Contains("host 127.0.0.1 port ") && !Catch::Contains(password));
}

TEST_CASE("a baseline file holding the table, taken before the rollback, passes the before check, "
          "and one taken after fails, naming both times") {
    const auto table = make_keyed_table(20);
    temp_dir dir;
    REQUIRE_VERDICT(take_baseline(baseline_of(table, dir)), verdict::pass);
    baseline_file_spec spec;
    spec.baseline = dir / "base.json";
    spec.tables = {table_ref::parse(table)};
    spec.taken_before = std::chrono::system_clock::now() + std::chrono::minutes(1);
    auto r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::Contains(table + " (20 rows)"));

    spec.taken_before = std::chrono::system_clock::now() - std::chrono::minutes(1);
    r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(evidence_text(r),
               Catch::Contains("not before") && Catch::Contains("(when the rollback started)"));
}

TEST_CASE("a baseline without the table, or whose key file is gone or cut, fails, without a key "
          "file it warns, and an unreadable one is an error") {
    const auto table = make_keyed_table(20);
    temp_dir dir;
    REQUIRE_VERDICT(take_baseline(baseline_of(table, dir)), verdict::pass);
    baseline_file_spec spec;
    spec.baseline = dir / "base.json";
    spec.tables = {table_ref::parse("public.no_such_table")};
    auto r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_text(r) == "public.no_such_table: not in the baseline\n");

    spec.tables = {table_ref::parse(table)};
    std::filesystem::resize_file(dir / "base.json.keys", 3);
    r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(evidence_text(r), Catch::Contains("base.json.keys: 3 bytes, the baseline records"));
    std::filesystem::remove(dir / "base.json.keys");
    REQUIRE_VERDICT(check_baseline_file(spec), verdict::fail);

    auto without_keys = baseline_of(table, dir);
    without_keys.keep_keys = false;
    REQUIRE_VERDICT(take_baseline(without_keys), verdict::pass);
    r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::warn);
    CHECK_THAT(r.summary, Catch::EndsWith("no key file: compare cannot name lost keys"));

    spec.baseline = dir / "missing.json";
    r = check_baseline_file(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains("missing.json"));
}

TEST_CASE("the counts and sums are the server's own hashtextextended(ROW(key)::text, 0), for "
          "keys that need quoting or escapes and for types hashed by the server") {
    // Keys of 0 to 40 bytes (each tail length of the hash), with every
    // character the row text quotes or COPY escapes, NULLs and non-ASCII.
    const auto table = make_table(
        "CREATE TABLE {0} (a text, b int, c boolean); INSERT INTO {0} SELECT repeat('k', g % 41) "
        "|| g, g, g % 2 = 0 FROM generate_series(1, 400) g; INSERT INTO {0} VALUES ('', 1, true), "
        "(' lead', 2, NULL), ('a\"b', 3, true), (E'back\\\\slash', 4, false), ('(x,y)', 5, true), "
        "(E'tab\\there\\nnew\\rret', 6, true), (E'bell\\bform\\fvert\\v', 7, false), ('naïve ✓', "
        "8, true), (NULL, 9, true), ('null', NULL, NULL)");
    for (const std::vector<std::string>& key :
         {std::vector<std::string>{"a"}, {"a", "b"}, {"c", "a"}}) {
        temp_dir dir;
        baseline_spec spec;
        spec.connection = socket_spec();
        spec.tables = {{table_ref::parse(table), key, ""}};
        spec.buckets = 16;
        spec.out = dir / "base.json";
        REQUIRE_VERDICT(take_baseline(spec), verdict::pass);
        const auto j = read_json(spec.out)["tables"][0];
        std::string columns;
        for (const auto& k : key)
            columns += (columns.empty() ? "" : ", ") + k;
        pqxx::connection c(postgres().conninfo());
        pqxx::read_transaction tx(c);
        const auto rows = tx.exec(
            fmt::format("SELECT (hashtextextended(ROW({0})::text, 0) & 15)::int, count(*), "
                        "sum(hashtextextended(ROW({0})::text, 0))::text FROM {1} GROUP BY 1",
                        columns, table));
        REQUIRE(rows.size() == 16);
        for (const auto& row : rows) {
            INFO(columns << ", bucket " << row[0].as<int>());
            CHECK(j["counts"][row[0].as<int>()] == row[1].as<std::uint64_t>());
            CHECK(j["sums"][row[0].as<int>()] == row[2].as<std::string>());
        }
        compare_spec cmp;
        cmp.connection = socket_spec();
        cmp.baseline = spec.out;
        REQUIRE_VERIFIED(compare_baseline(cmp));
    }
}
