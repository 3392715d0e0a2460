// What the db verifier tests share: connections to the fixture's server,
// throwaway tables, and a role that can only read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <rollcheck/command.hpp>
#include <rollcheck/postgres.hpp>

#include "pg_admin.hpp"

namespace rollcheck_test {

/// The fixture's superuser over the unix socket (trusted).
inline rollcheck::connection_spec socket_spec() {
    rollcheck::connection_spec spec;
    spec.dsn = postgres().conninfo();
    return spec;
}

/// The fixture's superuser over TCP, with the password in the DSN.
inline rollcheck::connection_spec tcp_spec() {
    rollcheck::connection_spec spec;
    spec.dsn = postgres().tcp_conninfo("postgres", postgres().password);
    return spec;
}

/// A login role with SELECT on `table` only and default_transaction_read_only
/// = on, reached over TCP with a password: what a verifier's least privilege is.
inline rollcheck::connection_spec reader_spec(const std::string& table) {
    static const std::string role = unique_name("reader");
    static const std::string password = unique_name("pw-reader");
    static const bool created = [] {
        admin_exec(fmt::format("CREATE ROLE {0} LOGIN PASSWORD '{1}'; "
                               "ALTER ROLE {0} SET default_transaction_read_only = on",
                               role, password));
        return true;
    }();
    (void)created;
    admin_exec(fmt::format("GRANT SELECT ON {} TO {}", table, role));
    rollcheck::connection_spec spec;
    spec.dsn = postgres().tcp_conninfo(role, password);
    return spec;
}

/// A fresh table name, created by `ddl` where `{0}` stands for the name.
inline std::string make_table(const std::string& ddl) {
    const auto table = unique_name("t");
    admin_exec(fmt::format(ddl, table));
    return table;
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
