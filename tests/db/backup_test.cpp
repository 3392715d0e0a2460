// Backup verification against real pg_dump archives of the fixture's server,
// and against files that only look like backups.
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <utime.h>

#include <catch2/catch.hpp>
#include <rollcheck/backup.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/time.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::temp_dir;

namespace {

using rollcheck_test::pg_program;

/// A database of its own holding public.orders, public.customers and
/// "Odd Schema"."a b", dumped with pg_dump in `format` to `file`.
void dump(const std::filesystem::path& file, const std::string& format = "custom") {
    static const std::string db = rollcheck_test::make_database(
        "backup", "CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, "
                  "20000); CREATE TABLE customers (id int); CREATE SCHEMA \"Odd Schema\"; "
                  "CREATE TABLE \"Odd Schema\".\"a b\" (x text); INSERT INTO \"Odd "
                  "Schema\".\"a b\" VALUES ('y')");
    REQUIRE(rollcheck_test::pg_dump(db, file, format));
}

backup_spec spec_for(const std::filesystem::path& file, const std::vector<std::string>& tables) {
    backup_spec spec;
    spec.archive = file;
    for (const auto& table : tables)
        spec.tables.push_back(table_ref::parse(table));
    spec.pg_restore = pg_program("pg_restore");
    return spec;
}

/// How messages open for an existing file: "FILE (SIZE, " (the age follows).
std::string opening(const std::filesystem::path& file) {
    return fmt::format("{} ({}, ", file.string(), describe_bytes(std::filesystem::file_size(file)));
}

/// Matches "FILE (SIZE, AGE old): `rest`".
Catch::Matchers::StdString::StartsWithMatcher opens_with(const std::filesystem::path& file) {
    return Catch::StartsWith(opening(file));
}

void set_age(const std::filesystem::path& file, std::chrono::seconds age) {
    const auto when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - age);
    const ::utimbuf times{when, when};
    REQUIRE(::utime(file.c_str(), &times) == 0);
}

} // namespace

TEST_CASE("a fresh custom-format archive with the named tables' data passes") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    const auto r =
        check_backup(spec_for(file, {"orders", "public.customers", "\"Odd Schema\".\"a b\""}));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               opens_with(file) && Catch::EndsWith(" old): custom-format archive, TABLE DATA for 3 "
                                                   "named tables, every data block read"));
    CHECK(r.totals["table_data_entries"] == 3);
    CHECK(r.totals["tables_missing"].empty());
    CHECK(r.totals["age_s"].get<long long>() < 60);
}

TEST_CASE("an archive written after the rollback started fails, one written before passes") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    auto spec = spec_for(file, {"orders"});
    spec.taken_before = std::chrono::system_clock::now();
    REQUIRE_VERDICT(check_backup(spec), verdict::pass);

    spec.taken_before = std::chrono::system_clock::now() - std::chrono::hours(1);
    const auto r = check_backup(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::Contains("not before " + rollcheck::format_utc(*spec.taken_before) +
                               " (when the rollback started)"));
}

TEST_CASE("a table whose TABLE DATA the archive lacks fails by name, and names match exactly") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    const auto r = check_backup(spec_for(
        file, {"orders", "audit.orders", "\"Odd Schema\".\"a\"", "\"odd schema\".\"a b\""}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, opens_with(file) &&
                              Catch::EndsWith(" old): holds no TABLE DATA for audit.orders; holds "
                                              "no TABLE DATA for \"Odd Schema\".a; holds no "
                                              "TABLE DATA for \"odd schema\".\"a b\""));
    REQUIRE(r.evidence.items().size() == 3);
    CHECK_THAT(r.evidence.items()[0].text,
               opens_with(file) && Catch::EndsWith(" old): holds no TABLE DATA for audit.orders"));
    CHECK(r.evidence.items()[0].data["file"] == file.string());
    CHECK(r.evidence.items()[0].data["table"] == "audit.orders");
    CHECK(r.totals["tables_missing"].size() == 3);
}

TEST_CASE("a truncated archive passes --list but not the read of its data") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    std::filesystem::resize_file(file, std::filesystem::file_size(file) - 2000);
    auto spec = spec_for(file, {"orders"});
    const auto r = check_backup(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               opens_with(file) &&
                   Catch::Contains(" old): pg_restore cannot read its data: pg_restore: error: "));
    spec.read_data = false;
    REQUIRE_VERDICT(check_backup(spec), verdict::pass);
}

TEST_CASE("a corrupt archive, an empty file, a plain SQL dump and a missing file fail") {
    temp_dir dir;
    const auto corrupt = dir / "corrupt.dump";
    dump(corrupt);
    {
        std::fstream f(corrupt, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(12);
        f << std::string(64, '\xff');
    }
    auto r = check_backup(spec_for(corrupt, {"orders"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               opens_with(corrupt) &&
                   Catch::Contains(" old): pg_restore --list cannot read it: pg_restore: error: "));

    const auto empty = dir.write("empty.dump", "");
    r = check_backup(spec_for(empty, {"orders"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith(empty.string() + " (0 bytes, ") &&
                              Catch::EndsWith(" old): is empty"));

    const auto plain = dir / "plain.sql";
    dump(plain, "plain");
    r = check_backup(spec_for(plain, {"orders"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               opens_with(plain) && Catch::EndsWith(" old): is a plain SQL dump, not a pg_dump "
                                                    "custom-format archive (pg_dump -Fc)"));

    const auto tar = dir / "nightly.tar";
    dump(tar, "tar");
    r = check_backup(spec_for(tar, {"orders"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, opens_with(tar) &&
                              Catch::EndsWith(" old): is not a pg_dump custom-format archive (it "
                                              "does not begin with PGDMP)"));

    const auto missing = dir / "nowhere.dump";
    r = check_backup(spec_for(missing, {"orders"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("{}: does not exist", missing.string()));
    CHECK(r.evidence.items()[0].data["problem"] == "missing");
}

TEST_CASE("an archive older than max_age fails with its age") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    set_age(file, 30h);
    auto spec = spec_for(file, {"orders"});
    auto r = check_backup(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == opening(file) + "1d 6h old): older than the allowed 1d 2h");
    CHECK(r.totals["age_s"].get<long long>() >= 30 * 3600);
    spec.max_age = 48h;
    REQUIRE_VERDICT(check_backup(spec), verdict::pass);
}

TEST_CASE("a pg_restore that cannot run is an error") {
    temp_dir dir;
    const auto file = dir / "nightly.dump";
    dump(file);
    auto spec = spec_for(file, {"orders"});
    spec.pg_restore = "no-such-pg_restore";
    auto r = check_backup(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("no-such-pg_restore --list {}: could not start: "
                                   "'no-such-pg_restore' not found on PATH",
                                   file.string()));

    // A pg_restore that hangs meets the deadline, and its process with it.
    spec.pg_restore = dir.write("slow-pg_restore", "#!/bin/sh\nsleep 30\n").string();
    std::filesystem::permissions(spec.pg_restore, std::filesystem::perms::owner_all);
    spec.timeout = 500ms;
    const auto start = std::chrono::steady_clock::now();
    r = check_backup(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(fmt::format("{} --list {}: timed out after ",
                                                        spec.pg_restore, file.string())));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
}
