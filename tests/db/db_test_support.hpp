// What the db verifier tests share: connections to the fixture's server,
// throwaway tables, and a role that can only read.
#pragma once

#include <string>

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

} // namespace rollcheck_test
