/// \file detail/python/imports_impl.hpp
/// Definitions of imports.hpp, included at its end.
#pragma once

#include "../../imports.hpp"
#include "../../wording.hpp"
#include "../process/output.hpp"

namespace rollcheck {

namespace detail {

/// Runs in the interpreter: argv is the per-module deadline in seconds, then
/// the modules. Writes one JSON line per event on a private copy of stdout,
/// while the modules' own output (Python's or C's, on fd 1) goes to stderr.
/// A {"start": name} line, written before each import, tells the caller
/// which module was in progress when the interpreter died or hung. The
/// place an import failed is the last frame outside this driver and importlib.
inline constexpr const char* import_driver = R"PY(
import importlib, json, os, signal, sys, traceback
channel = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
class ImportDeadline(BaseException):
    pass
def on_alarm(signum, frame):
    raise ImportDeadline()
signal.signal(signal.SIGALRM, on_alarm)
machinery = os.path.dirname(importlib.__file__)
def emit(record):
    os.write(channel, (json.dumps(record) + "\n").encode())
def module_file(name, tb):
    found = None
    for frame, _ in traceback.walk_tb(tb):
        if frame.f_globals.get("__name__") == name:
            found = frame.f_globals.get("__file__")
    return found
def check(name, limit):
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            module = importlib.import_module(name)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        places = getattr(module, "__file__", None) or list(getattr(module, "__path__", []))
        return {"ok": True, "file": places}
    except ImportDeadline:
        return {"ok": False, "type": "deadline", "message": ""}
    except BaseException as e:
        frames = [f for f in traceback.extract_tb(e.__traceback__)
                  if not f.filename.startswith(("<", machinery))]
        return {"ok": False, "type": type(e).__name__, "message": str(e),
                "missing": e.name if isinstance(e, ModuleNotFoundError) else None,
                "file": module_file(name, e.__traceback__),
                "where": "%s:%d" % (frames[-1].filename, frames[-1].lineno) if frames else None}
limit = float(sys.argv[1])
for name in sys.argv[2:]:
    emit({"start": name})
    record = check(name, limit)
    record["module"] = name
    emit(record)
)PY";

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

/// What the driver reported, module by module, across interpreter runs.
struct import_reports {
    std::map<std::string, nlohmann::json> by_module;
    int interpreter_runs = 0;
    std::string fatal; ///< set when the interpreter could not run the driver at all
};

/// Reads one run's JSON lines into `reports`; returns the module that was
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
        } else if (record.contains("module")) {
            reports.by_module[record["module"].get<std::string>()] = record;
            in_progress.clear();
        }
    }
    return in_progress;
}

/// The interpreter, run as often as needed: after a run that died or hung in
/// a module, that module is recorded and the ones after it go to a fresh interpreter.
inline import_reports run_import_driver(const import_spec& spec,
                                        const std::filesystem::path& program,
                                        std::vector<std::string> pending) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + spec.timeout;
    import_reports reports;
    command_spec run;
    run.working_directory = spec.working_directory;
    run.output_limit = 4 * 1024 * 1024;
    std::string path;
    for (const auto& entry : spec.python_path)
        path += (path.empty() ? "" : ":") + entry;
    if (const char* inherited = std::getenv("PYTHONPATH"); inherited && *inherited)
        path += (path.empty() ? "" : ":") + std::string(inherited);
    if (!path.empty()) run.environment["PYTHONPATH"] = path;
    const double module_seconds = std::chrono::duration<double>(spec.module_timeout).count();
    while (!pending.empty()) {
        run.timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (run.timeout.count() <= 0) break;
        // -B: checking must not write __pycache__ into the tree it checks.
        run.argv = {program.string(), "-B", "-c", import_driver, fmt::format("{}", module_seconds)};
        run.argv.insert(run.argv.end(), pending.begin(), pending.end());
        const auto outcome = run_command(run);
        ++reports.interpreter_runs;
        const auto in_progress = read_driver_output(outcome.out.text(), reports);
        const auto reported = [&](const std::string& m) { return reports.by_module.count(m) != 0; };
        if (in_progress.empty() && !std::all_of(pending.begin(), pending.end(), reported)) {
            const auto err = last_lines(outcome.err.text(), 1);
            reports.fatal = fmt::format("interpreter '{}' did not run the import checks: {}{}",
                                        program.string(), outcome.describe(),
                                        err.empty() ? "" : "; its stderr ends: " + err.back());
            return reports;
        }
        if (!in_progress.empty())
            reports.by_module[in_progress] = {
                {"module", in_progress},
                {"ok", false},
                {"type", "interpreter"},
                {"message",
                 fmt::format("the interpreter ended while importing it: {}", outcome.describe())}};
        pending.erase(std::remove_if(pending.begin(), pending.end(), reported), pending.end());
    }
    return reports;
}

/// "(at FILE:LINE)" or "(module FILE; raised at FILE:LINE)" for a failed import.
inline std::string failure_place(const nlohmann::json& record) {
    const auto text = [&](const char* key) {
        return record.contains(key) && record[key].is_string() ? record[key].get<std::string>()
                                                               : std::string();
    };
    const auto file = text("file");
    const auto where = text("where");
    if (where.empty()) return file.empty() ? "" : fmt::format(" (module {})", file);
    if (file.empty() || where.rfind(file + ":", 0) == 0) return fmt::format(" (at {})", where);
    return fmt::format(" (module {}; raised at {})", file, where);
}

/// "path/a.py", or the directories of a namespace package.
inline std::string found_in(const nlohmann::json& file) {
    if (file.is_string()) return file.get<std::string>();
    std::string dirs;
    for (const auto& dir : file)
        dirs += (dirs.empty() ? "" : ", ") + dir.get<std::string>();
    return fmt::format("namespace package in {}", dirs.empty() ? "(no directory)" : dirs);
}

/// Judges one module against its expectation; adds evidence when it is not
/// as expected and returns its verdict.
inline verdict judge_import(const std::string& name, bool must_import, const nlohmann::json* record,
                            const import_spec& spec, bounded_evidence& evidence) {
    const auto add = [&](verdict v, std::string problem, std::string text) {
        evidence.add({fmt::format("{}: {}", name, text),
                      {{"module", name}, {"problem", std::move(problem)}, {"text", text}}});
        return v;
    };
    if (record == nullptr)
        return add(verdict::error, "not checked", "not checked: the check's deadline passed first");
    const auto& r = *record;
    const auto type = r.value("type", std::string());
    if (type == "deadline")
        return add(verdict::error, "import hung",
                   fmt::format("still importing after {} (module_timeout): it hangs at import",
                               describe_span(spec.module_timeout)));
    if (type == "interpreter")
        return add(verdict::error, "interpreter died", r["message"].get<std::string>());
    if (must_import) {
        if (r["ok"].get<bool>()) return verdict::pass;
        return add(verdict::fail, "does not import",
                   fmt::format("{}: {}{}", type, r.value("message", ""), failure_place(r)));
    }
    if (r["ok"].get<bool>())
        return add(verdict::fail, "still importable",
                   fmt::format("still importable, from {}", found_in(r["file"])));
    const auto missing = r.value("missing", nlohmann::json()).is_string()
                             ? r["missing"].get<std::string>()
                             : std::string();
    const bool gone =
        type == "ModuleNotFoundError" && (missing == name || name.rfind(missing + ".", 0) == 0);
    if (gone) return verdict::pass;
    return add(verdict::fail, "still present",
               fmt::format("still present, though its import fails with {}: {}{}", type,
                           r.value("message", ""), failure_place(r)));
}

/// Refuses what cannot be checked; returns the reason, empty when the spec is usable.
inline std::string import_spec_problem(const import_spec& spec) {
    if (spec.interpreter.empty()) return "no interpreter given (a path or a virtualenv directory)";
    if (spec.must_import.empty() && spec.must_not_import.empty()) return "no modules to check";
    std::set<std::string> seen;
    for (const auto* list : {&spec.must_import, &spec.must_not_import})
        for (const auto& name : *list) {
            if (!is_dotted_name(name))
                return fmt::format("'{}' is not a dotted Python module name", name);
            if (!seen.insert(name).second) return fmt::format("module '{}' is listed twice", name);
        }
    return {};
}

} // namespace detail

ROLLCHECK_INLINE check_result check_imports(const import_spec& spec) {
    return timed_check("py.imports", [&] {
        if (const auto problem = detail::import_spec_problem(spec); !problem.empty())
            return check_result::error("py.imports", problem);
        std::string why;
        const auto program = detail::python_program(spec.interpreter, why);
        if (!why.empty()) return check_result::error("py.imports", why);
        std::vector<std::string> all = spec.must_import;
        all.insert(all.end(), spec.must_not_import.begin(), spec.must_not_import.end());
        const auto reports = detail::run_import_driver(spec, program, all);
        if (!reports.fatal.empty()) return check_result::error("py.imports", reports.fatal);

        check_result r;
        r.evidence = bounded_evidence(spec.show);
        std::map<verdict, std::size_t> counts;
        verdict v = verdict::pass;
        for (const auto& name : all) {
            const auto found = reports.by_module.find(name);
            const bool must =
                std::count(spec.must_import.begin(), spec.must_import.end(), name) != 0;
            const auto one = detail::judge_import(
                name, must, found == reports.by_module.end() ? nullptr : &found->second, spec,
                r.evidence);
            ++counts[one];
            v = std::max(v, one);
        }
        r.status = v;
        r.totals = {{"interpreter", program.string()},
                    {"modules", all.size()},
                    {"must_import", spec.must_import.size()},
                    {"must_not_import", spec.must_not_import.size()},
                    {"as_expected", counts[verdict::pass]},
                    {"failed", counts[verdict::fail]},
                    {"errors", counts[verdict::error]},
                    {"interpreter_runs", reports.interpreter_runs}};
        if (v == verdict::pass)
            r.summary =
                fmt::format("{} {} and {} {} gone ({})", counted(spec.must_import.size(), "module"),
                            agreeing(spec.must_import.size(), "imports", "import"),
                            counted(spec.must_not_import.size(), "removed module"),
                            agreeing(spec.must_not_import.size(), "is", "are"), program.string());
        else
            r.summary = fmt::format(
                "{} of {} not as expected ({} failed, {} could not be checked) ({})",
                counts[verdict::fail] + counts[verdict::error], counted(all.size(), "module"),
                counts[verdict::fail], counts[verdict::error], program.string());
        return r;
    });
}

} // namespace rollcheck
