// Setting up test data as the fixture's superuser. Only tests write; the
// verifiers under test never do.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "test_support.hpp"

namespace rollcheck_test {

/// Runs `sql` (one or more statements) in a committed transaction as postgres.
inline void admin_exec(const std::string& sql, const std::string& dbname = "postgres") {
    pqxx::connection c(postgres().conninfo(dbname));
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
}

} // namespace rollcheck_test
