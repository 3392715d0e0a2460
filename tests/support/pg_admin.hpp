// Setting up test data as the fixture's superuser. Only tests write; the
// verifiers under test never do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <pqxx/pqxx>
#include <rollcheck/command.hpp>

#include "test_support.hpp"

namespace rollcheck_test {

/// Runs `sql` (one or more statements) in a committed transaction as postgres.
inline void admin_exec(const std::string& sql, const std::string& dbname = "postgres") {
    pqxx::connection c(postgres().conninfo(dbname));
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
}

/// PostgreSQL 15's `name` (pg_dump, pg_restore), the fixture's own version;
/// else the one on PATH.
inline std::string pg_program(const std::string& name) {
    const std::string versioned = "/usr/lib/postgresql/15/bin/" + name;
    return std::filesystem::exists(versioned) ? versioned : name;
}

/// A fresh database of the fixture's server named after `prefix`, set up by
/// `sql` (none: left empty).
inline std::string make_database(const std::string& prefix, const std::string& sql = {}) {
    const auto name = unique_name(prefix);
    pqxx::connection c(postgres().conninfo());
    pqxx::nontransaction(c).exec("CREATE DATABASE " + name);
    if (!sql.empty()) admin_exec(sql, name);
    return name;
}

/// Dumps the fixture's database `db` with pg_dump --format=`format` (and
/// `options`) into `file`; returns whether pg_dump succeeded.
inline bool pg_dump(const std::string& db, const std::filesystem::path& file,
                    const std::string& format = "custom",
                    const std::vector<std::string>& options = {}) {
    rollcheck::command_spec cmd;
    cmd.argv = {pg_program("pg_dump"), "--format=" + format, "--file=" + file.string()};
    cmd.argv.insert(cmd.argv.end(), options.begin(), options.end());
    cmd.argv.push_back(postgres().conninfo(db));
    return rollcheck::run_command(cmd).succeeded();
}

} // namespace rollcheck_test
