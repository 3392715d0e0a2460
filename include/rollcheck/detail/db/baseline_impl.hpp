/// \file detail/db/baseline_impl.hpp
/// Definitions of baseline.hpp, included at its end.
#pragma once

#include <fmt/ranges.h>

#include "../../baseline.hpp"
#include "../../progress.hpp"
#include "../../wording.hpp"
#include "baseline_file.hpp"
#include "baseline_sql.hpp"

namespace rollcheck {

namespace detail {

/// Writes the table's keys to `keys`, grouped by bucket, and records where
/// each bucket starts; checks that every bucket holds the counted keys.
inline void write_keys(pqxx::transaction_base& tx, const baseline_sql& sql, table_baseline& t,
                       unsigned buckets, atomic_file& keys) {
    t.key_offsets.assign(buckets + 1, 0);
    std::vector<std::uint64_t> written(buckets, 0);
    progress_meter progress("db.baseline", t.table.display() + ": keys", progress_unit::rows,
                            t.rows);
    std::uint64_t rows = 0;
    unsigned next = 0; // the first bucket whose start is not yet recorded
    const auto start_through = [&](unsigned b) {
        for (; next <= b; ++next)
            t.key_offsets[next] = keys.position();
    };
    for_each_row(
        tx, fmt::format("SELECT {}{} FROM {} ORDER BY 1", sql.bucket, sql.key_columns, sql.from),
        std::nullopt, [&](const pqxx::row& row) {
            const auto b = row[0].as<unsigned>();
            start_through(b);
            keys.stream() << encode_key(row, 1) << '\n';
            ++written.at(b);
            progress.update(++rows);
        });
    start_through(buckets);
    if (written != t.counts)
        throw std::runtime_error(
            fmt::format("the keys of {} changed while they were read", t.table.display()));
}

/// Records one table; returns why it cannot be read instead when it cannot.
[[nodiscard]] inline std::optional<std::string>
record_table(pqxx::transaction_base& tx, table_baseline& t, unsigned buckets, atomic_file* keys) {
    if (auto missing = missing_object(tx, t.table, named_columns(t))) return missing;
    const baseline_sql sql(tx, t.table, t.key, t.column, buckets);
    bucket_aggregates(tx, sql, buckets, t.counts, t.sums);
    t.rows = 0;
    for (const auto c : t.counts)
        t.rows += c;
    if (!sql.newest.empty()) {
        const auto newest = tx.exec1(fmt::format("SELECT {}::text FROM {}", sql.newest, sql.from));
        if (!newest[0].is_null()) t.newest = newest[0].as<std::string>();
    }
    if (keys != nullptr) write_keys(tx, sql, t, buckets, *keys);
    return std::nullopt;
}

[[nodiscard]] inline std::string table_names(const std::vector<baseline_table>& tables) {
    std::string names;
    for (const auto& t : tables)
        names += (names.empty() ? "" : ", ") + t.table.display();
    return names;
}

/// The tables of a spec, parsed and checked before any query.
[[nodiscard]] inline baseline plan_baseline(const baseline_spec& spec) {
    if (!valid_bucket_count(spec.buckets))
        throw std::invalid_argument(
            fmt::format("buckets: {} is not a power of two from 1 to 65536", spec.buckets));
    if (spec.tables.empty()) throw std::invalid_argument("no tables to take a baseline of");
    if (spec.out.empty()) throw std::invalid_argument("no output file for the baseline");
    baseline b;
    b.buckets = spec.buckets;
    for (const auto& t : spec.tables) {
        if (t.key.empty())
            throw std::invalid_argument(fmt::format("table {}: no key columns", t.table.display()));
        table_baseline tb;
        tb.table = t.table;
        tb.key = t.key;
        tb.column = t.column;
        b.tables.push_back(std::move(tb));
    }
    return b;
}

/// The evidence line of a recorded table.
[[nodiscard]] inline evidence_item recorded_item(const table_baseline& t) {
    std::string text =
        fmt::format("{}: {}, key ({})", t.table.display(),
                    counted(static_cast<std::size_t>(t.rows), "row"), fmt::join(t.key, ", "));
    if (!t.column.empty())
        text += fmt::format(", newest {} {}", t.column, t.newest.value_or("(no rows)"));
    nlohmann::json data = {{"table", t.table.display()}, {"rows", t.rows}, {"key", t.key}};
    data["newest"] = t.newest ? nlohmann::json(*t.newest) : nlohmann::json();
    return {std::move(text), std::move(data)};
}

/// Records every table in one snapshot and writes both files.
[[nodiscard]] inline check_result record_baseline(pg_session& session, const baseline_spec& spec,
                                                  baseline b) {
    const std::filesystem::path keys_path = spec.out.string() + ".keys";
    std::optional<atomic_file> keys;
    if (spec.keep_keys) {
        keys.emplace(keys_path);
        keys->stream() << keys_header;
    }
    const auto missing = session.read_snapshot([&](auto& tx) -> std::optional<std::string> {
        fix_text_output(tx);
        b.taken_at = tx.exec1("SELECT now()::text")[0].template as<std::string>();
        for (auto& t : b.tables)
            if (auto why = record_table(tx, t, b.buckets, keys ? &*keys : nullptr)) return why;
        return std::nullopt;
    });
    if (missing)
        return check_result::error(
            "db.baseline",
            fmt::format("{} on {}; no baseline written", *missing, session.target().describe()));
    b.server = session.target().describe();
    if (keys) {
        b.keys_file = keys_path.filename().string();
        b.keys_bytes = keys->position();
        keys->commit();
    }
    atomic_file json(spec.out);
    json.stream() << baseline_to_json(b).dump() << '\n';
    const auto json_bytes = json.position();
    json.commit();

    std::uint64_t rows = 0;
    for (const auto& t : b.tables)
        rows += t.rows;
    auto r = check_result::pass(
        "db.baseline",
        fmt::format(
            "wrote {} ({}): {}, {}, {}, taken at {}{}", spec.out.string(),
            describe_bytes(json_bytes), counted(b.tables.size(), "table"),
            counted(static_cast<std::size_t>(rows), "row"), counted(b.buckets, "bucket"),
            b.taken_at,
            keys
                ? fmt::format("; keys in {} ({})", keys_path.string(), describe_bytes(b.keys_bytes))
                : std::string("; no key file: compare can count lost rows, not name them")));
    r.evidence = bounded_evidence(spec.show);
    for (const auto& t : b.tables)
        r.evidence.add(recorded_item(t));
    r.totals = {{"file", spec.out.string()}, {"bytes", json_bytes},  {"rows", rows},
                {"tables", b.tables.size()}, {"buckets", b.buckets}, {"taken_at", b.taken_at}};
    r.totals["keys_file"] = keys ? nlohmann::json(keys_path.string()) : nlohmann::json();
    r.totals["keys_bytes"] = b.keys_bytes;
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result take_baseline(const baseline_spec& spec) {
    return db_check("db.baseline", spec.connection, detail::table_names(spec.tables),
                    [&](pg_session& session) {
                        return detail::record_baseline(session, spec, detail::plan_baseline(spec));
                    });
}

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

/// Fetches the keys of the `changed` buckets (sorted) and settles each bucket.
inline void compare_keys(pqxx::transaction_base& tx, const baseline_sql& sql,
                         const std::vector<unsigned>& changed, key_comparison& keys,
                         table_delta& delta, progress_meter& progress) {
    std::uint64_t rows = 0;
    std::string list = "{";
    for (const auto b : changed)
        list += (list.size() > 1 ? "," : "") + std::to_string(b);
    list += "}";
    std::size_t next = 0;
    std::vector<std::string> now;
    const auto settle_before = [&](unsigned bucket) {
        for (; next < changed.size() && changed[next] < bucket; ++next) {
            keys.settle(changed[next], now, delta);
            now.clear();
        }
    };
    for_each_row(tx,
                 fmt::format("SELECT * FROM (SELECT {} AS bucket{} FROM {}) s WHERE bucket = "
                             "ANY($1::int[]) ORDER BY 1",
                             sql.bucket, sql.key_columns, sql.from),
                 {list}, [&](const pqxx::row& row) {
                     settle_before(row[0].as<unsigned>());
                     now.push_back(encode_key(row, 1));
                     progress.update(++rows);
                 });
    settle_before(static_cast<unsigned>(-1));
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

[[nodiscard]] inline table_delta compare_table(pqxx::transaction_base& tx, const baseline& b,
                                               const table_baseline& t, lazy_key_file& keys,
                                               bounded_evidence& evidence) {
    table_delta delta;
    if ((delta.missing = missing_object(tx, t.table, named_columns(t)))) return delta;
    const baseline_sql sql(tx, t.table, t.key, t.column, b.buckets);
    std::vector<std::uint64_t> counts;
    std::vector<std::string> sums;
    bucket_aggregates(tx, sql, b.buckets, counts, sums);
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
    // The keys of the buckets that changed are read: their rows now are the work.
    std::uint64_t to_read = 0;
    for (const auto bucket : changed)
        to_read += counts[bucket];
    progress_meter progress("db.compare", t.table.display() + ": keys of changed buckets",
                            progress_unit::rows, to_read);
    compare_keys(tx, sql, changed, comparison, delta, progress);
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
    const auto deltas = session.read_snapshot([&](auto& tx) {
        fix_text_output(tx);
        std::vector<table_delta> found;
        for (const auto& t : b.tables)
            found.push_back(compare_table(tx, b, t, keys, evidence));
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

namespace detail {

/// Whether `wanted` names `recorded`; a name without a schema (either one,
/// a baseline taken through the search_path has none) matches any schema.
[[nodiscard]] inline bool names_table(const table_ref& wanted, const table_ref& recorded) {
    return wanted.name == recorded.name &&
           (wanted.schema.empty() || recorded.schema.empty() || wanted.schema == recorded.schema);
}

/// What makes a readable baseline unfit to compare against after the rollback.
inline void inspect_baseline(const baseline_file_spec& spec, const baseline& b,
                             std::optional<time_point> taken, bounded_evidence& faults) {
    for (const auto& wanted : spec.tables) {
        const bool held = std::any_of(b.tables.begin(), b.tables.end(),
                                      [&](const auto& t) { return names_table(wanted, t.table); });
        if (!held)
            faults.add({fmt::format("{}: not in the baseline", wanted.display()),
                        {{"fault", "table_missing"}, {"table", wanted.display()}}});
    }
    if (spec.taken_before && taken && *taken >= *spec.taken_before)
        faults.add({fmt::format("taken at {}, not before {} (when the rollback started)",
                                format_utc(*taken), format_utc(*spec.taken_before)),
                    {{"fault", "after_rollback"}, {"taken_at", b.taken_at}}});
    if (b.keys_file.empty()) return;
    const auto keys = spec.baseline.parent_path() / b.keys_file;
    std::error_code ec;
    const auto size = std::filesystem::file_size(keys, ec);
    if (ec)
        faults.add({fmt::format("key file {}: {}", keys.string(), ec.message()),
                    {{"fault", "keys_missing"}, {"file", keys.string()}}});
    else if (size != b.keys_bytes)
        faults.add({fmt::format("key file {}: {}, the baseline records {}", keys.string(),
                                describe_bytes(size), describe_bytes(b.keys_bytes)),
                    {{"fault", "keys_size"}, {"file", keys.string()}, {"bytes", size}}});
}

} // namespace detail

ROLLCHECK_INLINE check_result check_baseline_file(const baseline_file_spec& spec) {
    return timed_check("db.baseline-file", [&]() -> check_result {
        const char* name = "db.baseline-file";
        baseline b;
        try {
            b = detail::read_baseline_file(spec.baseline);
        } catch (const std::runtime_error& e) {
            return check_result::error(name, e.what());
        }
        std::string why;
        const auto taken = parse_time(b.taken_at, why);
        if (spec.taken_before && !taken)
            return check_result::error(
                name, fmt::format("baseline {}: taken_at: {}", spec.baseline.string(), why));
        bounded_evidence faults(show_all);
        detail::inspect_baseline(spec, b, taken, faults);
        std::vector<std::string> held;
        auto tables = nlohmann::json::array();
        for (const auto& t : b.tables) {
            held.push_back(fmt::format("{} ({})", t.table.display(), counted(t.rows, "row")));
            tables.push_back({{"table", t.table.display()}, {"rows", t.rows}});
        }
        const auto what = fmt::format("baseline {} taken {}: {}", spec.baseline.string(),
                                      b.taken_at, fmt::join(held, ", "));
        check_result r = check_result::pass(name, what);
        if (faults.total() > 0)
            r = check_result::fail(name,
                                   fmt::format("{}; {}", what, counted(faults.total(), "fault")));
        else if (b.keys_file.empty())
            r = check_result::warn(name, what + "; no key file: compare cannot name lost keys");
        r.evidence = std::move(faults);
        r.totals = {{"baseline", spec.baseline.string()},
                    {"taken_at", b.taken_at},
                    {"tables", std::move(tables)}};
        return r;
    });
}

} // namespace rollcheck
