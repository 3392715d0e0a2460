/// \file detail/db/backup_impl.hpp
/// Definitions of backup.hpp, included at its end.
#pragma once

#include "../../backup.hpp"
#include "../../time.hpp"
#include "../../wording.hpp"

namespace rollcheck {

namespace detail {

/// Why a file that is not a custom-format archive is not one, judged by its first bytes.
[[nodiscard]] inline std::optional<std::string> not_custom_format(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    char head[5] = {};
    in.read(head, sizeof head);
    const std::string magic(head, static_cast<std::size_t>(in.gcount()));
    if (magic == "PGDMP") return std::nullopt;
    if (magic.rfind("--", 0) == 0 || magic.rfind("SET", 0) == 0 || magic.rfind("\n--", 0) == 0)
        return std::string(
            "is a plain SQL dump, not a pg_dump custom-format archive (pg_dump -Fc)");
    return std::string("is not a pg_dump custom-format archive (it does not begin with PGDMP)");
}

/// TOC entries of a `pg_restore --list` listing, and how many are TABLE DATA
/// (lines starting with ';' are comments).
struct toc_counts {
    std::size_t entries = 0;
    std::size_t table_data = 0;

    explicit toc_counts(const std::string& listing) {
        std::size_t start = 0;
        while (start < listing.size()) {
            auto end = listing.find('\n', start);
            if (end == std::string::npos) end = listing.size();
            const std::string line = listing.substr(start, end - start);
            start = end + 1;
            if (line.empty() || line[0] == ';') continue;
            ++entries;
            if (line.find(" TABLE DATA ") != std::string::npos) ++table_data;
        }
    }
};

/// Collects what is wrong with an archive; each problem is one evidence item
/// that names the file and, once known, its size and age.
class backup_findings {
public:
    backup_findings(const std::filesystem::path& file, std::size_t show)
        : path_(file.string()), label_(path_), evidence_(show) {}

    void describe_file(std::uintmax_t size, std::chrono::seconds age) {
        label_ = fmt::format("{} ({}, {} old)", path_, describe_bytes(size), describe_span(age));
    }
    void add(const std::string& problem, const std::string& text, nlohmann::json data = {}) {
        data["file"] = path_;
        data["problem"] = problem;
        evidence_.add({fmt::format("{}: {}", label_, text), std::move(data)});
        texts_.push_back(text);
    }
    [[nodiscard]] bool any() const { return !texts_.empty(); }
    /// "FILE (SIZE, AGE old): what is wrong; what else is wrong".
    [[nodiscard]] std::string summary() const {
        std::string s = label_ + ": ";
        for (std::size_t i = 0; i < texts_.size(); ++i)
            s += (i > 0 ? "; " : "") + texts_[i];
        return s;
    }
    [[nodiscard]] const std::string& file() const { return path_; }
    [[nodiscard]] const std::string& label() const { return label_; }
    [[nodiscard]] check_result finish(check_result r) {
        r.evidence = std::move(evidence_);
        return r;
    }

private:
    std::string path_;
    std::string label_;
    bounded_evidence evidence_;
    std::vector<std::string> texts_;
};

/// Runs pg_restore with `args` on the archive; an outcome that means "could
/// not run it" (not found, timed out) becomes an error message.
[[nodiscard]] inline command_outcome
run_pg_restore(const backup_spec& spec, std::vector<std::string> args, std::string& could_not_run) {
    command_spec cmd;
    cmd.argv = {spec.pg_restore};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    // A relative name starting with '-' would read as an option.
    const auto archive = spec.archive.string();
    cmd.argv.push_back(archive.rfind('-', 0) == 0 ? "./" + archive : archive);
    cmd.timeout = spec.timeout;
    cmd.output_limit = 64 * 1024 * 1024; // a listing must be read whole
    auto run = run_command(cmd);
    if (run.status == command_status::failed_to_start || run.status == command_status::timed_out ||
        run.status == command_status::signaled || run.status == command_status::interrupted)
        could_not_run = fmt::format("{}: {}", run.command, run.describe());
    else if (run.out.truncated())
        could_not_run =
            fmt::format("{}: its listing is longer than {} bytes", run.command, cmd.output_limit);
    return run;
}

/// The file facts: exists, regular, non-empty, recent, custom format.
/// Returns whether pg_restore may look inside (`error` is set when the file
/// could not even be examined).
[[nodiscard]] inline bool examine_file(const backup_spec& spec, backup_findings& found,
                                       nlohmann::json& totals, std::string& error) {
    struct ::stat st {};
    if (::stat(spec.archive.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            found.add("missing", "does not exist");
            return false;
        }
        error = fmt::format("{}: cannot examine it: {}", found.file(), std::strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        found.add("not_a_file", "is not a regular file");
        return false;
    }
    const auto size = static_cast<std::uintmax_t>(st.st_size);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(
        now - std::chrono::seconds(st.st_mtim.tv_sec));
    totals["bytes"] = size;
    totals["age_s"] = age.count();
    totals["max_age_s"] = std::chrono::duration_cast<std::chrono::seconds>(spec.max_age).count();
    found.describe_file(size, age);
    if (spec.max_age.count() > 0 && age > spec.max_age)
        found.add("too_old", fmt::format("older than the allowed {}", describe_span(spec.max_age)),
                  {{"age_s", age.count()}});
    const auto written = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) +
            std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    if (spec.taken_before && written >= *spec.taken_before)
        found.add("after_rollback",
                  fmt::format("written at {}, not before {} (when the rollback started)",
                              format_utc(written), format_utc(*spec.taken_before)));
    if (size == 0) {
        found.add("empty", "is empty");
        return false;
    }
    if (auto why = not_custom_format(spec.archive)) {
        found.add("not_custom_format", *why);
        return false;
    }
    return true;
}

/// What `pg_restore --list` and (optionally) a full read say about the archive.
inline void examine_contents(const backup_spec& spec, const std::vector<table_ref>& tables,
                             backup_findings& found, nlohmann::json& totals, std::string& error) {
    const auto list = run_pg_restore(spec, {"--list"}, error);
    if (!error.empty()) return;
    if (!list.succeeded()) {
        found.add("unreadable",
                  fmt::format("pg_restore --list cannot read it: {}", first_line(list.err.text())));
        return;
    }
    const toc_counts counts(list.out.text());
    totals["toc_entries"] = counts.entries;
    totals["table_data_entries"] = counts.table_data;
    auto missing = nlohmann::json::array();
    for (const auto& table : tables) {
        // pg_restore matches --schema and --table exactly; the listing prints
        // names unquoted, so reading them back from it would be ambiguous.
        const auto selected = run_pg_restore(
            spec, {"--list", "--schema=" + table.schema, "--table=" + table.name}, error);
        if (!error.empty()) return;
        if (toc_counts(selected.out.text()).table_data == 0) {
            found.add("missing_table_data",
                      fmt::format("holds no TABLE DATA for {}", table.display()),
                      {{"table", table.display()}});
            missing.push_back(table.display());
        }
    }
    totals["tables_missing"] = missing;
    if (!spec.read_data) return;
    const auto read = run_pg_restore(spec, {"--file=/dev/null"}, error);
    if (!error.empty()) return;
    totals["data_read"] = read.succeeded();
    if (!read.succeeded())
        found.add("data_unreadable",
                  fmt::format("pg_restore cannot read its data: {}", first_line(read.err.text())));
}

} // namespace detail

ROLLCHECK_INLINE check_result check_backup(const backup_spec& spec) {
    return timed_check("db.backup", [&] {
        auto tables = spec.tables;
        for (auto& table : tables)
            if (table.schema.empty()) table.schema = "public";
        detail::backup_findings found(spec.archive, spec.show);
        nlohmann::json totals = {{"file", found.file()}};
        std::string error;
        if (detail::examine_file(spec, found, totals, error))
            detail::examine_contents(spec, tables, found, totals, error);
        if (!error.empty()) return check_result::error("db.backup", error);
        check_result r =
            found.any()
                ? check_result::fail("db.backup", found.summary())
                : check_result::pass(
                      "db.backup", fmt::format("{}: custom-format archive, TABLE DATA for {}{}",
                                               found.label(), counted(tables.size(), "named table"),
                                               spec.read_data ? ", every data block read" : ""));
        r.totals = std::move(totals);
        return found.finish(std::move(r));
    });
}

} // namespace rollcheck
