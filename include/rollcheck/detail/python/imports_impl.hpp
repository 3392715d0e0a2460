/// \file detail/python/imports_impl.hpp
/// Definitions of imports.hpp, included at its end.
#pragma once

#include "../../imports.hpp"
#include "../../wording.hpp"
#include "../process/output.hpp"
#include "import_driver.hpp"

namespace rollcheck {

namespace detail {

/// True for "a", "a.b_c", "pkg.sub2": what importlib.import_module takes without a package.
inline bool is_dotted_name(const std::string& name) {
    if (name.empty()) return false;
    bool at_start = true;
    for (const char c : name) {
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (c == '.') {
            if (at_start) return false;
            at_start = true;
        } else if (letter || (digit && !at_start)) {
            at_start = false;
        } else {
            return false;
        }
    }
    return !at_start;
}

/// The program to run: `interpreter`, or bin/python of a virtualenv directory.
inline std::filesystem::path python_program(const std::filesystem::path& interpreter,
                                            std::string& why) {
    std::error_code ec;
    if (!std::filesystem::is_directory(interpreter, ec)) return interpreter;
    for (const char* name : {"bin/python", "bin/python3"})
        if (std::filesystem::exists(interpreter / name, ec)) return interpreter / name;
    why = fmt::format("'{}' is a directory but not a virtualenv: it has no bin/python",
                      interpreter.string());
    return {};
}

/// One thing to check: a module that must import or must be gone, or an
/// entry-point script.
struct import_item {
    enum class expectation { imports, gone, runs };
    std::string key; ///< the module name, or the script's path as given
    expectation expect = expectation::imports;
    std::filesystem::path script; ///< absolute, for an entry point
};

/// What the driver reported, item by item.
struct import_reports {
    std::map<std::string, nlohmann::json> by_key;
    std::string fatal; ///< set when the interpreter could not run the driver at all
};

/// Reads the driver's JSON lines into `reports`; returns the item that was
/// started but not finished, if any.
inline std::string read_driver_output(const std::string& out, import_reports& reports) {
    std::string in_progress;
    std::size_t begin = 0;
    while (begin < out.size()) {
        auto end = out.find('\n', begin);
        if (end == std::string::npos) end = out.size();
        const auto record = nlohmann::json::parse(out.substr(begin, end - begin), nullptr, false);
        begin = end + 1;
        if (!record.is_object()) continue;
        if (record.contains("start")) {
            in_progress = record["start"].get<std::string>();
        } else if (record.contains("key")) {
            reports.by_key[record["key"].get<std::string>()] = record;
            in_progress.clear();
        }
    }
    return in_progress;
}

/// Where modules of the project are found: the working directory and the
/// python_path entries, absolute.
inline std::vector<std::string> project_roots(const import_spec& spec) {
    const auto base = std::filesystem::absolute(
        spec.working_directory.empty() ? std::filesystem::current_path() : spec.working_directory);
    std::vector<std::string> roots{base.lexically_normal().string()};
    for (const auto& entry : spec.python_path)
        roots.push_back((base / entry).lexically_normal().string());
    return roots;
}

/// The driver's argument: what to check, within which deadlines.
inline std::string driver_config(const import_spec& spec, const std::vector<import_item>& items,
                                 std::chrono::milliseconds total) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& item : items) {
        if (item.expect == import_item::expectation::runs)
            list.push_back({{"key", item.key}, {"script", item.script.string()}});
        else
            list.push_back({{"key", item.key}, {"module", item.key}});
    }
    return nlohmann::json{{"items", std::move(list)},
                          {"limit", std::chrono::duration<double>(spec.module_timeout).count()},
                          {"total", std::chrono::duration<double>(total).count()},
                          {"roots", project_roots(spec)},
                          {"removed", spec.must_not_import}}
        .dump();
}

/// Runs the driver once over every item. The parent outlives its children's
/// hangs and crashes; should it die itself, the item in progress is recorded
/// and the rest are left unchecked.
inline import_reports run_import_driver(const import_spec& spec,
                                        const std::filesystem::path& program,
                                        const std::vector<import_item>& items) {
    import_reports reports;
    command_spec run;
    run.working_directory = spec.working_directory;
    run.output_limit = 4 * 1024 * 1024;
    run.environment = spec.environment;
    std::string path;
    for (const auto& entry : spec.python_path)
        path += (path.empty() ? "" : ":") + entry;
    const auto given = spec.environment.find("PYTHONPATH");
    const char* inherited =
        given != spec.environment.end() ? given->second.c_str() : std::getenv("PYTHONPATH");
    if (inherited != nullptr && *inherited != '\0')
        path += (path.empty() ? "" : ":") + std::string(inherited);
    if (!path.empty()) run.environment["PYTHONPATH"] = path;
    // The driver keeps its own deadline a little inside the one it is killed at.
    run.timeout = spec.timeout;
    const auto inner =
        std::max(spec.timeout - std::chrono::milliseconds(250), std::chrono::milliseconds(1));
    // -B: checking must not write __pycache__ into the tree it checks.
    run.argv = {program.string(), "-B", "-c", import_driver, driver_config(spec, items, inner)};
    const auto outcome = run_command(run);
    const auto in_progress = read_driver_output(outcome.out.text(), reports);
    if (reports.by_key.empty() && in_progress.empty()) {
        const auto err = last_lines(outcome.err.text(), 1);
        reports.fatal =
            fmt::format("interpreter '{}' did not run the import checks: {}{}", program.string(),
                        outcome.describe(), err.empty() ? "" : "; its stderr ends: " + err.back());
    } else if (!in_progress.empty()) {
        reports.by_key[in_progress] = {
            {"key", in_progress},
            {"ok", false},
            {"type", "interpreter"},
            {"message", fmt::format("the checking interpreter ended: {}", outcome.describe())}};
    }
    return reports;
}

/// `file` relative to the project's root when it lies inside it.
inline std::string shown_path(const std::string& file, const std::string& root) {
    const auto relative = std::filesystem::path(file).lexically_relative(root);
    if (relative.empty() || *relative.begin() == "..") return file;
    return relative.string();
}

/// A JSON string member, or "".
inline std::string text_of(const nlohmann::json& record, const char* key) {
    const auto found = record.find(key);
    return found != record.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// "(at FILE:LINE)" or "(module FILE; raised at FILE:LINE)" for a failed import.
inline std::string failure_place(const nlohmann::json& record, const std::string& root) {
    const auto file = text_of(record, "file");
    const auto where = text_of(record, "where");
    const auto shown_where = shown_path(where, root);
    if (where.empty())
        return file.empty() ? "" : fmt::format(" (module {})", shown_path(file, root));
    if (file.empty() || where.rfind(file + ":", 0) == 0)
        return fmt::format(" (at {})", shown_where);
    return fmt::format(" (module {}; raised at {})", shown_path(file, root), shown_where);
}

/// "path/a.py", or the directories of a namespace package.
inline std::string found_in(const nlohmann::json& file) {
    if (file.is_string()) return file.get<std::string>();
    std::string dirs;
    for (const auto& dir : file)
        dirs += (dirs.empty() ? "" : ", ") + dir.get<std::string>();
    return fmt::format("namespace package in {}", dirs.empty() ? "(no directory)" : dirs);
}

/// "scripts/job.py:6 → core.lead_extractor (core/lead_extractor.py:2) → core.enrichment":
/// the imports that led from the item checked to the missing module.
inline std::string import_chain(const nlohmann::json& record, const std::string& root) {
    std::string text;
    const auto chain = record.value("chain", nlohmann::json::array());
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const auto& link = chain[i];
        const auto place =
            fmt::format("{}:{}", shown_path(text_of(link, "file"), root), link.value("line", 0));
        const auto module = text_of(link, "module");
        const bool script = i == 0 && module == "__rollcheck_entry__";
        text += script ? place : fmt::format("{} ({})", module, place);
        text += " → ";
    }
    return text + text_of(record, "missing");
}

/// What one item's record says, judged against its expectation.
struct import_finding {
    verdict status = verdict::pass;
    std::string problem; ///< the class, as totals count it: "gone from the project"
    std::string text;    ///< the evidence line, without the item's name
};

/// A ModuleNotFoundError or a static resolution's missing name, classed by
/// its owner: the project's (fail) or not installed here (error).
inline import_finding missing_module(const nlohmann::json& record, const std::string& program,
                                     const std::string& root) {
    const auto owner = text_of(record, "owner");
    const auto missing = text_of(record, "missing");
    const auto top = missing.substr(0, missing.find('.'));
    const bool linked = !record.value("chain", nlohmann::json::array()).empty();
    const auto chain = linked ? import_chain(record, root) : missing;
    if (owner == "removed")
        return {verdict::fail, "removed by the rollback",
                fmt::format("{}: removed by the rollback, still imported", chain)};
    if (owner == "project")
        return {verdict::fail, "gone from the project",
                linked ? fmt::format("{}: gone from the project", chain) : "gone from the project"};
    if (owner == "installed")
        return {verdict::error, "not installed",
                fmt::format("package '{}' for {} has no module '{}': cannot verify (wanted by {})",
                            top, program, missing, chain)};
    return {verdict::error, "not installed",
            fmt::format("package '{}' is not installed for {}: cannot verify (wanted by {})", top,
                        program, chain)};
}

/// A module or script that did not import, or an error of the run itself.
inline import_finding broken(const nlohmann::json& r, const import_spec& spec,
                             const std::string& program, const std::string& root) {
    const auto type = text_of(r, "type");
    if (type == "deadline")
        return {verdict::error, "hangs at import",
                r.value("cut", false)
                    ? "still importing when the check's deadline passed"
                    : fmt::format("still importing after {} (module_timeout): it hangs at import",
                                  describe_span(spec.module_timeout))};
    if (type == "interpreter")
        return {verdict::error, "ends its process",
                fmt::format("the interpreter ended while importing it: {}", text_of(r, "message"))};
    if (!text_of(r, "missing").empty()) return missing_module(r, program, root);
    return {verdict::fail, "broken",
            fmt::format("{}: {}{}", type, text_of(r, "message"), failure_place(r, root))};
}

/// Judges one item's record against its expectation, appending a finding
/// per problem (a statically resolved script may have several).
inline void judge_import(const import_item& item, const nlohmann::json* record,
                         const import_spec& spec, const std::string& program,
                         std::vector<import_finding>& out) {
    const auto root = project_roots(spec).front();
    if (record == nullptr) {
        out.push_back(
            {verdict::error, "not checked", "not checked: the check's deadline passed first"});
        return;
    }
    const auto& r = *record;
    const bool ok = r.value("ok", false);
    switch (item.expect) {
    case import_item::expectation::imports:
        out.push_back(ok ? import_finding{} : broken(r, spec, program, root));
        return;
    case import_item::expectation::runs:
        if (ok) {
            out.emplace_back();
        } else if (r.contains("failures")) {
            for (const auto& one : r["failures"]) {
                auto finding = text_of(one, "missing").empty() ? broken(one, spec, program, root)
                                                               : missing_module(one, program, root);
                finding.text += " (resolved without running it: no __main__ guard)";
                out.push_back(std::move(finding));
            }
        } else {
            out.push_back(broken(r, spec, program, root));
        }
        return;
    case import_item::expectation::gone:
        break;
    }
    if (ok) {
        out.push_back({verdict::fail, "still importable",
                       fmt::format("still importable, from {}", found_in(r["file"]))});
        return;
    }
    const auto missing = text_of(r, "missing");
    const bool gone = text_of(r, "type") == "ModuleNotFoundError" &&
                      (missing == item.key || item.key.rfind(missing + ".", 0) == 0);
    if (gone) {
        out.emplace_back();
        return;
    }
    const auto type = text_of(r, "type");
    if (type == "deadline" || type == "interpreter") {
        out.push_back(broken(r, spec, program, root));
        return;
    }
    out.push_back({verdict::fail, "still present",
                   fmt::format("still present, though its import fails with {}: {}{}", type,
                               text_of(r, "message"), failure_place(r, root))});
}

/// Refuses what cannot be checked; returns the reason, empty when the spec is usable.
inline std::string import_spec_problem(const import_spec& spec) {
    if (spec.interpreter.empty()) return "no interpreter given (a path or a virtualenv directory)";
    if (spec.must_import.empty() && spec.must_not_import.empty() && spec.entry_points.empty())
        return "no modules to check";
    std::set<std::string> seen;
    for (const auto* list : {&spec.must_import, &spec.must_not_import})
        for (const auto& name : *list) {
            if (!is_dotted_name(name))
                return fmt::format("'{}' is not a dotted Python module name", name);
            if (!seen.insert(name).second) return fmt::format("module '{}' is listed twice", name);
        }
    for (const auto& script : spec.entry_points)
        if (!seen.insert(script.string()).second)
            return fmt::format("entry point '{}' is listed twice", script.string());
    return {};
}

/// Every module and entry point of `spec`, in the order they are reported.
inline std::vector<import_item> import_items(const import_spec& spec) {
    std::vector<import_item> items;
    for (const auto& name : spec.must_import)
        items.push_back({name, import_item::expectation::imports, {}});
    for (const auto& script : spec.entry_points)
        items.push_back(
            {script.string(), import_item::expectation::runs,
             std::filesystem::absolute(std::filesystem::path(project_roots(spec).front()) / script)
                 .lexically_normal()});
    for (const auto& name : spec.must_not_import)
        items.push_back({name, import_item::expectation::gone, {}});
    return items;
}

} // namespace detail

namespace detail {

/// "1 failed (1 gone from the project, 1 broken)": the items of one verdict
/// and the problems behind them.
inline std::string problem_counts(std::size_t items, const char* what,
                                  const std::map<std::string, std::size_t>& problems) {
    std::string parts;
    for (const auto& [problem, n] : problems)
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, problem);
    return fmt::format("{} {}{}", items, what, parts.empty() ? "" : " (" + parts + ")");
}

/// The verdict, totals and summary of judged items.
inline void tally_imports(const import_spec& spec, const std::vector<import_item>& items,
                          const std::vector<std::vector<import_finding>>& findings,
                          const std::string& program, check_result& r) {
    std::map<verdict, std::size_t> counts;
    std::map<verdict, std::map<std::string, std::size_t>> problems;
    for (const auto& one : findings) {
        verdict worst = verdict::pass;
        for (const auto& f : one) {
            worst = std::max(worst, f.status);
            if (f.status != verdict::pass) ++problems[f.status][f.problem];
        }
        ++counts[worst];
    }
    r.status = counts[verdict::error]  ? verdict::error
               : counts[verdict::fail] ? verdict::fail
                                       : verdict::pass;
    nlohmann::json by_problem = nlohmann::json::object();
    for (const auto& [v, list] : problems)
        for (const auto& [problem, n] : list)
            by_problem[problem] = n;
    r.totals = {{"interpreter", program},
                {"modules", items.size()},
                {"must_import", spec.must_import.size()},
                {"must_not_import", spec.must_not_import.size()},
                {"entry_points", spec.entry_points.size()},
                {"as_expected", counts[verdict::pass]},
                {"failed", counts[verdict::fail]},
                {"errors", counts[verdict::error]},
                {"problems", std::move(by_problem)}};
    if (r.status == verdict::pass) {
        const auto n = spec.entry_points.size();
        const auto entries = n == 0 ? std::string()
                                    : fmt::format(", {} {}", counted(n, "entry point"),
                                                  agreeing(n, "resolves", "resolve"));
        r.summary =
            fmt::format("{} {}{} and {} {} gone ({})", counted(spec.must_import.size(), "module"),
                        agreeing(spec.must_import.size(), "imports", "import"), entries,
                        counted(spec.must_not_import.size(), "removed module"),
                        agreeing(spec.must_not_import.size(), "is", "are"), program);
        return;
    }
    r.summary = fmt::format(
        "{} of {} not as expected: {}; {} ({})", counts[verdict::fail] + counts[verdict::error],
        spec.entry_points.empty() ? counted(items.size(), "module")
                                  : fmt::format("{} modules and entry points", items.size()),
        problem_counts(counts[verdict::fail], "failed", problems[verdict::fail]),
        problem_counts(counts[verdict::error], "could not be verified", problems[verdict::error]),
        program);
}

/// How an entry point was checked: imported, resolved, or neither.
inline std::string how_checked(const nlohmann::json& record) {
    const auto how = text_of(record, "how");
    if (how == "resolved") return "imports resolved without running it (no __main__ guard)";
    if (how == "imported") return "imported under another name (its main is guarded)";
    return "not checked: it could not be read or parsed";
}

} // namespace detail

ROLLCHECK_INLINE check_result check_imports(const import_spec& spec) {
    return timed_check("py.imports", [&] {
        if (const auto problem = detail::import_spec_problem(spec); !problem.empty())
            return check_result::error("py.imports", problem);
        std::string why;
        const auto program = detail::python_program(spec.interpreter, why);
        if (!why.empty()) return check_result::error("py.imports", why);
        const auto items = detail::import_items(spec);
        std::error_code ec;
        const auto present = [&](const detail::import_item& item) {
            return item.script.empty() || std::filesystem::is_regular_file(item.script, ec);
        };
        std::vector<detail::import_item> runnable;
        std::copy_if(items.begin(), items.end(), std::back_inserter(runnable), present);
        const auto reports = runnable.empty() ? detail::import_reports{}
                                              : detail::run_import_driver(spec, program, runnable);
        if (!reports.fatal.empty()) return check_result::error("py.imports", reports.fatal);

        check_result r;
        r.evidence = bounded_evidence(spec.show);
        std::vector<std::vector<detail::import_finding>> findings(items.size());
        nlohmann::json how = nlohmann::json::array();
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto& item = items[i];
            const auto found = reports.by_key.find(item.key);
            const auto* record = found == reports.by_key.end() ? nullptr : &found->second;
            if (!present(item))
                findings[i].push_back({verdict::fail, "script missing",
                                       fmt::format("{} does not exist", item.script.string())});
            else
                detail::judge_import(item, record, spec, program.string(), findings[i]);
            if (!item.script.empty() && record != nullptr)
                how.push_back({{"script", item.key}, {"checked", detail::how_checked(*record)}});
            for (const auto& f : findings[i])
                if (f.status != verdict::pass)
                    r.evidence.add(
                        {fmt::format("{}: {}", item.key, f.text),
                         {{"module", item.key}, {"problem", f.problem}, {"text", f.text}}});
        }
        detail::tally_imports(spec, items, findings, program.string(), r);
        if (!how.empty()) r.totals["entry_points_checked"] = std::move(how);
        return r;
    });
}

} // namespace rollcheck
