/// \file detail/db/backup_restore_impl.hpp
/// Definitions of backup.hpp's restore check, included at its end.
#pragma once

#include <fmt/ranges.h>

#include "../../backup.hpp"
#include "../../duplicates.hpp"
#include "../../progress.hpp"
#include "../../wording.hpp"
#include "backup_impl.hpp"
#include "duplicates_impl.hpp"
#include "scratch_cluster.hpp"

namespace rollcheck {

namespace detail {

inline constexpr const char* restore_check_name = "db.backup-restore";

/// An error message when the spec cannot describe a restore check, else nothing.
inline std::optional<std::string> invalid_restore_spec(const backup_restore_spec& spec) {
    if (spec.archive.empty()) return "no archive given";
    if (spec.tables.empty()) return "no table given to look at in the restored copy";
    for (const auto& t : spec.tables) {
        if (t.table.name.empty()) return "a table without a name";
        for (const auto& column : t.key)
            if (column.empty()) return fmt::format("an empty key column of {}", t.table.display());
    }
    return std::nullopt;
}

/// What the scratch database holds that a restore could collide with:
/// relations outside the system schemas, and schemas but `public`.
inline std::vector<table_ref> scratch_contents(pqxx::read_transaction& tx) {
    std::vector<table_ref> held;
    for (const auto& row : tx.exec(
             "SELECT n.nspname, c.relname FROM pg_class c"
             " JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
             " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
             " AND n.nspname NOT LIKE 'pg\\_%'"
             " UNION ALL SELECT nspname, NULL FROM pg_namespace"
             " WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'"
             " ORDER BY 1, 2 NULLS FIRST"))
        held.push_back({row[0].c_str(), row[1].is_null() ? "" : row[1].c_str()});
    return held;
}

/// "public.orders", or "schema audit" for a schema.
inline std::string describe_held(const table_ref& held) {
    return held.name.empty() ? fmt::format("schema {}", table_ref{"", held.schema}.display())
                             : held.display();
}

/// Why the scratch database `connection` may not take the restore, or
/// nothing. A database holding one of the tables is named as such: the
/// copy found could be taken for the restored one.
inline std::string refuse_scratch(const connection_spec& connection,
                                  const std::vector<restored_table>& tables) {
    std::vector<table_ref> held;
    const auto looked =
        db_check(restore_check_name, connection, "the scratch database", [&](pg_session& s) {
            held = s.read(scratch_contents);
            return check_result::pass(restore_check_name, "");
        });
    if (looked.status == verdict::error) return looked.summary;
    if (held.empty()) return {};
    const auto at = resolve_target(connection).describe();
    for (const auto& t : tables)
        for (const auto& h : held)
            if (h.schema == t.table.schema && h.name == t.table.name)
                return fmt::format("the scratch database ({}) already holds {}: a restore check "
                                   "restores only into a database without it, and never drops a "
                                   "table; give an empty scratch database",
                                   at, t.table.display());
    std::vector<std::string> named;
    for (std::size_t i = 0; i < held.size() && i < 3; ++i)
        named.push_back(describe_held(held[i]));
    return fmt::format("the scratch database ({}) is not empty: it holds {}{}, which a restore "
                       "could collide with; give an empty scratch database",
                       at, fmt::join(named, ", "),
                       held.size() > named.size()
                           ? fmt::format(" and {} more", held.size() - named.size())
                           : std::string());
}

/// What one table of the restored copy holds.
struct restored_facts {
    bool present = false;
    long long rows = 0;
    check_result duplicates; ///< check_duplicates' result; not run without a key
};

/// Counts `table`'s rows in the restored copy; an error result when it cannot.
inline check_result count_restored(const connection_spec& connection, const table_ref& table,
                                   restored_facts& facts) {
    return db_check(restore_check_name, connection, table.display(), [&](pg_session& s) {
        facts = s.read([&](pqxx::read_transaction& tx) {
            restored_facts found;
            found.present = tx.exec_params1("SELECT count(*) FROM pg_class c JOIN pg_namespace n"
                                            " ON n.oid = c.relnamespace WHERE n.nspname = $1"
                                            " AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                                            table.schema, table.name)[0]
                                .as<long long>() > 0;
            if (found.present)
                found.rows = tx.exec1("SELECT count(*) FROM " + table.sql(tx))[0].as<long long>();
            return found;
        });
        return check_result::pass(restore_check_name, "");
    });
}

/// Collects what the restored copy shows, table by table.
class restore_findings {
public:
    explicit restore_findings(std::size_t show) : evidence_(show) {}

    /// Judges one table; returns an error message when it could not be looked at.
    std::string judge(const restored_table& t, const restored_facts& facts) {
        const auto name = t.table.display();
        nlohmann::json row = {{"table", name}, {"present", facts.present}, {"rows", facts.rows}};
        if (!facts.present) {
            problem(name, "missing", fmt::format("{} is not in the restored copy", name));
        } else if (facts.rows == 0) {
            problem(name, "no_rows", fmt::format("{} restored with 0 rows", name));
        } else {
            good_.push_back(
                fmt::format("{} {}", name, counted(static_cast<std::size_t>(facts.rows), "row")));
        }
        rows_ += facts.rows;
        if (t.key.empty() || !facts.present) {
            if (facts.present && facts.rows > 0) good_.back() += " (no key given: not looked at)";
            tables_.push_back(std::move(row));
            return {};
        }
        const auto& d = facts.duplicates;
        if (d.status == verdict::error) return d.summary;
        row["key"] = t.key;
        for (const char* count : {"duplicated_keys", "excess_rows", "null_key_rows"})
            row[count] = d.totals.value(count, 0LL);
        tables_.push_back(std::move(row));
        const auto label = key_label(t.key);
        const auto duplicated = d.totals.value("duplicated_keys", 0LL);
        if (duplicated > 0) {
            texts_.push_back(fmt::format(
                "{} holds {} ({})", name,
                counted(static_cast<std::size_t>(duplicated), "duplicated " + label + " value"),
                counted(static_cast<std::size_t>(d.totals.value("excess_rows", 0LL)),
                        "excess row")));
            for (const auto& item : d.evidence.items()) {
                auto data = item.data;
                data["table"] = name;
                data["problem"] = "duplicated_key";
                evidence_.add({fmt::format("{}: {}", name, item.text), std::move(data)});
            }
            evidence_.count_more(d.evidence.total() - d.evidence.items().size());
        } else if (facts.rows > 0) {
            good_.back() += fmt::format(", no duplicated {}", label);
        }
        if (const auto nulls = d.totals.value("null_key_rows", 0LL); nulls > 0) {
            warnings_.push_back(fmt::format(
                "{} {} a NULL in {}", name,
                counted(static_cast<std::size_t>(nulls), "row has", "rows have"), label));
        }
        return {};
    }

    [[nodiscard]] verdict status() const {
        if (!texts_.empty()) return verdict::fail;
        return warnings_.empty() ? verdict::pass : verdict::warn;
    }
    /// "public.orders 20000 rows, no duplicated id; …", the failures first.
    [[nodiscard]] std::string describe() const {
        std::vector<std::string> parts(texts_);
        parts.insert(parts.end(), warnings_.begin(), warnings_.end());
        if (texts_.empty()) parts.insert(parts.begin(), good_.begin(), good_.end());
        return fmt::format("{}", fmt::join(parts, "; "));
    }
    [[nodiscard]] long long rows() const noexcept { return rows_; }
    [[nodiscard]] nlohmann::json tables() const { return tables_; }
    bounded_evidence take_evidence() { return std::move(evidence_); }

private:
    void problem(const std::string& table, const char* what, std::string text) {
        evidence_.add({text, {{"table", table}, {"problem", what}}});
        texts_.push_back(std::move(text));
    }

    bounded_evidence evidence_;
    std::vector<std::string> texts_, warnings_, good_;
    nlohmann::json tables_ = nlohmann::json::array();
    long long rows_ = 0;
};

/// The restore: the whole archive in one transaction, so that a restore that
/// fails leaves the scratch database as it was; without owners, grants,
/// tablespaces and security labels, which name roles and places the scratch
/// side lacks, and without publications and subscriptions, which would reach
/// out to other servers.
inline command_spec restore_command(const backup_restore_spec& spec, const std::string& pg_restore,
                                    const std::string& conninfo) {
    command_spec cmd;
    const auto archive = spec.archive.string();
    cmd.argv = {pg_restore, "--single-transaction", "--no-owner", "--no-privileges",
                "--no-tablespaces", "--no-security-labels", "--no-publications",
                "--no-subscriptions", "--dbname=" + conninfo,
                // A relative name starting with '-' would read as an option.
                archive.rfind('-', 0) == 0 ? "./" + archive : archive};
    cmd.timeout = spec.restore_timeout;
    return cmd;
}

/// The restore check once the archive is known to be a custom-format file.
inline check_result restore_and_judge(const backup_restore_spec& spec,
                                      const std::vector<restored_table>& tables,
                                      const std::string& label, nlohmann::json& totals) {
    const auto error = [&](const std::string& why) {
        return check_result::error(restore_check_name, fmt::format("{}: {}", label, why));
    };
    const bool throwaway = spec.scratch_dsn.empty();
    const auto bindir = find_postgres_bindir(spec.bindir, throwaway ? "initdb" : "pg_restore");
    if (throwaway && bindir.empty())
        return error(fmt::format("no PostgreSQL server programs to make a throwaway cluster: "
                                 "neither `pg_config --bindir` nor {} holds initdb; install "
                                 "PostgreSQL's server, give its bindir, or a scratch database",
                                 debian_postgres_bindir));
    const auto pg_restore =
        bindir.empty() ? std::string("pg_restore") : (bindir / "pg_restore").string();
    totals["bindir"] = bindir.string();

    // Its stages, for a person watching: each step blocks until it is done.
    progress_meter progress(restore_check_name, "", progress_unit::none);
    const auto stage = [&](std::string text) {
        progress.subject(std::move(text));
        progress.flush();
    };
    std::optional<scratch_cluster> cluster;
    connection_spec into;
    into.statement_timeout = spec.query_timeout;
    into.deadline = spec.query_timeout + std::chrono::minutes(1);
    std::string where;
    if (throwaway) {
        stage("making a throwaway cluster (initdb, postgres)");
        cluster.emplace(bindir, spec.cluster_timeout);
        const auto why = cluster->start();
        if (!cluster->directory().empty()) totals["cluster_dir"] = cluster->directory().string();
        if (!why.empty()) {
            totals["cluster_removed"] = cluster->stop();
            return error("cannot make a throwaway cluster to restore into: " + why);
        }
        into.dsn = cluster->conninfo();
        where = "a throwaway cluster";
    } else {
        into.dsn = spec.scratch_dsn;
        if (auto why = refuse_scratch(into, tables); !why.empty()) return error(why);
        where = fmt::format("the scratch database ({})", resolve_target(into).describe());
    }
    totals["restored_into"] = where;

    stage(fmt::format("pg_restore into {}", where));
    auto cmd = restore_command(spec, pg_restore, into.dsn);
    const auto run = run_command(cmd);
    const double seconds = static_cast<double>(run.elapsed.count()) / 1000.0;
    totals["restore_s"] = seconds;
    // The command line holds the scratch DSN: shown only scrubbed of passwords.
    const auto shown = [&](std::string text) { return scrub(std::move(text), into); };
    check_result r;
    if (run.status == command_status::failed_to_start || run.status == command_status::timed_out ||
        run.status == command_status::signaled || run.status == command_status::interrupted) {
        r = error(shown(fmt::format("{}: {}", run.command, run.describe())));
    } else if (!run.succeeded()) {
        r = check_result::fail(
            restore_check_name,
            shown(fmt::format("{}: pg_restore cannot restore it into {} ({}): "
                              "{}",
                              label, where, run.describe(), first_line(run.err.text()))));
        r.evidence = bounded_evidence(spec.show);
        r.evidence.add({r.summary, {{"problem", "restore_failed"}}});
    } else {
        restore_findings found(spec.show);
        std::string could_not;
        for (const auto& t : tables) {
            stage(fmt::format("counting {} in {}", t.table.display(), where));
            restored_facts facts;
            if (auto counted = count_restored(into, t.table, facts);
                counted.status == verdict::error) {
                could_not = counted.summary;
                break;
            }
            if (facts.present && !t.key.empty()) {
                duplicates_spec d;
                d.connection = into;
                d.table = t.table;
                d.key = t.key;
                d.show = spec.show;
                facts.duplicates = check_duplicates(d);
            }
            could_not = found.judge(t, facts);
            if (!could_not.empty()) break;
        }
        totals["tables"] = found.tables();
        totals["rows"] = found.rows();
        if (!could_not.empty()) {
            r = error(shown(could_not));
        } else {
            r = check_result::make(restore_check_name, found.status(),
                                   shown(fmt::format("{}: restored into {} in {:.2f} s; {}", label,
                                                     where, seconds, found.describe())));
            r.evidence = found.take_evidence();
        }
    }
    if (cluster) totals["cluster_removed"] = cluster->stop();
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_backup_restore(const backup_restore_spec& spec) {
    return timed_check(detail::restore_check_name, [&] {
        if (auto problem = detail::invalid_restore_spec(spec))
            return check_result::error(detail::restore_check_name,
                                       "invalid restore check: " + *problem);
        auto tables = spec.tables;
        for (auto& t : tables)
            if (t.table.schema.empty()) t.table.schema = "public";
        // The file facts as db.backup judges them, before any cluster is made.
        backup_spec file;
        file.archive = spec.archive;
        file.max_age = std::chrono::milliseconds(0);
        detail::backup_findings found(spec.archive, spec.show);
        nlohmann::json totals = {{"file", found.file()}};
        std::string error;
        const bool restorable = detail::examine_file(file, found, totals, error);
        totals.erase("max_age_s"); // the age is the archive check's to judge
        if (!error.empty()) return check_result::error(detail::restore_check_name, error);
        check_result r =
            restorable
                ? detail::restore_and_judge(spec, tables, found.label(), totals)
                : found.finish(check_result::fail(detail::restore_check_name, found.summary()));
        r.totals = std::move(totals);
        return r;
    });
}

ROLLCHECK_INLINE check_result check_backup_then_restore(const backup_spec& archive,
                                                        const backup_restore_spec& restore) {
    check_result checked = check_backup(archive);
    if (!checked.acceptable()) {
        checked.summary += "; the restore was not attempted";
        return checked;
    }
    check_result restored = check_backup_restore(restore);
    restored.summary += fmt::format("; {} passed before it", checked.check);
    restored.totals["archive_check"] = {{"verdict", std::string(to_string(checked.status))},
                                        {"summary", checked.summary}};
    restored.elapsed += checked.elapsed;
    return restored;
}

} // namespace rollcheck
