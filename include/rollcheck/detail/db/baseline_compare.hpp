/// \file detail/db/baseline_compare.hpp
/// compare_baseline: the buckets that changed since a baseline, then their
/// keys, to name the rows lost and gained.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <stdlib.h>

#include <fmt/ranges.h>

#include "../../baseline.hpp"
#include "../../progress.hpp"
#include "../../wording.hpp"
#include "baseline_buckets.hpp"
#include "baseline_file.hpp"
#include "baseline_sql.hpp"
#include "key_spill.hpp"
#include "key_stream.hpp"

namespace rollcheck {

namespace detail {

/// How one table differs from its baseline.
struct table_delta {
    std::optional<std::string> missing; ///< why the table could not be read
    std::uint64_t rows_now = 0;
    std::uint64_t lost = 0;
    std::uint64_t gained = 0;
    bool exact = true; ///< keys compared; otherwise lost and gained are lower bounds
    std::uint64_t changed_buckets = 0;
    /// Buckets that grew and changed: with no key file, rows may have been
    /// lost there too, hidden by the gains.
    std::uint64_t unresolved = 0;
    std::optional<std::string> newest_now;
    bool went_back = false;
};

/// A key for people: `id=42`, or `(a=1, b=NULL)` for several columns.
[[nodiscard]] inline evidence_item key_item(const table_baseline& t, const std::string& line,
                                            const char* change) {
    const auto values = decode_key(line);
    auto data_key = nlohmann::json::array();
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < values.size() && i < t.key.size(); ++i) {
        parts.push_back(fmt::format("{}={}", t.key[i], values[i].value_or("NULL")));
        data_key.push_back(values[i] ? nlohmann::json(*values[i]) : nlohmann::json());
    }
    const std::string shown =
        parts.size() == 1 ? parts[0] : fmt::format("({})", fmt::join(parts, ", "));
    return {fmt::format("{}: {} key {}", t.table.display(), change, shown),
            {{"table", t.table.display()}, {"change", change}, {"key", std::move(data_key)}}};
}

/// Compares the keys of the changed buckets, read from the database and
/// from the key file, and names what was lost (then what was gained).
class key_comparison {
public:
    key_comparison(const table_baseline& t, key_file& file, bounded_evidence& evidence)
        : t_(t), file_(file), evidence_(evidence), gained_(evidence.limit()) {}

    void settle(unsigned bucket, std::vector<std::string>& now, table_delta& delta) {
        auto before =
            file_.bucket(t_.key_offsets[bucket], t_.key_offsets[bucket + 1], t_.counts[bucket]);
        std::sort(before.begin(), before.end());
        std::sort(now.begin(), now.end());
        std::vector<std::string> lost, gained;
        std::set_difference(before.begin(), before.end(), now.begin(), now.end(),
                            std::back_inserter(lost));
        std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                            std::back_inserter(gained));
        delta.lost += lost.size();
        delta.gained += gained.size();
        for (const auto& key : lost)
            evidence_.add(key_item(t_, key, "lost"));
        for (const auto& key : gained)
            gained_.add(key_item(t_, key, "gained"));
    }
    /// Gained keys come after every lost one.
    void finish() {
        for (const auto& item : gained_.items())
            evidence_.add(item);
        evidence_.count_more(gained_.total() - gained_.items().size());
    }

private:
    const table_baseline& t_;
    key_file& file_;
    bounded_evidence& evidence_;
    bounded_evidence gained_;
};

/// Reads the table again, keeping the keys of the `changed` buckets (sorted)
/// in temporary files, and settles each of those buckets.
inline void compare_keys(pqxx::transaction_base& tx, const baseline_sql& sql,
                         const table_baseline& t, unsigned buckets,
                         const std::vector<unsigned>& changed, key_comparison& keys,
                         table_delta& delta) {
    const std::uint64_t rows_now = delta.rows_now;
    std::vector<bool> wanted(buckets, false);
    for (const auto b : changed)
        wanted[b] = true;
    std::string dir =
        (std::filesystem::temp_directory_path() / "rollcheck-compare.XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr)
        throw std::runtime_error(
            fmt::format("cannot create a directory like {}: {}", dir, std::strerror(errno)));
    struct remove_dir {
        std::string path;
        ~remove_dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } cleanup{dir};
    {
        key_spill spill(dir + "/keys", buckets);
        progress_meter progress("db.compare", t.table.display() + ": keys of changed buckets",
                                progress_unit::rows, rows_now);
        std::uint64_t rows = 0;
        key_stream stream(tx, sql, t.table, t.key);
        stream.for_each([&](std::int64_t hash, const std::string& line) {
            const auto bucket =
                static_cast<unsigned>(static_cast<std::uint64_t>(hash) & (buckets - 1));
            if (wanted[bucket]) spill.add(bucket, line);
            progress.update(++rows);
        });
        std::vector<std::string> now;
        spill.for_each_bucket([&](unsigned bucket, const std::string& lines) {
            if (!wanted[bucket]) return;
            now.clear();
            for (std::size_t at = 0; at < lines.size();) {
                const auto end = lines.find('\n', at);
                now.emplace_back(lines, at, end - at);
                at = end + 1;
            }
            keys.settle(bucket, now, delta);
        });
    }
    keys.finish();
}

/// Without a key file: what the counts alone prove.
inline void bound_changes(const table_baseline& t, const std::vector<std::uint64_t>& counts,
                          const std::vector<unsigned>& changed, table_delta& delta) {
    delta.exact = false;
    for (const auto b : changed) {
        if (counts[b] < t.counts[b]) {
            delta.lost += t.counts[b] - counts[b];
        } else if (counts[b] == t.counts[b]) {
            ++delta.lost; // same count, other keys: at least one swapped
            ++delta.gained;
        } else {
            delta.gained += counts[b] - t.counts[b];
            ++delta.unresolved;
        }
    }
}

/// The newest timestamp now, and whether it is older than the baseline's.
inline void compare_newest(pqxx::transaction_base& tx, const baseline_sql& sql,
                           const table_baseline& t, table_delta& delta) {
    if (sql.newest.empty()) return;
    if (!t.newest) {
        const auto row = tx.exec1(fmt::format("SELECT {}::text FROM {}", sql.newest, sql.from));
        if (!row[0].is_null()) delta.newest_now = row[0].as<std::string>();
        return;
    }
    // The baseline's text is bound untyped, so the server reads it as the column's type.
    const auto row = tx.exec_params1(
        fmt::format("SELECT {0}::text, {0} < $1 FROM {1}", sql.newest, sql.from), *t.newest);
    if (!row[0].is_null()) delta.newest_now = row[0].as<std::string>();
    delta.went_back = !delta.newest_now || row[1].as<bool>();
}

/// Opens the key file when first needed (most compares never need it).
class lazy_key_file {
public:
    lazy_key_file(const std::filesystem::path& baseline_path, const baseline& b)
        : path_(baseline_path.parent_path() / b.keys_file), bytes_(b.keys_bytes) {}
    key_file& get() {
        if (!file_) file_.emplace(path_, bytes_);
        return *file_;
    }

private:
    std::filesystem::path path_;
    std::uint64_t bytes_;
    std::optional<key_file> file_;
};

[[nodiscard]] inline table_delta compare_table(pqxx::transaction_base& tx,
                                               const connection_spec& connection, const baseline& b,
                                               const table_baseline& t, lazy_key_file& keys,
                                               bounded_evidence& evidence) {
    table_delta delta;
    if ((delta.missing = missing_object(tx, t.table, named_columns(t)))) return delta;
    const baseline_sql sql(tx, t.table, t.key, t.column, b.buckets);
    guard_scan(tx, connection, "the comparison of " + t.table.display(), sql.aggregate_query());
    std::vector<std::uint64_t> counts;
    std::vector<std::string> sums;
    stream_buckets(tx, sql, t.table, t.key, b.buckets, counts, sums, "db.compare",
                   [](unsigned, const std::string&) {});
    std::vector<unsigned> changed;
    for (unsigned i = 0; i < b.buckets; ++i) {
        delta.rows_now += counts[i];
        if (counts[i] != t.counts[i] || sums[i] != t.sums[i]) changed.push_back(i);
    }
    delta.changed_buckets = changed.size();
    compare_newest(tx, sql, t, delta);
    if (changed.empty()) return delta;
    if (t.key_offsets.empty()) {
        bound_changes(t, counts, changed, delta);
        return delta;
    }
    key_comparison comparison(t, keys.get(), evidence);
    compare_keys(tx, sql, t, b.buckets, changed, comparison, delta);
    return delta;
}

/// One table's outcome in a phrase, and its part of the totals.
[[nodiscard]] inline std::string describe_delta(const table_baseline& t, const table_delta& d) {
    const auto name = t.table.display();
    if (d.missing) return *d.missing;
    std::string text;
    if (d.changed_buckets == 0)
        text = fmt::format("{}: unchanged ({})", name,
                           counted(static_cast<std::size_t>(d.rows_now), "row"));
    else
        text = fmt::format("{}: {}{} lost, {} gained ({} → {})", name, d.exact ? "" : "at least ",
                           counted(static_cast<std::size_t>(d.lost), "row"), d.gained, t.rows,
                           counted(static_cast<std::size_t>(d.rows_now), "row"));
    if (d.unresolved > 0)
        text += fmt::format(
            ", {} where lost rows would hide (no key file)",
            counted(static_cast<std::size_t>(d.unresolved), "bucket grew", "buckets grew"));
    if (d.went_back)
        text += fmt::format(", newest {} went back from {} to {}", t.column, *t.newest,
                            d.newest_now.value_or("(no rows)"));
    return text;
}

[[nodiscard]] inline nlohmann::json delta_json(const table_baseline& t, const table_delta& d) {
    nlohmann::json j = {{"table", t.table.display()},
                        {"rows_before", t.rows},
                        {"rows_now", d.rows_now},
                        {"lost", d.lost},
                        {"gained", d.gained},
                        {"exact", d.exact},
                        {"buckets_changed", d.changed_buckets}};
    j["newest_before"] = t.newest ? nlohmann::json(*t.newest) : nlohmann::json();
    j["newest_now"] = d.newest_now ? nlohmann::json(*d.newest_now) : nlohmann::json();
    if (d.missing) j["missing"] = *d.missing;
    return j;
}

/// The verdict over every table: a missing table is error; lost rows or a
/// newest timestamp gone back is fail; gains that may hide losses are error;
/// other gains pass (or warn).
[[nodiscard]] inline verdict judge(const std::vector<table_delta>& deltas, bool warn_on_gained) {
    verdict v = verdict::pass;
    for (const auto& d : deltas) {
        if (d.missing)
            v = std::max(v, verdict::error);
        else if (d.lost > 0 || d.went_back)
            v = std::max(v, verdict::fail);
        else if (d.unresolved > 0)
            v = std::max(v, verdict::error);
        else if (d.gained > 0 && warn_on_gained)
            v = std::max(v, verdict::warn);
    }
    return v;
}

/// What the summary opens with: the gravest finding over every table.
[[nodiscard]] inline const char* lead_phrase(const std::vector<table_delta>& deltas) {
    const auto any = [&](auto pred) { return std::any_of(deltas.begin(), deltas.end(), pred); };
    if (any([](const table_delta& d) { return d.missing.has_value(); }))
        return "could not compare every table";
    if (any([](const table_delta& d) { return d.lost > 0; })) return "rows lost";
    if (any([](const table_delta& d) { return d.went_back; })) return "newest timestamp went back";
    if (any([](const table_delta& d) { return d.unresolved > 0; }))
        return "could not rule out lost rows";
    return "no rows lost";
}

[[nodiscard]] inline check_result compare_with(pg_session& session, const compare_spec& spec,
                                               const baseline& b) {
    bounded_evidence evidence(spec.show);
    lazy_key_file keys(spec.baseline, b);
    server_position at;
    const auto deltas = session.read_snapshot([&](auto& tx) {
        fix_text_output(tx);
        at = read_server_position(tx);
        std::vector<table_delta> found;
        for (const auto& t : b.tables)
            found.push_back(compare_table(tx, spec.connection, b, t, keys, evidence));
        confirm_position(tx, at, "the comparison with the baseline");
        return found;
    });
    std::uint64_t lost = 0, gained = 0;
    auto tables = nlohmann::json::array();
    std::vector<std::string> phrases;
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        lost += deltas[i].lost;
        gained += deltas[i].gained;
        tables.push_back(delta_json(b.tables[i], deltas[i]));
        phrases.push_back(describe_delta(b.tables[i], deltas[i]));
    }
    const verdict v = judge(deltas, spec.warn_on_gained);
    const char* lead = lead_phrase(deltas);
    auto r = check_result::make("db.compare", v,
                                fmt::format("{} since the baseline taken {} on {} ({}): {}", lead,
                                            b.taken_at, b.server, spec.baseline.string(),
                                            fmt::join(phrases, "; ")));
    r.evidence = std::move(evidence);
    r.totals = {{"baseline", spec.baseline.string()},
                {"taken_at", b.taken_at},
                {"rows_lost", lost},
                {"rows_gained", gained},
                {"tables", std::move(tables)}};
    record_position(r, at);
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result compare_baseline(const compare_spec& spec) {
    return timed_check("db.compare", [&]() -> check_result {
        baseline b;
        try {
            b = detail::read_baseline_file(spec.baseline);
        } catch (const std::runtime_error& e) {
            return check_result::error("db.compare", e.what());
        }
        std::vector<std::string> names;
        for (const auto& t : b.tables)
            names.push_back(t.table.display());
        return db_check(
            "db.compare", spec.connection, fmt::format("{}", fmt::join(names, ", ")),
            [&](pg_session& session) { return detail::compare_with(session, spec, b); });
    });
}

} // namespace rollcheck
