/// \file detail/logs/log_scan_impl.hpp
/// Definitions of log_scan.hpp, included at its end.
#pragma once

#include "../../log_scan.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "follow.hpp"
#include "journal.hpp"
#include "patterns.hpp"
#include "scanner.hpp"
#include "since.hpp"
#include "source.hpp"
#include "split_scan.hpp"
#include "state.hpp"
#include "time.hpp"

namespace rollcheck {

namespace detail {

/// The rules as one pattern set (a prefilter of JSON records' raw lines
/// when `records`); returns what is wrong, or "".
[[nodiscard]] inline std::string compile_rules(const log_rules& rules, pattern_set& patterns,
                                               bool records = false) {
    if (rules.errors.empty() && rules.required.empty())
        return "nothing to look for: give an error pattern or a required pattern";
    for (const auto& p : rules.errors)
        patterns.add(p, pattern_role::error);
    for (const auto& p : rules.excludes)
        patterns.add(p, pattern_role::exclude);
    for (const auto& r : rules.required)
        patterns.add(r.pattern, pattern_role::require, r.min_count, r.locate_last);
    return patterns.compile(rules.ignore_case, records);
}

/// Counts, patterns and the time range, as the result's totals.
[[nodiscard]] inline nlohmann::json scan_totals(const pattern_set& patterns,
                                                const scan_tally& tally, const log_rules& rules) {
    auto list = nlohmann::json::array();
    for (std::size_t i = 0; i < patterns.patterns().size(); ++i) {
        const auto& p = patterns.patterns()[i];
        nlohmann::json item = {{"pattern", p.text},
                               {"role", std::string(role_name(p.role))},
                               {"lines", tally.pattern_lines[i]},
                               {"engine", p.in_database ? "vectorscan" : "re2"}};
        if (p.role == pattern_role::require) item["min_count"] = p.min_count;
        if (const auto& last = tally.last_matches[i])
            item["last"] = {{"file", last->file},
                            {"line", last->line},
                            {"time", last->time ? nlohmann::json(format_log_time(*last->time))
                                                : nlohmann::json()}};
        if (!p.in_database) item["engine_note"] = p.database_note;
        list.push_back(std::move(item));
    }
    nlohmann::json range = nullptr;
    if (tally.first_time)
        range = {{"from", format_log_time(*tally.first_time)},
                 {"to", format_log_time(*tally.last_time)}};
    return {{"bytes_scanned", tally.bytes},       {"error_lines", tally.error_lines},
            {"error_events", tally.error_events}, {"excluded_lines", tally.excluded_lines},
            {"max_errors", rules.max_errors},     {"patterns", std::move(list)},
            {"time_range", std::move(range)}};
}

/// The verdict: fail on too many error events or a requirement short,
/// error when there was nothing to read.
[[nodiscard]] inline check_result judge_scan(const std::string& check, const pattern_set& patterns,
                                             scan_tally& tally, const log_rules& rules,
                                             const std::string& where) {
    std::vector<std::string> shortfalls, satisfied;
    for (std::size_t i = 0; i < patterns.patterns().size(); ++i) {
        const auto& p = patterns.patterns()[i];
        if (p.role != pattern_role::require) continue;
        const auto n = tally.pattern_lines[i];
        (n < p.min_count ? shortfalls : satisfied)
            .push_back(fmt::format(
                "required '{}' matched {}{}", p.text,
                tally.stopped_early ? "at least " + counted(p.min_count, "line")
                                    : counted(n, "line"),
                n < p.min_count ? fmt::format(", at least {} needed", p.min_count) : ""));
    }
    // Stopping early implies no error pattern: say what was read instead.
    std::string summary =
        tally.stopped_early ? fmt::format("read {}, stopped once every requirement was met", where)
        : tally.error_events == 0
            ? fmt::format("no error line in {}", where)
            : fmt::format("{} ({}) in {}, at most {} allowed",
                          counted(tally.error_events, "error event"),
                          counted(tally.error_lines, "line"), where, rules.max_errors);
    for (const auto& s : shortfalls.empty() ? satisfied : shortfalls)
        summary += "; " + s;
    const bool failed = tally.error_events > rules.max_errors || !shortfalls.empty();
    check_result r =
        failed ? check_result::fail(check, summary) : check_result::pass(check, summary);
    r.evidence = std::move(tally.evidence);
    r.totals = scan_totals(patterns, tally, rules);
    if (tally.malformed_records > 0) {
        r.totals["malformed_records"] = {{"count", tally.malformed_records},
                                         {"first", *tally.first_malformed}};
        const auto& first = *tally.first_malformed;
        r.summary +=
            fmt::format("; {} not read as {}, matched as text (first: {}:{}: {})",
                        counted(tally.malformed_records, "line"),
                        agreeing(tally.malformed_records, "a JSON record", "JSON records"),
                        first["file"].get<std::string>(), first["line"].get<std::uint64_t>(),
                        first["why"].get<std::string>());
    }
    // A binary file (or a hole a copytruncate left) has no lines to speak
    // of: finding no error line in it proves nothing, so it is never a pass.
    if (tally.first_nul) {
        const auto& [file, offset] = *tally.first_nul;
        r.totals["not_text"] = {{"file", file}, {"byte", offset}};
        if (!failed) {
            r.status = verdict::error;
            r.summary = fmt::format("{}: not a text log (a NUL byte at byte {}): a binary file, "
                                    "or a hole a copytruncate rotation left; {} cannot vouch "
                                    "for it",
                                    file, offset, summary);
        }
    }
    return r;
}

[[nodiscard]] inline std::string describe_where(const std::vector<std::string>& names,
                                                std::uint64_t bytes, const scan_tally& tally) {
    std::string where = names.size() == 1 ? names.front() : fmt::format("{} files", names.size());
    where += fmt::format(" ({}", describe_bytes(bytes));
    if (tally.first_time)
        where += fmt::format(", {} to {}", format_log_time(*tally.first_time),
                             format_log_time(*tally.last_time));
    return where + ")";
}

[[nodiscard]] inline std::optional<log_millis>
to_millis(const std::optional<std::chrono::system_clock::time_point>& t) {
    if (!t) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

/// One log of a scan: where it starts (resume, since), scanned, its state entry.
class log_scan_run {
public:
    log_scan_run(const log_scan_spec& spec, const scan_contexts& contexts, scan_tally& tally)
        : spec_(spec), contexts_(contexts), tally_(tally) {}

    /// Scans `log`; returns what is wrong, or "".
    std::string scan(open_log& log, const std::vector<log_state_entry>& previous) {
        block_reader reader(log.fd.get(), log.name, 0, log.size);
        const scan_context& ctx = contexts_.for_log(reader);
        const bool records = ctx.clock.records() != nullptr;
        log_cursor cursor;
        cursor.name = log.name;
        cursor.fd = log.fd.get();
        nlohmann::json file = {
            {"file", log.name}, {"bytes", log.size}, {"format", records ? "json" : "text"}};
        std::uint64_t begin = 0;
        if (!spec_.state_file.empty()) {
            const auto resume = resume_from(previous, log);
            begin = resume.offset;
            cursor.counted_to = resume.counted_to;
            cursor.lines_before = resume.lines_before;
            file["resume"] = resume.note;
        }
        if (ctx.since && begin < log.size) {
            if (!next_timestamp(reader, ctx.clock, begin))
                return no_timestamp(log.name, records, reader.from(0, 1) == "{", begin, *ctx.since);
            begin = since_offset(reader, ctx.clock, begin, log.size, *ctx.since);
        }
        scan_region(ctx, cursor, tally_, begin, log.size);
        file["from_byte"] = begin;
        if (const auto first = next_timestamp(reader, ctx.clock, begin);
            first && begin < log.size) {
            file["time_from"] = format_log_time(first->time);
            tally_.saw_time(first->time);
        }
        if (const auto last = tally_.stopped_early
                                  ? std::nullopt
                                  : last_timestamp(reader, ctx.clock, begin, log.size)) {
            file["time_to"] = format_log_time(*last);
            tally_.saw_time(*last);
        }
        files_.push_back(std::move(file));
        if (!log.name.empty() && log.name != "(stdin)") remember(log, reader, cursor);
        return {};
    }

    [[nodiscard]] const nlohmann::json& files() const noexcept { return files_; }
    [[nodiscard]] const std::vector<log_state_entry>& state() const noexcept { return state_; }

private:
    [[nodiscard]] std::string no_timestamp(const std::string& name, bool records,
                                           bool first_line_is_object, std::uint64_t begin,
                                           log_millis since) const {
        const std::string known =
            records ? fmt::format("no record with a time (field '{}') in the {} lines from byte {}",
                                  spec_.json.time.empty() ? "time, timestamp, ts or @timestamp"
                                                          : spec_.json.time,
                                  timestamp_search_lines, begin)
                    : fmt::format("no timestamp in the {} lines from byte {} that this scanner "
                                  "knows (ISO 8601, Python logging, syslog, epoch seconds)",
                                  timestamp_search_lines, begin);
        return fmt::format("{}: {}: cannot tell which lines are since {}{}", name, known,
                           format_log_time(since),
                           records || !first_line_is_object
                               ? ""
                               : " (JSON records without a time field? name it: --time-field)");
    }

    void remember(const open_log& log, block_reader& reader, const log_cursor& cursor) {
        log_state_entry e;
        e.path = log.name;
        e.inode = log.inode;
        e.offset = reader.line_start(log.size); // a partial last line is read again, whole
        e.fingerprint_length = std::min<std::uint64_t>(fingerprint_bytes, log.size);
        e.fingerprint = fingerprint_of(log, e.fingerprint_length);
        e.counted_to = cursor.counted_to; // a line start, never past the offset
        e.lines_before = cursor.lines_before;
        state_.push_back(e);
    }

    const log_scan_spec& spec_;
    const scan_contexts& contexts_;
    scan_tally& tally_;
    nlohmann::json files_ = nlohmann::json::array();
    std::vector<log_state_entry> state_;
};

/// What a scan of `inputs` will read, for its progress: 0 (not known) when
/// one is stdin or compressed, whose size shows only once read.
[[nodiscard]] inline std::uint64_t expected_bytes(const std::vector<log_input>& inputs) {
    std::uint64_t total = 0;
    for (const auto& input : inputs) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(input.name, ec);
        const bool gz = input.name.size() > 3 && input.name.rfind(".gz") == input.name.size() - 3;
        if (input.from_stdin || gz || ec) return 0;
        total += size;
    }
    return total;
}

/// Whether an input may be read as JSON lines: it begins with '{', or its
/// first byte shows only once it is read (stdin, gzip). One that cannot be
/// opened is not: opening it reports why.
[[nodiscard]] inline bool may_hold_json_lines(const std::vector<log_input>& inputs) {
    for (const auto& input : inputs) {
        if (input.from_stdin) return true;
        const unique_fd fd(::open(input.name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        char first = 0;
        if (fd.get() >= 0 && ((::pread(fd.get(), &first, 1, 0) == 1 && first == '{') ||
                              starts_with_gzip_magic(fd.get())))
            return true;
    }
    return false;
}

/// What a scan or a follow reads logs with: the rules compiled for text and,
/// when a log may be JSON lines, for JSON records; a clock for each.
class scan_engines {
public:
    scan_engines(const timestamp_reader& clock, const json_log_fields& fields, log_format format)
        : format_(format), text_clock_(clock), records_(fields), record_clock_(clock, &records_) {}
    scan_engines(const scan_engines&) = delete;
    scan_engines& operator=(const scan_engines&) = delete;

    /// Compiles the rules for text; returns what is wrong, or "".
    [[nodiscard]] std::string compile(const log_rules& rules) {
        return compile_rules(rules, text_patterns_);
    }

    /// Compiles them for JSON records too, unless the spec reads text only,
    /// or reads either and no log `may_be_json`: that compile costs a few
    /// milliseconds, as much as scanning 100 MB. Returns what is wrong, or "".
    [[nodiscard]] std::string compile_records(const log_rules& rules, bool may_be_json = true) {
        if (format_ == log_format::text || (format_ == log_format::automatic && !may_be_json))
            return {};
        records_compiled_ = true;
        return compile_rules(rules, record_patterns_, true);
    }

    /// The contexts, valid as long as this and `text`/`records` are. A log
    /// is read as records only when they were compiled.
    [[nodiscard]] scan_contexts contexts(const scan_context& text,
                                         const scan_context& records) const {
        return {text, records_compiled_ ? &records : nullptr, format_};
    }

    [[nodiscard]] scan_context text_context(std::optional<log_millis> since, bool stop_when_met,
                                            scan_progress* progress,
                                            std::uint64_t split_from = UINT64_MAX) const {
        return {text_patterns_, text_clock_, since, stop_when_met, progress, nullptr, split_from};
    }
    [[nodiscard]] scan_context record_context(std::optional<log_millis> since, bool stop_when_met,
                                              scan_progress* progress,
                                              std::uint64_t split_from = UINT64_MAX) const {
        return {record_patterns_, record_clock_, since,     stop_when_met,
                progress,         nullptr,       split_from};
    }
    [[nodiscard]] const pattern_set& patterns() const noexcept { return text_patterns_; }

private:
    log_format format_;
    bool records_compiled_ = false;
    pattern_set text_patterns_, record_patterns_;
    line_clock text_clock_;
    json_record_reader records_;
    line_clock record_clock_;
};

/// check_log_scan of the journal: its entries since `since`, matched line by line.
[[nodiscard]] inline check_result scan_journal(const log_scan_spec& spec,
                                               const pattern_set& patterns,
                                               const timestamp_reader& clock) {
    const std::string check = "logs.scan";
    if (!spec.files.empty())
        return check_result::error(check, "give log files or the journal, not both");
    if (!spec.state_file.empty() || spec.rotated)
        return check_result::error(check, "the journal is read since a time: a state file "
                                          "and rotated files are for log files");
    const auto& json = spec.json;
    if (spec.format != log_format::automatic || !json.time.empty() || !json.message.empty() ||
        !json.level.empty() || json.match_level)
        return check_result::error(check, "the journal's entries are not JSON lines: the format "
                                          "and the JSON fields are for log files");
    journal_handle journal;
    if (auto why = open_journal(spec.journal, journal); !why.empty())
        return check_result::error(check, why);
    const std::string name = journal_name(spec.journal) + journal_filter_name(spec.journal);
    const line_clock text_clock(clock);
    const scan_context ctx{patterns, text_clock, to_millis(spec.since), spec.stop_when_met};
    scan_tally tally(spec.show, patterns.patterns().size());
    journal_scan scan(ctx, tally, name);
    if (auto why = scan.run(journal.get()); !why.empty()) return check_result::error(check, why);
    const nlohmann::json source = {
        {"journal", journal_name(spec.journal)},
        {"unit", spec.journal.unit.empty() ? nlohmann::json()
                                           : nlohmann::json(journal_unit_name(spec.journal.unit))},
        {"identifier", spec.journal.identifier.empty() ? nlohmann::json()
                                                       : nlohmann::json(spec.journal.identifier)},
        {"entries", scan.entries()}};
    if (tally.bytes == 0) {
        const std::string why =
            ctx.since ? fmt::format("no entry at or after {}", format_log_time(*ctx.since))
                      : std::string("no entry");
        auto r =
            check_result::error(check, fmt::format("no log lines to check in {}: {}{}", name, why,
                                                   scan.entries() > 0 ? " with a MESSAGE" : ""));
        r.totals = {{"journal", source}};
        return r;
    }
    std::string where = fmt::format("{} ({}", name, counted(scan.entries(), "entry", "entries"));
    if (tally.first_time)
        where += fmt::format(", {} to {}", format_log_time(*tally.first_time),
                             format_log_time(*tally.last_time));
    auto r = judge_scan(check, patterns, tally, spec.rules, where + ")");
    r.totals["journal"] = source;
    r.totals["journal"]["without_message"] = scan.without_message();
    if (ctx.since) r.totals["since"] = format_log_time(*ctx.since);
    // Entries that could not be read may hold an error line: only a
    // failure found in the others outweighs them. Without error patterns a
    // pass has every requirement met (cron's record of a run, found), which
    // no unread entry can undo: the journal's history is not searched then.
    if (!r.passed() || spec.rules.errors.empty()) return r;
    const std::string gap = journal_sequence_gap(spec.journal, ctx.since, name);
    if (auto doubt = unread_entries(scan, gap, name); !doubt.empty()) {
        r.status = verdict::error;
        r.summary = doubt;
    }
    return r;
}

/// check_log_scan with times without an offset read by `clock`, regions
/// of at least `split_from` bytes scanned in two halves.
[[nodiscard]] inline check_result scan_logs(const log_scan_spec& spec,
                                            const timestamp_reader& clock,
                                            std::uint64_t split_from = default_split_from()) {
    const std::string check = "logs.scan";
    scan_engines engines(clock, spec.json, spec.format);
    if (auto why = engines.compile(spec.rules); !why.empty())
        return check_result::error(check, why);
    const pattern_set& patterns = engines.patterns();
    if (spec.stop_when_met && !spec.rules.errors.empty())
        return check_result::error(check, "cannot stop once the requirements are met while "
                                          "looking for errors: an error could come after");
    if (reads_journal(spec.journal)) return scan_journal(spec, patterns, clock);
    if (!spec.journal.unit.empty() || !spec.journal.identifier.empty())
        return check_result::error(check, "a unit or an identifier picks journal entries: "
                                          "read the journal to use one");
    std::vector<log_input> inputs;
    if (auto why = resolve_inputs(spec.files, spec.rotated, inputs); !why.empty())
        return check_result::error(check, why);
    if (auto why = engines.compile_records(spec.rules, may_hold_json_lines(inputs)); !why.empty())
        return check_result::error(check, why);
    if (spec.stop_when_met && !spec.state_file.empty())
        return check_result::error(check, "cannot stop once the requirements are met with a "
                                          "state file: the unread rest would count as read");
    std::vector<log_state_entry> previous;
    if (!spec.state_file.empty())
        if (auto why = load_log_state(spec.state_file, previous); !why.empty())
            return check_result::error(check, why);

    scan_progress progress;
    const auto ctx =
        engines.text_context(to_millis(spec.since), spec.stop_when_met, &progress, split_from);
    const auto record_ctx =
        engines.record_context(ctx.since, spec.stop_when_met, &progress, split_from);
    const auto contexts = engines.contexts(ctx, record_ctx);
    scan_tally tally(spec.show, patterns.patterns().size());
    log_scan_run run(spec, contexts, tally);
    std::vector<std::string> names;
    std::uint64_t total_size = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        open_log log;
        if (auto why = open_input(inputs[i], log); !why.empty())
            return check_result::error(check, why);
        // Started once the first file is open: copying stdin is progress of its own.
        if (!progress.meter) progress.meter.emplace(check, "", progress_unit::bytes);
        if (progress.meter->active() && i == 0) progress.meter->total(expected_bytes(inputs));
        progress.meter->subject(inputs.size() == 1
                                    ? log.name
                                    : fmt::format("{} ({} of {})", log.name, i + 1, inputs.size()));
        if (auto why = run.scan(log, previous); !why.empty())
            return check_result::error(check, why);
        names.push_back(log.name);
        total_size += log.size;
        progress.base += log.size;
        if (tally.stopped_early) break;
    }
    if (tally.bytes == 0) {
        std::string why = total_size == 0 ? "empty" : "no line to read";
        if (ctx.since && total_size > 0)
            why = fmt::format("no line at or after {}", format_log_time(*ctx.since));
        else if (!spec.state_file.empty() && total_size > 0)
            why = "nothing new since the last run";
        auto r = check_result::error(
            check,
            fmt::format("no log lines to check in {}: {}",
                        names.size() == 1 ? names.front() : fmt::format("{} files", names.size()),
                        why));
        r.totals = {{"files", run.files()}};
        return r;
    }
    auto r =
        judge_scan(check, patterns, tally, spec.rules, describe_where(names, tally.bytes, tally));
    r.totals["files"] = run.files();
    if (ctx.since) r.totals["since"] = format_log_time(*ctx.since);
    if (!spec.state_file.empty())
        if (auto why = save_log_state(spec.state_file, run.state()); !why.empty())
            return check_result::error(check, why);
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_log_scan(const log_scan_spec& spec) {
    return timed_check("logs.scan",
                       [&] { return detail::scan_logs(spec, detail::timestamp_reader()); });
}

ROLLCHECK_INLINE check_result check_log_follow(const log_follow_spec& spec) {
    return timed_check("logs.follow", [&]() -> check_result {
        const std::string check = "logs.follow";
        if (spec.rules.required.empty())
            return check_result::error(check, "following needs a required pattern (a heartbeat): "
                                              "without one, a silent log would pass");
        const detail::timestamp_reader clock;
        detail::scan_engines engines(clock, spec.json, spec.format);
        if (auto why = engines.compile(spec.rules); !why.empty())
            return check_result::error(check, why);
        // A followed log may be empty yet, or not there: its format shows later.
        if (auto why = engines.compile_records(spec.rules); !why.empty())
            return check_result::error(check, why);
        const auto& patterns = engines.patterns();
        std::vector<detail::log_input> inputs;
        if (auto why = detail::resolve_inputs(spec.files, false, inputs); !why.empty())
            return check_result::error(check, why);

        const auto ctx = engines.text_context(std::nullopt, false, nullptr);
        const auto record_ctx = engines.record_context(std::nullopt, false, nullptr);
        detail::scan_tally tally(spec.show, patterns.patterns().size());
        detail::log_follower follower(engines.contexts(ctx, record_ctx), tally);
        std::vector<std::string> names;
        for (const auto& input : inputs) {
            if (input.from_stdin) return check_result::error(check, "stdin cannot be followed");
            if (auto why = follower.watch(input.name); !why.empty())
                return check_result::error(check, why);
            names.push_back(input.name);
        }
        const auto started = std::chrono::steady_clock::now();
        const auto deadline = started + spec.window;
        for (;;) {
            follower.poll();
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) break;
            if (!sleep_unless_stopped(std::min<std::chrono::steady_clock::duration>(
                    spec.poll_interval, deadline - now)))
                break;
        }
        // A whole window is named as asked; one cut short, as far as it went.
        const auto followed = stop_requested()
                                  ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started)
                                  : spec.window;
        const std::string where =
            fmt::format("{} of {} ({} written)", describe_span(followed),
                        names.size() == 1 ? names.front() : fmt::format("{} files", names.size()),
                        describe_bytes(tally.bytes));
        // A window cut short vouches for nothing it did not watch.
        if (stop_requested())
            return check_result::error(
                check, fmt::format("interrupted by {} after {}", stop_reason(), where));
        auto r = detail::judge_scan(check, patterns, tally, spec.rules, where);
        r.totals["rotations"] = follower.rotations();
        // Unread lines could hold errors: no pass can vouch for them.
        for (const auto& rotation : follower.rotations()) {
            if (r.status != verdict::pass || !rotation.contains("lost")) continue;
            r.status = verdict::error;
            r.summary += fmt::format(", but {}", rotation["lost"].get<std::string>());
        }
        return r;
    });
}

} // namespace rollcheck
