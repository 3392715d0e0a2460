/// \file detail/logs/journal.hpp
/// The systemd journal as a log source: entries read through libsystemd's
/// sd-journal (never by parsing journalctl's text), each MESSAGE line
/// decided with the scan's patterns (RE2, line by line: a journal holds far
/// fewer bytes than the logs Vectorscan is for), events grouped as in a
/// text log (a Python traceback spread over entries is one event).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "../../log_scan.hpp"
#include "../../wording.hpp"
#include "libsystemd.hpp"
#include "patterns.hpp"
#include "scanner.hpp"
#include "text.hpp"
#include "time.hpp"

namespace rollcheck::detail {

struct sd_journal_closer {
    void operator()(sd_journal* j) const noexcept { sd_journal_api().close(j); }
};
using journal_handle = std::unique_ptr<sd_journal, sd_journal_closer>;

/// Whether `journal` asks for a journal to be read (this machine's, files, a directory).
[[nodiscard]] inline bool reads_journal(const log_journal& journal) {
    return journal.enabled || !journal.files.empty() || !journal.directory.empty();
}

/// Where the machine's journal lives: persistent, then volatile.
inline const std::vector<std::string> machine_journal_directories = {"/var/log/journal",
                                                                     "/run/log/journal"};

/// The unit as journalctl reads `-u`: a name without a type is a service.
[[nodiscard]] inline std::string journal_unit_name(const std::string& unit) {
    return unit.find('.') == std::string::npos ? unit + ".service" : unit;
}

/// The journal a spec reads, for messages: "journal file F", "the journal in D", ….
[[nodiscard]] inline std::string journal_name(const log_journal& journal) {
    if (journal.files.size() == 1) return fmt::format("journal file {}", journal.files.front());
    if (!journal.files.empty()) return fmt::format("{} journal files", journal.files.size());
    if (!journal.directory.empty()) return fmt::format("the journal in {}", journal.directory);
    return "the journal";
}

/// Whose entries are read: " of app.service", " of identifier CRON", or "".
[[nodiscard]] inline std::string journal_filter_name(const log_journal& journal) {
    std::string who;
    if (!journal.unit.empty()) who = " of " + journal_unit_name(journal.unit);
    if (!journal.identifier.empty())
        who += fmt::format("{} identifier {}", who.empty() ? " of" : ",", journal.identifier);
    return who;
}

/// Opens the journal files one by one after all of them together failed:
/// the first that fails is the one to name.
[[nodiscard]] inline std::string name_bad_journal_file(const std::vector<std::string>& files,
                                                       int together) {
    for (const auto& file : files) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec))
            return fmt::format("journal file {}: {}", file,
                               std::filesystem::exists(file, ec) ? "not a regular file"
                                                                 : "no such file");
        sd_journal* j = nullptr;
        const char* one[] = {file.c_str(), nullptr};
        const int r = sd_journal_api().open_files(&j, one, 0);
        journal_handle owned(j);
        if (r < 0)
            return fmt::format("journal file {}: cannot read it as a journal ({}): corrupt, "
                               "truncated or not a journal file",
                               file, std::strerror(-r));
    }
    return fmt::format("{} journal files: cannot read them ({})", files.size(),
                       std::strerror(-together));
}

/// Opens what `journal` names, read-only, with its entry filter; returns
/// what is wrong (naming the file or directory), or "".
[[nodiscard]] inline std::string open_journal(const log_journal& journal, journal_handle& out) {
    if (const auto& missing = sd_journal_api().missing; !missing.empty())
        return fmt::format("{}: cannot be read: {}", journal_name(journal), missing);
    sd_journal* j = nullptr;
    int r = 0;
    std::string where;
    if (!journal.files.empty()) {
        std::vector<const char*> paths;
        for (const auto& file : journal.files)
            paths.push_back(file.c_str());
        paths.push_back(nullptr);
        r = sd_journal_api().open_files(&j, paths.data(), 0);
        if (r < 0) return name_bad_journal_file(journal.files, r);
        where = journal_name(journal);
    } else if (!journal.directory.empty()) {
        r = sd_journal_api().open_directory(&j, journal.directory.c_str(), 0);
        if (r < 0)
            return fmt::format("journal directory {}: cannot open it ({})", journal.directory,
                               std::strerror(-r));
        where = fmt::format("journal directory {}", journal.directory);
    } else {
        r = sd_journal_api().open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
            return fmt::format("this machine's journal: cannot open it ({})", std::strerror(-r));
        where = fmt::format("this machine's journal ({})",
                            fmt::join(machine_journal_directories, ", "));
    }
    out.reset(j);
    // sd-journal cuts a field at 64 KiB by default: a long MESSAGE is read
    // on its first 16 MiB, as a log line is.
    if (const int t = sd_journal_api().set_data_threshold(j, line_decision_limit); t < 0)
        return fmt::format("{}: cannot set the size of fields to read ({})", where,
                           std::strerror(-t));
    // sd-journal opens what it can and skips the rest: no file at all is
    // a journal that does not exist (or that this user may not read).
    std::uint64_t usage = 0;
    if (sd_journal_api().get_usage(j, &usage) < 0 || usage == 0)
        return fmt::format("{}: no journal file to read (no journal here, or none this user "
                           "may read: root or the systemd-journal group can)",
                           where);
    const auto match = [j](const std::string& field) {
        return sd_journal_api().add_match(j, field.data(), field.size());
    };
    if (!journal.unit.empty()) {
        // As journalctl -u: the unit's own entries, and systemd's about it.
        const std::string unit = journal_unit_name(journal.unit);
        if (match("_SYSTEMD_UNIT=" + unit) < 0 || sd_journal_api().add_disjunction(j) < 0 ||
            match("UNIT=" + unit) < 0 || match("_PID=1") < 0)
            return fmt::format("{}: cannot filter by unit '{}'", where, unit);
    }
    if (!journal.identifier.empty() &&
        ((!journal.unit.empty() && sd_journal_api().add_conjunction(j) < 0) ||
         match("SYSLOG_IDENTIFIER=" + journal.identifier) < 0))
        return fmt::format("{}: cannot filter by identifier '{}'", where, journal.identifier);
    return {};
}

/// The current entry's cursor, as `journalctl --cursor` takes it, or "".
[[nodiscard]] inline std::string journal_cursor(sd_journal* j) {
    char* cursor = nullptr;
    if (sd_journal_api().get_cursor(j, &cursor) < 0) return {};
    std::string text(cursor);
    std::free(cursor);
    return text;
}

/// Places `j` before its first entry at or after `since` (its first, without);
/// returns what is wrong, or "".
[[nodiscard]] inline std::string seek_journal(sd_journal* j, std::optional<log_millis> since,
                                              const std::string& where) {
    const int r =
        since ? sd_journal_api().seek_realtime_usec(j, static_cast<std::uint64_t>(*since) * 1000)
              : sd_journal_api().seek_head(j);
    return r < 0 ? fmt::format("{}: cannot seek ({})", where, std::strerror(-r)) : std::string();
}

/// The current entry's place in its writer's sequence, from its cursor
/// (`s=ID;i=SEQNUM;…`, SEQNUM in hex); false when the cursor has none.
[[nodiscard]] inline bool journal_sequence(sd_journal* j, std::string& id, std::uint64_t& seqnum) {
    const std::string text = journal_cursor(j);
    const auto s = text.find("s="), i = text.find(";i=");
    if (s != 0 || i == std::string::npos) return false;
    id = text.substr(2, i - 2);
    char* end = nullptr;
    seqnum = std::strtoull(text.c_str() + i + 3, &end, 16);
    return end != text.c_str() + i + 3;
}

/// What is missing from the journal from `since` on, or "": sd-journal
/// skips an entry it finds damaged (and, through a unit's index, the
/// entries after it) without a word, but journald numbers the entries it
/// writes one by one, so a skipped entry leaves a gap in the numbers of the
/// unfiltered journal. A damaged last entry leaves none, nor does a damaged
/// first entry of the window: the numbers are compared from the first read.
[[nodiscard]] inline std::string journal_sequence_gap(log_journal journal,
                                                      std::optional<log_millis> since,
                                                      const std::string& where) {
    journal.unit.clear();
    journal.identifier.clear();
    journal_handle all;
    if (auto why = open_journal(journal, all); !why.empty()) return why;
    if (auto why = seek_journal(all.get(), since, where); !why.empty()) return why;
    std::map<std::string, std::uint64_t> last; // per writer's sequence
    std::string id;
    std::uint64_t seqnum = 0;
    for (int r; (r = sd_journal_api().next(all.get())) != 0;) {
        if (r < 0) return fmt::format("{}: cannot read on ({})", where, std::strerror(-r));
        if (!journal_sequence(all.get(), id, seqnum)) continue;
        const auto [it, first] = last.emplace(id, seqnum);
        if (!first && seqnum > it->second + 1) {
            std::uint64_t usec = 0;
            (void)sd_journal_api().get_realtime_usec(all.get(), &usec);
            return fmt::format("{}: {} missing before the entry at {}: damaged (journalctl "
                               "--verify names the file), or in a file this user may not read; "
                               "what {} cannot be checked",
                               where, counted(seqnum - it->second - 1, "entry is", "entries are"),
                               format_log_time(static_cast<log_millis>(usec / 1000)),
                               agreeing(seqnum - it->second - 1, "it held", "they held"));
        }
        it->second = std::max(it->second, seqnum);
    }
    return {};
}

/// A field of the current entry without its "NAME=", or nullopt when the
/// entry has none; `failure` gets the error of a field that cannot be read.
[[nodiscard]] inline std::optional<std::string_view> journal_field(sd_journal* j, const char* name,
                                                                   int& failure) {
    const void* data = nullptr;
    std::size_t length = 0;
    const int r = sd_journal_api().get_data(j, name, &data, &length);
    if (r == -ENOENT) return std::nullopt;
    if (r < 0) {
        failure = r;
        return std::nullopt;
    }
    const std::size_t prefix = std::strlen(name) + 1;
    if (length < prefix) return std::string_view();
    return std::string_view(static_cast<const char*>(data) + prefix, length - prefix);
}

/// One pass over a journal's entries since a time, tallied as a text scan is.
class journal_scan {
public:
    journal_scan(const scan_context& ctx, scan_tally& tally, std::string where)
        : ctx_(ctx), tally_(tally), where_(std::move(where)) {}

    /// Reads every entry from `since` on; returns what is wrong, or "".
    std::string run(sd_journal* j) {
        if (auto why = seek_journal(j, ctx_.since, where_); !why.empty()) return why;
        for (;;) {
            const int r = sd_journal_api().next(j);
            if (r < 0)
                return fmt::format("{}: cannot read the entry after entry {} ({}): corrupt?",
                                   where_, entries_, std::strerror(-r));
            if (r == 0) break;
            std::uint64_t usec = 0;
            if (const int t = sd_journal_api().get_realtime_usec(j, &usec); t < 0)
                return fmt::format("{}: entry {} has no time ({})", where_, entries_ + 1,
                                   std::strerror(-t));
            const auto time = static_cast<log_millis>(usec / 1000);
            // Files interleave: a seek places each one, not every entry.
            if (ctx_.since && time < *ctx_.since) continue;
            ++entries_;
            int failure = 0;
            const auto message = journal_field(j, "MESSAGE", failure);
            if (failure < 0)
                return fmt::format("{}: entry {} at {}: cannot read its MESSAGE ({})", where_,
                                   entries_, format_log_time(time), std::strerror(-failure));
            tally_.saw_time(time);
            if (!message) {
                if (!first_without_message_) first_without_message_ = time;
                ++without_message_;
                continue;
            }
            tally_.bytes += message->size() + 1;
            entry_ = {j, time};
            // A copy: the view lasts only until the next sd_journal_get_data,
            // which naming the entry's source for evidence calls.
            const std::string text(*message);
            for (std::size_t begin = 0;;) {
                const auto nl = text.find('\n', begin);
                decide(std::string_view(text).substr(begin,
                                                     nl == std::string::npos ? nl : nl - begin));
                if (nl == std::string::npos) break;
                begin = nl + 1;
            }
            if (ctx_.stop_when_met && tally_.requirements_met(ctx_.patterns)) {
                tally_.stopped_early = true;
                break;
            }
        }
        flush_traceback();
        return {};
    }

    [[nodiscard]] std::uint64_t entries() const noexcept { return entries_; }
    /// Entries without a readable MESSAGE: none in a sound journal (every
    /// writer gives one), so a damaged field that sd-journal skipped.
    [[nodiscard]] std::uint64_t without_message() const noexcept { return without_message_; }
    [[nodiscard]] std::optional<log_millis> first_without_message() const noexcept {
        return first_without_message_;
    }

private:
    struct current_entry {
        sd_journal* journal = nullptr;
        log_millis time = 0;
    };

    /// The event a line belongs to: a traceback header opens one that its
    /// indented lines and the exception line after them belong to.
    std::uint64_t event_of(std::string_view line, bool& closes_traceback) {
        ++lines_;
        closes_traceback = false;
        if (line.substr(0, traceback_header.size()) == traceback_header) {
            flush_traceback();
            traceback_event_ = lines_;
            return lines_;
        }
        if (!traceback_event_) return lines_;
        const auto event = *traceback_event_;
        if (line.empty() || (line[0] != ' ' && line[0] != '\t')) {
            closes_traceback = true;
            traceback_event_.reset();
        }
        return event;
    }

    void decide(std::string_view full_line) {
        const auto line = full_line.substr(0, std::min(full_line.size(), line_decision_limit));
        bool closes_traceback = false;
        const auto event = event_of(line, closes_traceback);
        const auto& patterns = ctx_.patterns.patterns();
        bool error = false, excluded = false;
        const log_pattern* first_error = nullptr;
        for (std::size_t id = 0; id < patterns.size(); ++id) {
            if (!RE2::PartialMatch(line, *patterns[id].re)) continue;
            ++tally_.pattern_lines[id];
            if (patterns[id].locate_last)
                tally_.last_matches[id] = last_match{where_, entries_, entry_.time};
            excluded |= patterns[id].role == pattern_role::exclude;
            if (patterns[id].role == pattern_role::error && !error) {
                error = true;
                first_error = &patterns[id];
            }
        }
        if (closes_traceback && !held_.empty()) {
            const std::string exception = printable_line(line, evidence_text_limit, line.size());
            held_.front().text += fmt::format("  ⇒ {}: {}", time_text(), exception);
            held_.front().data["exception"] = exception;
            held_.front().data["exception_time"] = time_text();
        }
        record(line, full_line.size(), event, error, excluded, first_error);
        if (closes_traceback) flush_traceback();
    }

    void record(std::string_view line, std::size_t full_size, std::uint64_t event, bool error,
                bool excluded, const log_pattern* first_error) {
        if (!error) return;
        if (excluded) {
            ++tally_.excluded_lines;
            return;
        }
        ++tally_.error_lines;
        if (last_error_event_ != event) {
            ++tally_.error_events;
            last_error_event_ = event;
        }
        add_evidence(line, full_size, *first_error, traceback_event_ && event == lines_);
    }

    /// A traceback header's evidence is held, with its event's other lines,
    /// until the exception line shows what it was (or the event ends).
    void add_evidence(std::string_view line, std::size_t full_size, const log_pattern& pattern,
                      bool traceback_header_line) {
        const std::string text = printable_line(line, evidence_text_limit, full_size);
        const std::string who = entry_source();
        nlohmann::json data = {{"journal", where_},
                               {"source", who},
                               {"time", time_text()},
                               {"entry", entries_},
                               {"cursor", journal_cursor(entry_.journal)},
                               {"text", text},
                               {"pattern", pattern.text}};
        evidence_item item{fmt::format("journal:{}:{}: {}", who, time_text(), text),
                           std::move(data)};
        auto& evidence = tally_.evidence;
        if ((traceback_header_line || !held_.empty()) &&
            evidence.items().size() + held_.size() < evidence.limit())
            held_.push_back(std::move(item));
        else if (!held_.empty())
            ++held_beyond_limit_;
        else
            evidence.add(std::move(item));
    }

    void flush_traceback() {
        for (auto& item : held_)
            tally_.evidence.add(std::move(item));
        held_.clear();
        tally_.evidence.count_more(held_beyond_limit_);
        held_beyond_limit_ = 0;
    }

    /// The entry's unit, else its identifier: who logged it.
    std::string entry_source() {
        int failure = 0;
        for (const char* field : {"_SYSTEMD_UNIT", "UNIT", "SYSLOG_IDENTIFIER", "_COMM"})
            if (const auto value = journal_field(entry_.journal, field, failure))
                return printable_line(*value, 200, value->size());
        return "-";
    }

    [[nodiscard]] std::string time_text() const { return format_log_time(entry_.time); }

    const scan_context& ctx_;
    scan_tally& tally_;
    std::string where_;
    current_entry entry_;
    std::uint64_t entries_ = 0, lines_ = 0, without_message_ = 0;
    std::optional<log_millis> first_without_message_;
    std::optional<std::uint64_t> traceback_event_, last_error_event_;
    std::vector<evidence_item> held_; ///< a traceback's evidence, header first
    std::size_t held_beyond_limit_ = 0;
};

/// Why some entries of the window went unread (`gap`: what
/// journal_sequence_gap found), or "".
[[nodiscard]] inline std::string unread_entries(const journal_scan& scan, const std::string& gap,
                                                const std::string& where) {
    if (!gap.empty()) return gap;
    if (scan.without_message() == 0) return {};
    return fmt::format("{}: {} without a readable MESSAGE, the first at {}: damaged "
                       "(journalctl --verify names the file); what {} cannot be checked",
                       where, counted(scan.without_message(), "entry", "entries"),
                       format_log_time(*scan.first_without_message()),
                       agreeing(scan.without_message(), "it held", "they held"));
}

} // namespace rollcheck::detail
