/// \file detail/target/target_impl.hpp
/// Definitions of target.hpp, included at its end.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <utility>

#include <toml++/toml.h>

#include "../../cron_schedule.hpp"
#include "../../target.hpp"
#include "../net/url.hpp"
#include "../pattern.hpp"
#include "trust.hpp"

namespace rollcheck {

namespace detail {

/// "an integer", "a table": a TOML value's type as messages name it.
[[nodiscard]] inline std::string_view toml_type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    default:
        return "nothing";
    }
}

/// The severities, as `[[check]]` names them.
inline constexpr std::string_view target_severities[] = {"P0", "P1", "P2", "P3"};

template <std::size_t N>
[[nodiscard]] bool one_of(std::string_view text, const std::string_view (&values)[N]) {
    return std::find(std::begin(values), std::end(values), text) != std::end(values);
}

template <std::size_t N>
[[nodiscard]] std::string listed(const std::string_view (&values)[N]) {
    std::string text;
    for (const auto v : values)
        text += (text.empty() ? "" : ", ") + std::string(v);
    return text;
}

/// True when `dsn` holds a password in a form libpq reads: `password=`, a
/// URI's `user:password@` or `?password=`. The pattern of mask_dsn catches
/// what libpq cannot parse; libpq's own parse catches quoting and
/// percent-encoding that a pattern would miss.
[[nodiscard]] inline bool dsn_holds_password(const std::string& dsn) {
    if (mask_dsn(dsn) != dsn) return true;
    try {
        return keyword_value(parse_conninfo(dsn), "password").has_value();
    } catch (const std::invalid_argument&) {
        return false; // an invalid DSN, reported as such
    }
}

/// `message` without the "line:column: " the cron parser puts first: in a
/// target the position is the TOML value's.
[[nodiscard]] inline std::string without_position(const std::string& message) {
    static const std::regex position(R"(^[0-9]+:[0-9]+: )");
    return std::regex_replace(message, position, "");
}

/// A command-line option's name: what `--name` takes.
[[nodiscard]] inline bool is_option_name(std::string_view key) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    };
    return !key.empty() && key.front() != '-' && std::all_of(key.begin(), key.end(), allowed);
}

/// `text` against `base` (unless absolute), normalised, without a trailing '/'.
[[nodiscard]] inline std::filesystem::path resolve_path(const std::filesystem::path& base,
                                                        const std::string& text) {
    auto path = (base / text).lexically_normal();
    if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
    return path;
}

/// The whole target file, or nothing with `why` naming the fault. Bounded:
/// reads at most one byte past target_file_limit. A file that someone other
/// than the user running rollcheck (or root) could have written is refused
/// (detail/target/trust.hpp): `what` and `consequence` say why it matters.
[[nodiscard]] inline std::optional<std::string>
read_target_file(const std::filesystem::path& path, std::string& why,
                 std::string_view what = "target file",
                 std::string_view consequence = "can run commands") {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found) {
        why = "no such file";
        return std::nullopt;
    }
    if (status.type() == std::filesystem::file_type::directory) {
        why = fmt::format("is a directory, not a {}", what);
        return std::nullopt;
    }
    // A FIFO or a device would block or never end: only plain files are read.
    if (!ec && status.type() != std::filesystem::file_type::regular) {
        why = "is not a regular file";
        return std::nullopt;
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        why = fmt::format("cannot read: {}", std::strerror(errno));
        return std::nullopt;
    }
    why = untrusted_file(path, ::fileno(file.get()), what, consequence);
    if (!why.empty()) return std::nullopt;
    std::string text(target_file_limit + 1, '\0');
    const auto n = std::fread(text.data(), 1, text.size(), file.get());
    if (std::ferror(file.get()) != 0) {
        why = fmt::format("cannot read: {}", std::strerror(errno));
        return std::nullopt;
    }
    text.resize(n);
    return text;
}

/// A fault at a line and column of a TOML file (0: the file as a whole).
struct located {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string message;
};

/// The fault of text too large, or binary, to be `what`; none when it may be.
[[nodiscard]] inline std::optional<located> screen_text(std::string_view text, std::size_t limit,
                                                        std::string_view what) {
    if (text.size() > limit)
        return located{0, 0, fmt::format("larger than {} MiB: not a {}", limit >> 20, what)};
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    const auto before = text.substr(0, nul);
    const auto line_start = before.rfind('\n');
    return located{static_cast<std::uint32_t>(1 + std::count(before.begin(), before.end(), '\n')),
                   static_cast<std::uint32_t>(
                       line_start == std::string_view::npos ? nul + 1 : nul - line_start),
                   fmt::format("a NUL byte: this is binary data, not a TOML {}", what)};
}

/// Reads one target file's TOML into a target, collecting every fault.
class target_reader {
public:
    target_reader(const std::filesystem::path& name, const target_plan_facts& plan)
        : name_(name.string()), plan_(plan) {
        std::error_code ec;
        auto file = std::filesystem::absolute(name, ec);
        if (ec) file = name;
        target_.file = file.lexically_normal();
        dir_ = target_.file.parent_path();
        target_.project_root = dir_;
        target_.recovery_targets = plan.recovery_targets;
    }

    target_reading read(std::string_view text) && {
        if (const auto fault = screen_text(text, target_file_limit, "target file")) {
            errors_.push_back(*fault);
            return finish();
        }
        try {
            auto document = toml::parse(text, std::string_view(name_));
            add_plan_defaults(document);
            read_document(document);
        } catch (const toml::parse_error& e) {
            fail(e.source(), std::string(e.description()));
        }
        return finish();
    }

    /// Reads `document` alone, as the plan's `[defaults]` are checked.
    target_reading read_table(const toml::table& document) && {
        read_document(document);
        return finish();
    }

private:
    // Messages ---------------------------------------------------------------

    void fail(const toml::source_region& at, std::string message) {
        errors_.push_back({at.begin.line, at.begin.column, std::move(message)});
    }

    void wrong_type(std::string_view label, std::string_view key, std::string_view expected,
                    const toml::node& found) {
        fail(found.source(), fmt::format("{} {}: expected {}, found {}", label, key, expected,
                                         toml_type_name(found)));
    }

    target_reading finish() {
        target_reading reading;
        std::stable_sort(errors_.begin(), errors_.end(), [](const located& a, const located& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        for (auto& e : errors_) {
            // A value the plan's [defaults] gave has no place in the target.
            auto where = e.line == 0 ? name_ : fmt::format("{}:{}:{}", name_, e.line, e.column);
            reading.errors.push_back({std::move(where), std::move(e.message)});
        }
        if (reading.errors.empty()) reading.value = std::move(target_);
        return reading;
    }

    // The plan's defaults ------------------------------------------------------

    /// Fills in, from the plan's `[defaults]`, each key the target leaves
    /// out. Keys that only make sense together (a URL, or a host and a
    /// port) come from one side: the target's when it gives any of them.
    void add_plan_defaults(toml::table& document) {
        if (plan_.defaults_file.empty()) return;
        toml::table plan;
        try {
            plan = toml::parse_file(plan_.defaults_file.string());
        } catch (const toml::parse_error&) {
            return; // the plan was read before; a file changed since is the plan's fault
        }
        const auto* defaults = plan["defaults"].as_table();
        if (defaults == nullptr) return;
        for (auto&& [section, values] : *defaults) {
            const auto* from = values.as_table();
            if (from == nullptr) continue;
            auto* into = document[section.str()].as_table();
            if (into == nullptr) {
                if (document.contains(section.str())) continue; // reported as the target's
                document.insert(section, toml::table{});
                into = document[section.str()].as_table();
            }
            // Decided on the target's own keys before any is added: a plan's
            // host, once added, is not the target giving the API's group.
            std::vector<std::pair<const toml::key*, const toml::node*>> missing;
            for (auto&& [key, value] : *from)
                if (!into->contains(key.str()) && !group_given(*into, section.str(), key.str()))
                    missing.emplace_back(&key, &value);
            for (const auto& [key, value] : missing)
                into->insert(*key, *value);
        }
    }

    /// Whether the target gives a key of the group `key` belongs to.
    static bool group_given(const toml::table& target_section, std::string_view section,
                            std::string_view key) {
        static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>
            groups = {{"api", {"url", "host", "port"}}, {"cron", {"crontab", "user"}}};
        for (const auto& [name, keys] : groups) {
            if (name != section || std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
            for (const auto k : keys)
                if (target_section.contains(k)) return true;
        }
        return false;
    }

    // Tables and keys ----------------------------------------------------------

    void read_document(const toml::table& root) {
        for (auto&& [key, node] : root) {
            static constexpr std::string_view known[] = {
                "project", "database", "backup",   "cron",     "logs",
                "api",     "pipeline", "rollback", "recovery", "check"};
            if (one_of(key.str(), known)) continue;
            if (node.is_table())
                fail(node.source(), fmt::format("unknown table [{}]", key.str()));
            else
                fail(key.source(), fmt::format("unknown key '{}' outside any table", key.str()));
        }
        read_project(
            section(root, "project",
                    {"root", "python", "revision", "environment", "entry_points", "old_modules"}));
        read_database(
            section(root, "database",
                    {"dsn", "table", "key", "timestamp", "backup", "baseline", "max_scan_rows"}));
        read_backup(section(root, "backup", {"restore_check", "scratch_dsn", "bindir"}));
        read_cron(
            section(root, "cron",
                    {"crontab", "user", "snapshot", "schedule", "command", "syslog", "journal"}));
        read_logs(section(root, "logs", {"files", "errors", "progress"}));
        read_api(section(root, "api", {"url", "host", "port"}));
        read_pipeline(root);
        read_rollback(
            section(root, "rollback", {"since", "waivers", "before", "deadline", "plan"}));
        read_recovery(recovery_section(root));
        if (const auto* checks = root.get("check")) read_checks(*checks);
    }

    /// The table `[name]`, its unknown keys reported; an empty table when absent.
    const toml::table& section(const toml::table& root, std::string_view name,
                               std::initializer_list<std::string_view> known) {
        const auto& table = any_section(root, name);
        for (auto&& [key, value] : table)
            if (std::find(known.begin(), known.end(), key.str()) == known.end())
                fail(key.source(), fmt::format("unknown key '{}' in [{}]", key.str(), name));
        return table;
    }

    /// The table `[name]`, any key allowed; an empty table when absent.
    const toml::table& any_section(const toml::table& root, std::string_view name) {
        static const toml::table none;
        const auto* node = root.get(name);
        if (node == nullptr) return none;
        const auto* table = node->as_table();
        if (table == nullptr) {
            fail(node->source(), fmt::format("'{}': expected a table ([{}]), found {}", name, name,
                                             toml_type_name(*node)));
            return none;
        }
        return *table;
    }

    /// `[recovery]`: `wait` and a duration per phase of the plan.
    const toml::table& recovery_section(const toml::table& root) {
        const auto& table = any_section(root, "recovery");
        for (auto&& [key, value] : table)
            if (key.str() != "wait" && !is_phase(key.str()))
                fail(key.source(),
                     fmt::format("unknown key '{}' in [recovery]: {}", key.str(), phases_named()));
        return table;
    }

    /// Whether the plan has the phase `id` (any id, without a plan).
    [[nodiscard]] bool is_phase(std::string_view id) const {
        return plan_.phases.empty() ||
               std::find(plan_.phases.begin(), plan_.phases.end(), id) != plan_.phases.end();
    }

    /// "the plan's phases are 1-3, 4-5, 11".
    [[nodiscard]] std::string phases_named() const {
        std::string text;
        for (const auto& p : plan_.phases)
            text += (text.empty() ? "" : ", ") + p;
        return "the plan's phases are " + text;
    }

    /// The value of `key` when it is a string; a fault when it is something else.
    const toml::value<std::string>* string_at(const toml::table& t, std::string_view label,
                                              std::string_view key) {
        const auto* node = t.get(key);
        if (node == nullptr) return nullptr;
        if (const auto* s = node->as_string()) return s;
        wrong_type(label, key, "a string", *node);
        return nullptr;
    }

    /// Sets `out` from a non-empty string `key`.
    void read_string(const toml::table& t, std::string_view label, std::string_view key,
                     std::string& out) {
        const auto* s = string_at(t, label, key);
        if (s == nullptr) return;
        if (s->get().empty())
            fail(s->source(), fmt::format("{} {}: empty", label, key));
        else
            out = s->get();
    }

    /// Sets `out` from the path `key`, resolved against `base`.
    void read_path(const toml::table& t, std::string_view label, std::string_view key,
                   const std::filesystem::path& base, std::filesystem::path& out) {
        std::string text;
        read_string(t, label, key, text);
        if (!text.empty()) out = resolve_path(base, text);
    }

    /// The array `key`, each element that is not a string reported (callers
    /// skip those, so that the strings are still checked).
    const toml::array* strings_at(const toml::table& t, std::string_view label,
                                  std::string_view key) {
        const auto* node = t.get(key);
        if (node == nullptr) return nullptr;
        const auto* array = node->as_array();
        if (array == nullptr) {
            wrong_type(label, key, "an array of strings", *node);
            return nullptr;
        }
        for (std::size_t i = 0; i < array->size(); ++i)
            if (!(*array)[i].is_string())
                wrong_type(label, fmt::format("{}[{}]", key, i), "a string", (*array)[i]);
        return array;
    }

    /// Where `key` is written in `t`, for faults that are about the key.
    static toml::source_region key_source(const toml::table& t, std::string_view key) {
        for (auto&& [k, v] : t)
            if (k.str() == key) return k.source();
        return {};
    }

    /// A fault at the later of `a` and `b` when `t` has both.
    void exclusive(const toml::table& t, std::string_view label, std::string_view a,
                   std::string_view b, std::string_view meaning) {
        if (!t.contains(a) || !t.contains(b)) return;
        const auto at_a = key_source(t, a);
        const auto at_b = key_source(t, b);
        const bool b_later = std::tie(at_b.begin.line, at_b.begin.column) >
                             std::tie(at_a.begin.line, at_a.begin.column);
        fail(b_later ? at_b : at_a,
             fmt::format("{}: both {} and {} given; give one ({})", label, a, b, meaning));
    }

    // The tables -----------------------------------------------------------------

    void read_project(const toml::table& t) {
        read_path(t, "[project]", "root", dir_, target_.project_root);
        read_string(t, "[project]", "python", target_.python);
        read_string(t, "[project]", "revision", target_.revision);
        read_environment(t);
        read_strings(t, "[project]", "entry_points", target_.entry_points);
        read_strings(t, "[project]", "old_modules", target_.old_modules);
        const auto* root = t.get("root");
        if (root == nullptr || !root->is_string() || root->as_string()->get().empty()) return;
        // The one path a target cannot do without: every relative path of the
        // project is read under it.
        std::error_code ec;
        const auto status = std::filesystem::status(target_.project_root, ec);
        if (status.type() == std::filesystem::file_type::not_found)
            fail(root->source(),
                 fmt::format("[project] root: '{}' does not exist", target_.project_root.string()));
        else if (!ec && status.type() != std::filesystem::file_type::directory)
            fail(root->source(), fmt::format("[project] root: '{}' is not a directory",
                                             target_.project_root.string()));
    }

    /// `[project] environment`, a table of strings.
    void read_environment(const toml::table& t) {
        const auto* node = t.get("environment");
        if (node == nullptr) return;
        const auto* table = node->as_table();
        if (table == nullptr)
            return wrong_type("[project]", "environment", "a table of strings", *node);
        for (auto&& [key, value] : *table) {
            if (const auto* text = value.as_string())
                target_.environment[std::string(key.str())] = text->get();
            else
                wrong_type("[project]", fmt::format("environment.{}", key.str()), "a string",
                           value);
        }
    }

    /// Replaces `out` with the array of strings `key`, when given.
    void read_strings(const toml::table& t, std::string_view label, std::string_view key,
                      std::vector<std::string>& out) {
        const auto* array = strings_at(t, label, key);
        if (array == nullptr) return;
        out.clear();
        for (const auto& item : *array)
            if (const auto* text = item.as_string()) out.push_back(text->get());
    }

    void read_database(const toml::table& t) {
        read_dsn(t, "[database]", "dsn", target_.connection.dsn);
        std::string table;
        read_string(t, "[database]", "table", table);
        if (!table.empty()) {
            try {
                target_.table = table_ref::parse(table);
            } catch (const std::invalid_argument& e) {
                fail(t.get("table")->source(), fmt::format("[database] table: {}", e.what()));
            }
        }
        read_string(t, "[database]", "key", target_.key);
        read_string(t, "[database]", "timestamp", target_.timestamp_column);
        read_path(t, "[database]", "backup", dir_, target_.backup);
        read_path(t, "[database]", "baseline", dir_, target_.baseline);
        read_scan_budget(t);
    }

    /// `[database] max_scan_rows`: the row budget of every whole-table scan.
    void read_scan_budget(const toml::table& t) {
        const auto* node = t.get("max_scan_rows");
        if (node == nullptr) return;
        const auto* rows = node->as_integer();
        if (rows == nullptr) return wrong_type("[database]", "max_scan_rows", "an integer", *node);
        if (rows->get() < 0)
            return fail(rows->source(),
                        fmt::format("[database] max_scan_rows: {} is negative", rows->get()));
        target_.connection.max_scan_rows = static_cast<std::uint64_t>(rows->get());
    }

    /// A DSN, refused when it holds a password: a target file is read by
    /// people and kept in repositories. Never echoes the DSN.
    void read_dsn(const toml::table& t, std::string_view label, std::string_view key,
                  std::string& out) {
        const auto* dsn = string_at(t, label, key);
        if (dsn == nullptr) return;
        if (dsn_holds_password(dsn->get())) {
            fail(dsn->source(), fmt::format("{} {}: holds a password; give it through "
                                            "PGPASSWORD, ~/.pgpass or a service file",
                                            label, key));
            return;
        }
        try {
            (void)parse_conninfo(dsn->get());
            out = dsn->get();
        } catch (const std::invalid_argument& e) {
            // parse_conninfo's reason hides the quoted token it names.
            fail(dsn->source(), fmt::format("{} {}: {}", label, key, e.what()));
        }
    }

    /// How Phase 7 proves the backup by restoring it; read after [database],
    /// whose `backup` names the archive to restore.
    void read_backup(const toml::table& t) {
        if (const auto* node = t.get("restore_check")) {
            if (const auto* on = node->as_boolean()) {
                target_.restore_check = on->get();
                if (target_.restore_check && target_.backup.empty())
                    fail(node->source(), "[backup] restore_check: true, but [database] backup "
                                         "names no archive to restore");
            } else {
                wrong_type("[backup]", "restore_check", "a boolean", *node);
            }
        }
        read_dsn(t, "[backup]", "scratch_dsn", target_.restore_scratch_dsn);
        read_path(t, "[backup]", "bindir", dir_, target_.postgres_bindir);
    }

    void read_cron(const toml::table& t) {
        exclusive(t, "[cron]", "crontab", "user", "a crontab file, or a user's crontab");
        read_path(t, "[cron]", "crontab", dir_, target_.crontab_file);
        read_string(t, "[cron]", "user", target_.crontab_user);
        read_path(t, "[cron]", "snapshot", dir_, target_.crontab_snapshot);
        if (const auto* schedule = string_at(t, "[cron]", "schedule")) {
            std::string why;
            if (parse_cron_schedule(schedule->get(), why))
                target_.job_schedule = schedule->get();
            else
                fail(schedule->source(), fmt::format("[cron] schedule '{}': {}", schedule->get(),
                                                     without_position(why)));
        }
        read_string(t, "[cron]", "command", target_.job_command);
        if (const auto* files = strings_at(t, "[cron]", "syslog"))
            for (const auto& f : *files)
                if (const auto* file = f.as_string())
                    target_.cron_logs.push_back(resolve_path(dir_, file->get()).string());
        if (const auto* node = t.get("journal")) {
            if (const auto* on = node->as_boolean())
                target_.cron_journal = on->get();
            else
                wrong_type("[cron]", "journal", "a boolean", *node);
        }
    }

    void read_logs(const toml::table& t) {
        if (const auto* files = strings_at(t, "[logs]", "files")) {
            target_.log_files.clear();
            for (const auto& f : *files)
                if (const auto* file = f.as_string()) target_.log_files.push_back(file->get());
        }
        // The defaults too are the project's paths.
        for (auto& file : target_.log_files)
            file = resolve_path(target_.project_root, file).string();
        read_patterns(t, "errors", target_.error_patterns);
        read_patterns(t, "progress", target_.progress_patterns);
    }

    void read_patterns(const toml::table& t, std::string_view key, std::vector<std::string>& out) {
        const auto* patterns = strings_at(t, "[logs]", key);
        if (patterns == nullptr) return;
        out.clear();
        for (std::size_t i = 0; i < patterns->size(); ++i) {
            const auto* p = (*patterns)[i].as_string();
            if (p == nullptr) continue;
            std::string why;
            if (!compile_pattern(p->get(), why))
                fail(p->source(), fmt::format("[logs] {}[{}]: {}", key, i, why));
            out.push_back(p->get());
        }
    }

    void read_api(const toml::table& t) {
        exclusive(t, "[api]", "url", "host", "the health URL, or host and port");
        exclusive(t, "[api]", "url", "port", "the health URL, or host and port");
        read_string(t, "[api]", "host", target_.api_host);
        read_port(t);
        if (t.contains("host") || t.contains("port")) {
            // Given one of them, the other is the usual one.
            if (target_.api_host.empty()) target_.api_host = "127.0.0.1";
            if (target_.api_port == 0) target_.api_port = 80;
            const auto host = target_.api_host.find(':') == std::string::npos
                                  ? target_.api_host
                                  : "[" + target_.api_host + "]";
            target_.api_url = fmt::format("http://{}:{}/", host, target_.api_port);
        }
        if (const auto* url = string_at(t, "[api]", "url")) {
            std::string why;
            if (const auto parsed = parse_http_url(url->get(), why)) {
                target_.api_url = url->get();
                target_.api_host = parsed->host;
                target_.api_port = parsed->port;
            } else {
                fail(url->source(), fmt::format("[api] url: {}", why));
            }
        }
    }

    void read_port(const toml::table& t) {
        const auto* node = t.get("port");
        if (node == nullptr) return;
        const auto* port = node->as_integer();
        if (port == nullptr) return wrong_type("[api]", "port", "an integer", *node);
        if (port->get() < 1 || port->get() > 65535)
            return fail(port->source(),
                        fmt::format("[api] port: {} is not a port (1 to 65535)", port->get()));
        target_.api_port = static_cast<int>(port->get());
    }

    /// `[pipeline]`: any key, a string or an array of strings.
    void read_pipeline(const toml::table& root) {
        const auto& table = any_section(root, "pipeline");
        for (auto&& [key, node] : table) {
            auto& values = target_.pipeline[std::string(key.str())];
            if (const auto* text = node.as_string())
                values.push_back(text->get());
            else if (!node.is_array())
                wrong_type("[pipeline]", key.str(), "a string or an array of strings", node);
            else if (const auto* array = strings_at(table, "[pipeline]", key.str()))
                for (const auto& item : *array)
                    if (const auto* s = item.as_string()) values.push_back(s->get());
        }
    }

    void read_recovery(const toml::table& t) {
        if (const auto* node = t.get("wait")) {
            if (const auto* b = node->as_boolean())
                target_.wait = b->get();
            else
                wrong_type("[recovery]", "wait", "a boolean", *node);
        }
        for (auto&& [key, node] : t) {
            if (key.str() == "wait" || !is_phase(key.str())) continue;
            const auto* text = string_at(t, "[recovery]", key.str());
            if (text == nullptr) continue;
            std::string why;
            if (const auto span = parse_duration(text->get(), why); span && span->count() > 0)
                target_.recovery_targets[std::string(key.str())] = *span;
            else
                fail(text->source(), fmt::format("[recovery] {}: '{}' is not a duration (5m, "
                                                 "1h30m)",
                                                 key.str(), text->get()));
        }
    }

    void read_rollback(const toml::table& t) {
        read_path(t, "[rollback]", "waivers", dir_, target_.waivers);
        read_path(t, "[rollback]", "plan", dir_, target_.plan);
        read_path(t, "[rollback]", "before", dir_, target_.before);
        if (const auto* deadline = string_at(t, "[rollback]", "deadline")) {
            std::string why;
            if (const auto span = parse_duration(deadline->get(), why); span && span->count() > 0)
                target_.deadline = *span;
            else
                fail(deadline->source(),
                     fmt::format("[rollback] deadline: {}",
                                 why.empty() ? "'" + deadline->get() + "' is not positive" : why));
        }
        const auto* node = t.get("since");
        if (node == nullptr) return;
        std::string text;
        if (const auto* s = node->as_string()) {
            text = s->get();
        } else if (node->is_date_time() || node->is_date()) {
            // TOML's own date-times read as the same text written in quotes would.
            std::ostringstream out;
            if (const auto* dt = node->as_date_time())
                out << dt->get();
            else
                out << node->as_date()->get();
            text = out.str();
        } else {
            return wrong_type("[rollback]", "since", "a string or a date-time", *node);
        }
        std::string why;
        target_.since = parse_time(text, why);
        if (!target_.since) fail(node->source(), fmt::format("[rollback] since: {}", why));
    }

    // [[check]] ------------------------------------------------------------------

    void read_checks(const toml::node& node) {
        const auto* array = node.as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            fail(node.source(), fmt::format("'check': expected an array of tables ([[check]]), "
                                            "found {}",
                                            toml_type_name(node)));
            return;
        }
        for (const auto& element : *array)
            read_check(*element.as_table());
    }

    void read_check(const toml::table& t) {
        declared_check check;
        const auto at = t.source();
        check.where = fmt::format("{}:{}:{}", name_, at.begin.line, at.begin.column);
        read_check_field(t, "phase", check.phase);
        read_check_field(t, "severity", check.severity);
        read_check_field(t, "name", check.name);
        read_check_field(t, "kind", check.kind);
        if (!check.phase.empty() && !is_phase(check.phase))
            fail(t.get("phase")->source(), fmt::format("[[check]] phase: '{}' is not a phase ({})",
                                                       check.phase, phases_named()));
        if (!check.severity.empty() && !one_of(check.severity, target_severities))
            fail(t.get("severity")->source(),
                 fmt::format("[[check]] severity: '{}' is not a severity ({})", check.severity,
                             listed(target_severities)));
        read_check_options(t, check.arguments);
        target_.checks.push_back(std::move(check));
    }

    void read_check_field(const toml::table& t, std::string_view key, std::string& out) {
        if (!t.contains(key))
            fail(t.source(), fmt::format("[[check]]: missing key '{}'", key));
        else
            read_string(t, "[[check]]", key, out);
    }

    /// The keys other than phase, severity, name and kind, in the file's
    /// order, as command-line words.
    void read_check_options(const toml::table& t, std::vector<std::string>& arguments) {
        std::vector<std::pair<const toml::key*, const toml::node*>> options;
        for (auto&& [key, node] : t) {
            static constexpr std::string_view fields[] = {"phase", "severity", "name", "kind"};
            if (!one_of(key.str(), fields)) options.emplace_back(&key, &node);
        }
        std::sort(options.begin(), options.end(), [](const auto& a, const auto& b) {
            const auto& x = a.first->source().begin;
            const auto& y = b.first->source().begin;
            return std::tie(x.line, x.column) < std::tie(y.line, y.column);
        });
        for (const auto& [key, node] : options)
            read_check_option(*key, *node, arguments);
    }

    void read_check_option(const toml::key& key, const toml::node& node,
                           std::vector<std::string>& arguments) {
        // "--key=value": a value that starts with a dash stays a value.
        const auto option = "--" + std::string(key.str());
        if (!is_option_name(key.str()))
            return fail(key.source(),
                        fmt::format("[[check]] '{}': not an option name (lower-case letters, "
                                    "digits and dashes, as on the command line)",
                                    key.str()));
        if (const auto* s = node.as_string()) {
            refuse_reference(*s, key.str());
            arguments.push_back(option + "=" + s->get());
        } else if (const auto* n = node.as_integer()) {
            arguments.push_back(option + "=" + std::to_string(n->get()));
        } else if (const auto* b = node.as_boolean()) {
            if (b->get()) arguments.push_back(option);
        } else if (const auto* array = node.as_array()) {
            for (std::size_t i = 0; i < array->size(); ++i) {
                if (const auto* item = (*array)[i].as_string()) {
                    refuse_reference(*item, fmt::format("{}[{}]", key.str(), i));
                    arguments.push_back(option + "=" + item->get());
                } else
                    wrong_type("[[check]]", fmt::format("{}[{}]", key.str(), i), "a string",
                               (*array)[i]);
            }
        } else {
            wrong_type("[[check]]", key.str(),
                       "a string, an integer, a boolean or an array of strings", node);
        }
    }

    /// A plan's `${section.key}` in a [[check]] value would reach the
    /// verifier as it is written: a fault, naming it. (A shell's `${HOME}`
    /// has no dot and stays.)
    void refuse_reference(const toml::value<std::string>& value, std::string_view where) {
        const auto& text = value.get();
        for (auto open = text.find("${"); open != std::string::npos;
             open = text.find("${", open + 2)) {
            const auto close = text.find('}', open);
            if (close == std::string::npos) return;
            const auto name = text.substr(open + 2, close - open - 2);
            if (name.find('.') == std::string::npos) continue;
            return fail(value.source(),
                        fmt::format("[[check]] {}: '${{{}}}' is a plan's reference, which a "
                                    "target does not expand: write the value itself",
                                    where, name));
        }
    }

    std::string name_;
    target_plan_facts plan_;
    std::filesystem::path dir_;
    target target_;
    std::vector<located> errors_;
};

} // namespace detail

ROLLCHECK_INLINE target_reading parse_target(std::string_view text,
                                             const std::filesystem::path& name,
                                             const target_plan_facts& plan) {
    return detail::target_reader(name, plan).read(text);
}

ROLLCHECK_INLINE target_reading load_target(const std::filesystem::path& path,
                                            const target_plan_facts& plan) {
    std::string why;
    const auto text = detail::read_target_file(path, why);
    if (!text) {
        target_reading reading;
        reading.errors.push_back({path.string(), why});
        return reading;
    }
    return parse_target(*text, path, plan);
}

ROLLCHECK_INLINE std::filesystem::path plan_named_by_target(const std::filesystem::path& path) {
    std::string why;
    const auto text = detail::read_target_file(path, why);
    if (!text || detail::screen_text(*text, target_file_limit, "")) return {};
    try {
        const auto document = toml::parse(*text, path.string());
        const auto* plan = document["rollback"]["plan"].as_string();
        if (plan == nullptr || plan->get().empty()) return {};
        std::error_code ec;
        const auto file = std::filesystem::absolute(path, ec);
        return detail::resolve_path((ec ? path : file).parent_path(), plan->get());
    } catch (const toml::parse_error&) {
        return {};
    }
}

} // namespace rollcheck
