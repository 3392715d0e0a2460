/// \file detail/db/postgres_impl.hpp
/// Definitions of postgres.hpp, included at its end.
#pragma once

#include "../../postgres.hpp"
#include "../../wording.hpp"
#include "session.hpp"

#include <cmath>

namespace rollcheck {

ROLLCHECK_INLINE server_position read_server_position(pqxx::transaction_base& tx) {
    // CASE keeps each function to the side it answers on: pg_current_wal_lsn()
    // fails on a standby, the replay functions say nothing on a primary.
    const auto row = tx.exec1(
        "SELECT pg_is_in_recovery(),"
        " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
        " ELSE pg_current_wal_lsn() END::text,"
        " pg_last_wal_receive_lsn()::text,"
        " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,"
        " pg_last_xact_replay_timestamp()::text,"
        " CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() <> 'not paused'"
        " ELSE false END");
    server_position p;
    p.standby = row[0].as<bool>();
    p.lsn = row[1].is_null() ? "" : row[1].c_str();
    if (!p.standby) return p;
    p.receive_lsn = row[2].is_null() ? "" : row[2].c_str();
    if (!row[3].is_null()) p.lag_s = std::max(0.0, row[3].as<double>());
    p.last_replayed = row[4].is_null() ? "" : row[4].c_str();
    p.replay_paused = row[5].as<bool>();
    return p;
}

ROLLCHECK_INLINE std::string server_position::describe() const {
    if (!standby) return fmt::format("primary at LSN {}", lsn);
    std::string text = fmt::format("standby at replay LSN {}", lsn);
    if (lag_s)
        text += fmt::format(", {} behind (its last replayed commit {})", describe_span(*lag_s),
                            last_replayed);
    else
        text += ", no transaction replayed yet";
    if (replay_paused)
        text += fmt::format(", replay paused{}",
                            lag_s ? fmt::format(" (nothing replayed for {})", describe_span(*lag_s))
                                  : std::string());
    else if (!receive_lsn.empty() && receive_lsn != lsn)
        text += fmt::format(", received up to {}", receive_lsn);
    return text;
}

ROLLCHECK_INLINE nlohmann::json server_position::to_json() const {
    nlohmann::json j{{"role", standby ? "standby" : "primary"}, {"lsn", lsn}};
    if (!standby) return j;
    j["receive_lsn"] = receive_lsn.empty() ? nlohmann::json() : nlohmann::json(receive_lsn);
    j["lag_s"] = lag_s ? nlohmann::json(std::round(*lag_s * 1000) / 1000) : nlohmann::json();
    j["last_replayed"] = last_replayed.empty() ? nlohmann::json() : nlohmann::json(last_replayed);
    j["replay_paused"] = replay_paused;
    return j;
}

ROLLCHECK_INLINE pg_session::pg_session(const connection_spec& spec)
    : spec_(spec), connection_(detail::build_conninfo(spec)) {
    // A broken connection stays broken: libpqxx would otherwise
    // reconnect behind the deadline's back.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    connection_.inhibit_reactivation(true);
#pragma GCC diagnostic pop
    target_.host = value_or_empty(connection_.hostname());
    target_.port = value_or_empty(connection_.port());
    target_.dbname = value_or_empty(connection_.dbname());
    target_.user = value_or_empty(connection_.username());
}

} // namespace rollcheck
