/// \file detail/cron/cron_read.hpp
/// read_crontabs, and what every cron check makes of a reading: its error
/// result, an entry as JSON.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "../../cron.hpp"
#include "../../wording.hpp"
#include "../read_file.hpp"
#include "cron_schedule_impl.hpp"
#include "crontab_impl.hpp"

namespace rollcheck {

namespace detail {

/// Debian's cron reads only /etc/cron.d files named like run-parts(8) wants.
inline bool cron_d_name_ok(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

inline void read_cron_directory(const cron_source& src, const crontab_options& options,
                                cron_reading& out) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(src.path, ec), end; !ec && it != end;
         it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) {
        out.errors.push_back(
            fmt::format("cannot read directory '{}': {}", src.path.string(), ec.message()));
        return;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string why;
        auto text = read_whole_file(f, why);
        if (!text) {
            out.errors.push_back(why);
            continue;
        }
        auto tab = parse_crontab(*text, f.string(), options);
        if (!cron_d_name_ok(f.filename().string())) {
            // cron skips it: its entries do not run, so they are not counted as scheduled.
            tab.entries.clear();
            tab.diagnostics.insert(
                tab.diagnostics.begin(),
                {f.string(), 0, 0, cron_severity::warning,
                 "cron ignores this file: its name has characters other than letters, digits, "
                 "'_' and '-'"});
        }
        out.tabs.push_back(std::move(tab));
    }
}

inline void read_user_crontab(const cron_source& src, const cron_input& in,
                              const crontab_options& options, cron_reading& out) {
    command_spec spec;
    spec.argv = {in.crontab_program, "-l"};
    if (!src.user.empty()) spec.argv.insert(spec.argv.end(), {"-u", src.user});
    spec.timeout = in.timeout;
    spec.output_limit = 64u << 20;
    const auto run = run_command(spec);
    const auto label = src.label();
    if (run.out.truncated()) {
        out.errors.push_back(
            fmt::format("{}: printed more than {} bytes", label, spec.output_limit));
        return;
    }
    if (run.succeeded()) {
        out.tabs.push_back(parse_crontab(run.out.text(), label, options));
        return;
    }
    const auto err = run.err.text();
    if (run.status == command_status::exited && err.find("no crontab for") != std::string::npos) {
        out.notes.push_back(fmt::format("{}: {}", label, err.substr(0, err.find('\n'))));
        out.tabs.push_back(parse_crontab("", label, options));
        return;
    }
    out.errors.push_back(fmt::format("{}: {}{}{}", label, run.describe(), err.empty() ? "" : ": ",
                                     cron_snippet(err.substr(0, err.find('\n')))));
}

} // namespace detail

ROLLCHECK_INLINE cron_reading read_crontabs(const cron_input& in) {
    cron_reading out;
    for (const auto& src : in.sources) {
        crontab_options options;
        options.system = src.system;
        options.check_programs = in.check_programs;
        switch (src.type) {
        case cron_source::kind::text:
            out.tabs.push_back(parse_crontab(src.content, src.name, options));
            break;
        case cron_source::kind::directory:
            detail::read_cron_directory(src, options, out);
            break;
        case cron_source::kind::user:
            detail::read_user_crontab(src, in, options, out);
            break;
        case cron_source::kind::file: {
            std::string why;
            if (auto text = detail::read_whole_file(src.path, why))
                out.tabs.push_back(parse_crontab(*text, src.path.string(), options));
            else
                out.errors.push_back(why);
            break;
        }
        }
    }
    return out;
}

namespace detail {

/// An error result when no source was given or one could not be read.
inline std::optional<check_result> cron_reading_error(const std::string& check,
                                                      const cron_input& in,
                                                      const cron_reading& reading,
                                                      std::size_t show) {
    if (in.sources.empty()) return check_result::error(check, "no crontab source given");
    if (reading.errors.empty()) return std::nullopt;
    auto r = check_result::error(
        check, fmt::format("could not read {} of {}: {}", reading.errors.size(),
                           counted(in.sources.size(), "crontab source"), reading.errors.front()));
    r.evidence = bounded_evidence(show);
    for (const auto& e : reading.errors)
        r.evidence.add({e, {{"error", e}}});
    return r;
}

inline nlohmann::json cron_entry_json(const cron_entry& e) {
    return {{"file", e.file},
            {"line", e.line},
            {"schedule", e.schedule.text},
            {"canonical", e.schedule.canonical()},
            {"user", e.user},
            {"command", e.normalized_command()},
            {"zone", e.zone}};
}

inline std::string join_parts(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : sep) + p;
    return out;
}

} // namespace detail

} // namespace rollcheck
