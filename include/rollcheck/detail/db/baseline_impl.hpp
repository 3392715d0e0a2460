/// \file detail/db/baseline_impl.hpp
/// Definitions of baseline.hpp, included at its end.
#pragma once

#include <cstring>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include "../../baseline.hpp"
#include "../../progress.hpp"
#include "../../wording.hpp"
#include "../unique_fd.hpp"
#include "baseline_file.hpp"
#include "baseline_sql.hpp"
#include "key_stream.hpp"

namespace rollcheck {

namespace detail {

__extension__ typedef __int128 bucket_sum; ///< a bucket's sum of 64-bit hashes, exact

/// `sum` in decimal, as PostgreSQL prints sum(bigint).
[[nodiscard]] inline std::string decimal(bucket_sum sum) {
    if (sum == 0) return "0";
    const bool negative = sum < 0;
    std::string digits;
    while (sum != 0) {
        const auto digit = static_cast<int>(sum % 10);
        digits += static_cast<char>('0' + (negative ? -digit : digit));
        sum /= 10;
    }
    if (negative) digits += '-';
    return {digits.rbegin(), digits.rend()};
}

/// Counts and sums per bucket of every key, read once through key_stream;
/// `keep(bucket, line)` sees each key as the key file holds it. `task` names
/// the check in progress reports.
template <typename Keep>
void stream_buckets(pqxx::transaction_base& tx, const baseline_sql& sql, const table_ref& table,
                    const std::vector<std::string>& key, unsigned buckets,
                    std::vector<std::uint64_t>& counts, std::vector<std::string>& sums,
                    const char* task, Keep&& keep) {
    std::vector<bucket_sum> exact(buckets, 0);
    counts.assign(buckets, 0);
    progress_meter progress(task, table.display() + ": keys", progress_unit::rows);
    std::uint64_t rows = 0;
    key_stream stream(tx, sql, table, key);
    stream.for_each([&](std::int64_t hash, const std::string& line) {
        const auto bucket = static_cast<unsigned>(static_cast<std::uint64_t>(hash) & (buckets - 1));
        ++counts[bucket];
        exact[bucket] += hash;
        keep(bucket, line);
        progress.update(++rows);
    });
    sums.clear();
    for (const auto sum : exact)
        sums.push_back(decimal(sum));
}

/// Keys spilled to temporary files by bucket range (one file per 1/256 of
/// the buckets), then read back bucket by bucket, one file in memory at a
/// time. Each file is unlinked as soon as it is open, so a run that is
/// killed leaves none behind.
///
/// A spilled key is one byte, its bucket within its file (a file holds at
/// most 256 buckets), then the key's line. Each file is written through a
/// buffer of its own.
class key_spill {
public:
    key_spill(const std::string& prefix, unsigned buckets)
        : buckets_(buckets), parts_(std::min(buckets, 256U)) {
        while ((buckets >> shift_) > parts_)
            ++shift_;
        for (unsigned p = 0; p < parts_; ++p) {
            paths_.push_back(prefix + fmt::format(".part{}", p));
            fds_.emplace_back(
                ::open(paths_.back().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
            if (fds_.back().get() < 0) fail("cannot write", p);
            ::unlink(paths_.back().c_str());
        }
        buffers_.resize(parts_);
    }

    void add(unsigned bucket, const std::string& line) {
        const unsigned part = bucket >> shift_;
        auto& buffer = buffers_[part];
        buffer += static_cast<char>(bucket & ((1U << shift_) - 1));
        buffer += line;
        buffer += '\n';
        if (buffer.size() >= flush_bytes) flush(part);
    }

    /// Calls `each(bucket, keys)` for every bucket in order, `keys` one per line.
    template <typename Each>
    void for_each_bucket(Each&& each) {
        const unsigned per_part = 1U << shift_;
        std::vector<std::string> grouped(per_part);
        std::string data;
        for (unsigned p = 0; p < parts_; ++p) {
            read_back(p, data);
            for (auto& g : grouped)
                g.clear();
            for (std::size_t at = 0; at < data.size();) {
                const auto end = data.find('\n', at + 1);
                if (end == std::string::npos)
                    throw std::runtime_error(fmt::format("{}: cut short", paths_[p].string()));
                grouped[static_cast<unsigned char>(data[at])].append(data, at + 1, end - at);
                at = end + 1;
            }
            for (unsigned i = 0; i < per_part && p * per_part + i < buckets_; ++i)
                each(p * per_part + i, grouped[i]);
        }
    }

private:
    static constexpr std::size_t flush_bytes = 16 * 1024;

    [[noreturn]] void fail(const char* what, unsigned part) const {
        const int error = errno;
        throw std::runtime_error(
            fmt::format("{} {}: {}", what, paths_[part].string(), std::strerror(error)));
    }

    void flush(unsigned part) {
        auto& buffer = buffers_[part];
        for (std::size_t done = 0; done < buffer.size();) {
            const auto n = ::write(fds_[part].get(), buffer.data() + done, buffer.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("writing", part);
            done += static_cast<std::size_t>(n);
        }
        buffer.clear();
    }

    /// The whole of part `part`, which is then closed.
    void read_back(unsigned part, std::string& data) {
        flush(part);
        data.clear();
        if (::lseek(fds_[part].get(), 0, SEEK_SET) != 0) fail("reading", part);
        char block[64 * 1024];
        for (;;) {
            const auto n = ::read(fds_[part].get(), block, sizeof block);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("reading", part);
            if (n == 0) break;
            data.append(block, static_cast<std::size_t>(n));
        }
        fds_[part].reset();
    }

    unsigned buckets_;
    unsigned parts_;
    unsigned shift_ = 0;                       ///< a bucket's part: bucket >> shift_
    std::vector<std::filesystem::path> paths_; ///< as they were named, for messages
    std::vector<unique_fd> fds_;
    std::vector<std::string> buffers_;
};

/// Counts, sums and (with `keys`) the key file of one table, in one pass.
inline void record_buckets(pqxx::transaction_base& tx, const baseline_sql& sql, table_baseline& t,
                           unsigned buckets, atomic_file* keys,
                           const std::filesystem::path& keys_path) {
    if (keys == nullptr) {
        stream_buckets(tx, sql, t.table, t.key, buckets, t.counts, t.sums, "db.baseline",
                       [](unsigned, const std::string&) {});
        return;
    }
    key_spill spill(keys_path.string(), buckets);
    stream_buckets(tx, sql, t.table, t.key, buckets, t.counts, t.sums, "db.baseline",
                   [&](unsigned bucket, const std::string& line) { spill.add(bucket, line); });
    t.key_offsets.assign(buckets + 1, 0);
    spill.for_each_bucket([&](unsigned bucket, const std::string& lines) {
        t.key_offsets[bucket] = keys->position();
        keys->stream().write(lines.data(), static_cast<std::streamsize>(lines.size()));
    });
    t.key_offsets[buckets] = keys->position();
}

/// Records one table; returns why it cannot be read instead when it cannot.
[[nodiscard]] inline std::optional<std::string>
record_table(pqxx::transaction_base& tx, const connection_spec& connection, table_baseline& t,
             unsigned buckets, atomic_file* keys, const std::filesystem::path& keys_path) {
    if (auto missing = missing_object(tx, t.table, named_columns(t))) return missing;
    const baseline_sql sql(tx, t.table, t.key, t.column, buckets);
    guard_scan(tx, connection, "the baseline of " + t.table.display(), sql.aggregate_query());
    record_buckets(tx, sql, t, buckets, keys, keys_path);
    t.rows = 0;
    for (const auto c : t.counts)
        t.rows += c;
    if (!sql.newest.empty()) {
        const auto newest = tx.exec1(fmt::format("SELECT {}::text FROM {}", sql.newest, sql.from));
        if (!newest[0].is_null()) t.newest = newest[0].as<std::string>();
    }
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
    server_position at;
    const auto missing = session.read_snapshot([&](auto& tx) -> std::optional<std::string> {
        fix_text_output(tx);
        at = read_server_position(tx);
        b.taken_at = tx.exec1("SELECT now()::text")[0].template as<std::string>();
        for (auto& t : b.tables)
            if (auto why = record_table(tx, spec.connection, t, b.buckets, keys ? &*keys : nullptr,
                                        keys_path))
                return why;
        confirm_position(tx, at, "the baseline");
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
    record_position(r, at);
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
