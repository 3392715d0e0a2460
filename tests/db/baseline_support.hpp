// What the baseline and compare tests share: a keyed table with timestamps,
// and baseline/compare specs pointing at the fixture's server.
#pragma once

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include <rollcheck/baseline.hpp>

#include "db_test_support.hpp"
#include "evidence_text.hpp"

namespace rollcheck_test {

/// A table `id int, created_at timestamptz` holding ids 1..rows, one second apart.
inline std::string make_keyed_table(int rows) {
    return make_table(fmt::format(
        "CREATE TABLE {{0}} (id int, created_at timestamptz); "
        "INSERT INTO {{0}} SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 s' "
        "FROM generate_series(1, {}) g",
        rows));
}

/// A baseline of `table` keyed on id, written to `dir`/base.json.
inline rollcheck::baseline_spec
baseline_of(const std::string& table, const temp_dir& dir,
            const rollcheck::connection_spec& conn = socket_spec()) {
    rollcheck::baseline_spec spec;
    spec.connection = conn;
    spec.tables = {{rollcheck::table_ref::parse(table), {"id"}, "created_at"}};
    spec.out = dir / "base.json";
    return spec;
}

/// A compare of the database with `dir`/base.json.
inline rollcheck::compare_spec compare_to(const temp_dir& dir,
                                          const rollcheck::connection_spec& conn = socket_spec()) {
    rollcheck::compare_spec spec;
    spec.connection = conn;
    spec.baseline = dir / "base.json";
    return spec;
}

/// Takes the default baseline of `table` (with `buckets`) into `dir`, then runs
/// `change` (`{}` stands for the table) as the superuser: the data loss under test.
inline void baseline_then_change(const std::string& table, const temp_dir& dir,
                                 const std::string& change, unsigned buckets = 4096) {
    auto spec = baseline_of(table, dir);
    spec.buckets = buckets;
    const auto taken = rollcheck::take_baseline(spec);
    if (taken.status != rollcheck::verdict::pass)
        throw std::runtime_error(fmt::format("baseline not taken: {}", taken));
    admin_exec(fmt::format(change, table));
}

/// The texts of a result's kept evidence, as a set (buckets come in hash order).
inline std::set<std::string> evidence_set(const rollcheck::check_result& r) {
    std::set<std::string> texts;
    for (const auto& item : r.evidence.items())
        texts.insert(item.text);
    return texts;
}

} // namespace rollcheck_test
