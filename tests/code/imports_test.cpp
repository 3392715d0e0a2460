// Python import checks against a real package tree and a real interpreter:
// failures isolated per module, removed modules, hangs and crashes at import.
#include <chrono>
#include <string>

#include <rollcheck/catch.hpp>
#include <rollcheck/imports.hpp>

#include "code_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::python;

namespace {

/// A source tree shaped like the pipeline's: what imports, what is broken, what was removed.
struct package_tree {
    rollcheck_test::temp_dir dir;
    package_tree() {
        dir.write("app/__init__.py", "");
        dir.write("app/good.py", "print('chatter on stdout')\nVALUE = 1\n");
        dir.write("app/broken.py", "import os\n\nraise ValueError('broken on purpose')\n");
        dir.write("app/needs_dep.py", "import app.sibling_gone\n");
        dir.write("app/indirect.py", "from app import broken\n");
        dir.write("app/hangs.py", "while True:\n    pass\n");
        dir.write("app/exits.py", "import os\nos._exit(3)\n");
        dir.write("app/segfaults.py", "import ctypes\nctypes.string_at(0)\n");
        dir.write("app/stubborn.py", "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, "
                                     "[signal.SIGALRM])\nwhile True:\n    pass\n");
        dir.write("legacy/still_here.py", "");
        dir.write("legacy/broken_leftover.py", "import no_such_dependency_xyz\n");
    }
    [[nodiscard]] import_spec spec() const {
        import_spec s;
        s.interpreter = python;
        s.working_directory = dir.path();
        return s;
    }
    [[nodiscard]] std::string path(const std::string& name) const { return (dir / name).string(); }
};

} // namespace

TEST_CASE("modules that import and removed modules that are gone pass") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_import = {"app", "app.good", "json"};
    spec.must_not_import = {"core.pipeline", "app.removed"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "3 modules import and 2 removed modules are gone (/usr/bin/python3)");
    CHECK(r.evidence.total() == 0);
}

TEST_CASE("each failing import is reported with its type, message and file, and masks no other") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_import = {"app.broken", "app.good", "app.needs_dep", "app.indirect", "app.nope"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "4 of 5 modules not as expected: 4 failed (2 broken, 2 gone from the "
                       "project); 0 could not be verified (/usr/bin/python3)");
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 4);
    CHECK(items[0].text == "app.broken: ValueError: broken on purpose (at app/broken.py:3)");
    CHECK(items[1].text == "app.needs_dep: app.needs_dep (app/needs_dep.py:1) → "
                           "app.sibling_gone: gone from the project");
    CHECK(items[2].text == "app.indirect: ValueError: broken on purpose (module "
                           "app/indirect.py; raised at app/broken.py:3)");
    CHECK(items[3].text == "app.nope: gone from the project");
    CHECK(items[0].data["problem"] == "broken");
    CHECK(r.totals["as_expected"] == 1);
}

TEST_CASE("a removed module that still imports names the file it was found in") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_not_import = {"legacy.still_here", "legacy", "legacy.broken_leftover", "legacy.gone"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 3);
    CHECK(items[0].text ==
          "legacy.still_here: still importable, from " + tree.path("legacy/still_here.py"));
    CHECK(items[1].text ==
          "legacy: still importable, from namespace package in " + tree.path("legacy"));
    CHECK(items[2].text == "legacy.broken_leftover: still present, though its import fails with "
                           "ModuleNotFoundError: No module named 'no_such_dependency_xyz' (at "
                           "legacy/broken_leftover.py:1)");
}

TEST_CASE("a module that hangs, exits or segfaults at import masks no other module") {
    rollcheck_test::process_mark mark;
    package_tree tree;
    auto spec = tree.spec();
    spec.module_timeout = 1s;
    spec.timeout = 20s;
    spec.must_import = {"app.hangs", "app.good", "app.exits", "json", "app.segfaults", "app"};
    spec.must_not_import = {"app.removed"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "3 of 7 modules not as expected: 0 failed; 3 could not be verified (2 "
                       "ends its process, 1 hangs at import) (/usr/bin/python3)");
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 3);
    CHECK(items[0].text ==
          "app.hangs: still importing after 1 s (module_timeout): it hangs at import");
    CHECK(items[1].text ==
          "app.exits: the interpreter ended while importing it: exited with status 3");
    CHECK(items[2].text == "app.segfaults: the interpreter ended while importing it: killed by "
                           "signal 11 (Segmentation fault)");
    CHECK(r.totals["as_expected"] == 4);
    CHECK(r.elapsed < 10s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a module that blocks the import deadline meets the check's deadline") {
    rollcheck_test::process_mark mark;
    package_tree tree;
    auto spec = tree.spec();
    spec.module_timeout = 1s;
    spec.timeout = 1500ms;
    spec.must_import = {"app.good", "app.stubborn", "app.hangs", "json"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::error);
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 3);
    CHECK(items[0].text ==
          "app.stubborn: still importing after 1 s (module_timeout): it hangs at import");
    CHECK(items[1].text == "app.hangs: not checked: the check's deadline passed first");
    CHECK(items[2].text == "json: not checked: the check's deadline passed first");
    CHECK(r.elapsed < spec.timeout + 1s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("PYTHONPATH entries and a virtualenv directory are honoured") {
    package_tree tree;
    rollcheck_test::temp_dir venv;
    std::filesystem::create_directories(venv / "bin");
    std::filesystem::create_symlink(python, venv / "bin/python");
    tree.dir.write("extra/lib_only_here.py", "");
    auto spec = tree.spec();
    spec.interpreter = venv.path();
    spec.working_directory = venv.path();
    spec.python_path = {tree.path("extra"), tree.dir.path().string()};
    spec.must_import = {"lib_only_here", "app.good"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.totals["interpreter"] == (venv / "bin/python").string());
}

TEST_CASE("a bad interpreter or bad module names give a clear error") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_import = {"json"};

    spec.interpreter = tree.path("no/such/python");
    auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "interpreter '" + tree.path("no/such/python") +
                           "' did not run the import checks: could not start: '" +
                           tree.path("no/such/python") + "' does not exist");

    spec.interpreter = tree.path("app");
    r = check_imports(spec);
    CHECK(r.summary == "'" + tree.path("app") +
                           "' is a directory but not a virtualenv: it has "
                           "no bin/python");

    spec.interpreter = "/bin/false";
    r = check_imports(spec);
    CHECK(r.summary ==
          "interpreter '/bin/false' did not run the import checks: exited with status 1");

    spec.interpreter = python;
    spec.must_import = {"app.good", "bad-name"};
    r = check_imports(spec);
    CHECK(r.summary == "'bad-name' is not a dotted Python module name");

    spec.must_import = {"app.good"};
    spec.must_not_import = {"app.good"};
    r = check_imports(spec);
    CHECK(r.summary == "module 'app.good' is listed twice");

    spec = tree.spec();
    r = check_imports(spec);
    CHECK(r.summary == "no modules to check");
    spec.interpreter.clear();
    spec.must_import = {"json"};
    r = check_imports(spec);
    CHECK(r.summary == "no interpreter given (a path or a virtualenv directory)");
}

TEST_CASE("checking imports writes no __pycache__ into the checked tree") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_import = {"app.good"};
    REQUIRE_VERDICT(check_imports(spec), verdict::pass);
    CHECK_FALSE(std::filesystem::exists(tree.dir / "app/__pycache__"));
}

namespace {

/// The fixture checkout, checked from its root.
struct checkout : rollcheck_test::checkout {
    [[nodiscard]] import_spec spec() const {
        import_spec s;
        s.interpreter = python;
        s.working_directory = dir.path();
        return s;
    }
};

} // namespace

TEST_CASE("one module's sys.path changes do not change another's verdict") {
    checkout tree;
    auto spec = tree.spec();
    spec.must_import = {"legacy.b"};
    const auto alone = check_imports(spec);
    spec.must_import = {"legacy.a", "legacy.b"};
    const auto after_a = check_imports(spec);
    REQUIRE_VERDICT(alone, verdict::error);
    REQUIRE_VERDICT(after_a, verdict::error);
    const auto expected = "legacy.b: package 'dlt' is not installed for /usr/bin/python3: cannot "
                          "verify (wanted by legacy.b (legacy/b.py:1) → dlt)";
    CHECK(alone.evidence.items().at(0).text == expected);
    REQUIRE(after_a.evidence.items().size() == 1);
    CHECK(after_a.evidence.items().at(0).text == expected);
    CHECK(after_a.summary == "1 of 2 modules not as expected: 0 failed; 1 could not be verified "
                             "(1 not installed) (/usr/bin/python3)");
}

TEST_CASE("a package the interpreter lacks is an error, a project module gone a failure") {
    checkout tree;
    tree.roll_back();
    auto spec = tree.spec();
    spec.must_import = {"app.needs_vendor", "core.lead_extractor", "app.syntax_error"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "3 of 3 modules not as expected: 2 failed (1 broken, 1 gone from the "
                       "project); 1 could not be verified (1 not installed) (/usr/bin/python3)");
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 3);
    CHECK(items[0].text == "app.needs_vendor: package 'zz_vendor' is not installed for "
                           "/usr/bin/python3: cannot verify (wanted by app.needs_vendor "
                           "(app/needs_vendor.py:1) → zz_vendor)");
    CHECK(items[0].data["problem"] == "not installed");
    CHECK(items[1].text == "core.lead_extractor: core.lead_extractor (core/lead_extractor.py:2) → "
                           "core.enrichment: gone from the project");
    CHECK(items[2].text == "app.syntax_error: SyntaxError: invalid syntax (at "
                           "app/syntax_error.py:1)");
    CHECK(r.totals["problems"]["not installed"] == 1);
    CHECK(r.totals["problems"]["gone from the project"] == 1);
}

TEST_CASE("a module listed as removed that an old module still imports names the rollback") {
    checkout tree;
    tree.roll_back();
    auto spec = tree.spec();
    spec.must_import = {"core.lead_extractor"};
    spec.must_not_import = {"core.enrichment"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    REQUIRE(r.evidence.items().size() == 1);
    CHECK(r.evidence.items()[0].text ==
          "core.lead_extractor: core.lead_extractor (core/lead_extractor.py:2) → "
          "core.enrichment: removed by the rollback, still imported");
}

TEST_CASE("entry points resolve as `python SCRIPT` would, and no job runs") {
    checkout tree;
    auto spec = tree.spec();
    spec.entry_points = {"scripts/core/batch_opportunity_scoring.py", "scripts/weekly_report.py"};
    const auto before = check_imports(spec);
    REQUIRE_VERDICT(before, verdict::pass);
    CHECK(before.summary ==
          "0 modules import, 2 entry points resolve and 0 removed modules are gone "
          "(/usr/bin/python3)");
    const nlohmann::json checked = {
        {{"script", "scripts/core/batch_opportunity_scoring.py"},
         {"checked", "imports resolved without running it (no __main__ guard)"}},
        {{"script", "scripts/weekly_report.py"},
         {"checked", "imported under another name (its main is guarded)"}}};
    CHECK(before.totals["entry_points_checked"] == checked);

    tree.roll_back();
    const auto after = check_imports(spec);
    REQUIRE_VERDICT(after, verdict::fail);
    const auto& items = after.evidence.items();
    REQUIRE(items.size() == 2);
    CHECK(items[0].text ==
          "scripts/core/batch_opportunity_scoring.py: scripts/core/batch_opportunity_scoring.py:9 "
          "→ core.lead_extractor (core/lead_extractor.py:2) → core.enrichment: gone from the "
          "project (resolved without running it: no __main__ guard)");
    CHECK(items[1].text == "scripts/weekly_report.py: scripts/weekly_report.py:7 → "
                           "core.lead_extractor (core/lead_extractor.py:2) → core.enrichment: "
                           "gone from the project");
    CHECK_FALSE(std::filesystem::exists(tree.dir / "scripts/core/job-ran.txt"));
    CHECK_FALSE(std::filesystem::exists(tree.dir / "scripts/report-ran.txt"));
    CHECK_FALSE(std::filesystem::exists(tree.dir / "core/__pycache__"));

    spec.entry_points = {"scripts/gone.py"};
    const auto missing = check_imports(spec);
    REQUIRE_VERDICT(missing, verdict::fail);
    CHECK(missing.evidence.items().at(0).text ==
          "scripts/gone.py: " + (tree.dir / "scripts/gone.py").string() + " does not exist");
}

TEST_CASE("modules that fork, flood stdout or change the process's state at import are contained") {
    rollcheck_test::process_mark mark;
    checkout tree;
    auto spec = tree.spec();
    spec.module_timeout = 5s;
    // app.patches_json breaks the json module it imported; app.uses_json,
    // imported after it, still gets a working one.
    spec.must_import = {"app.forks",        "app.chatty",    "app.wanders",        "json",
                        "app.patches_json", "app.uses_json", "core.lead_extractor"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "7 modules import and 0 removed modules are gone (/usr/bin/python3)");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("an entry point that does not parse fails, and says it was not checked either way") {
    checkout tree;
    auto spec = tree.spec();
    spec.entry_points = {"scripts/broken_job.py"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.evidence.items().at(0).text ==
          "scripts/broken_job.py: SyntaxError: invalid syntax (at scripts/broken_job.py:1)");
    CHECK(r.totals["entry_points_checked"][0]["checked"] ==
          "not checked: it could not be read or parsed");
}
