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
        dir.write("app/needs_dep.py", "import no_such_dependency_xyz\n");
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
    CHECK(r.totals["interpreter_runs"] == 1);
    CHECK(r.evidence.total() == 0);
}

TEST_CASE("each failing import is reported with its type, message and file, and masks no other") {
    package_tree tree;
    auto spec = tree.spec();
    spec.must_import = {"app.broken", "app.good", "app.needs_dep", "app.indirect", "app.nope"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "4 of 5 modules not as expected (4 failed, 0 could not be checked) "
                       "(/usr/bin/python3)");
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 4);
    CHECK(items[0].text ==
          "app.broken: ValueError: broken on purpose (at " + tree.path("app/broken.py") + ":3)");
    CHECK(items[1].text == "app.needs_dep: ModuleNotFoundError: No module named "
                           "'no_such_dependency_xyz' (at " +
                               tree.path("app/needs_dep.py") + ":1)");
    CHECK(items[2].text == "app.indirect: ValueError: broken on purpose (module " +
                               tree.path("app/indirect.py") + "; raised at " +
                               tree.path("app/broken.py") + ":3)");
    CHECK(items[3].text == "app.nope: ModuleNotFoundError: No module named 'app.nope'");
    CHECK(items[0].data["problem"] == "does not import");
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
                           "ModuleNotFoundError: No module named 'no_such_dependency_xyz' (at " +
                               tree.path("legacy/broken_leftover.py") + ":1)");
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
    CHECK(r.summary == "3 of 7 modules not as expected (0 failed, 3 could not be checked) "
                       "(/usr/bin/python3)");
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 3);
    CHECK(items[0].text ==
          "app.hangs: still importing after 1 s (module_timeout): it hangs at import");
    CHECK(items[1].text ==
          "app.exits: the interpreter ended while importing it: exited with status 3");
    CHECK(items[2].text == "app.segfaults: the interpreter ended while importing it: killed by "
                           "signal 11 (Segmentation fault)");
    CHECK(r.totals["as_expected"] == 4);
    CHECK(r.totals["interpreter_runs"] == 3);
    CHECK(r.elapsed < 10s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a module that blocks the import deadline meets the check's deadline") {
    rollcheck_test::process_mark mark;
    package_tree tree;
    auto spec = tree.spec();
    spec.module_timeout = 500ms;
    spec.timeout = 1500ms;
    spec.must_import = {"app.good", "app.stubborn", "json"};
    const auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::error);
    const auto& items = r.evidence.items();
    REQUIRE(items.size() == 2);
    CHECK_THAT(items[0].text, Catch::StartsWith("app.stubborn: the interpreter ended while "
                                                "importing it: timed out after "));
    CHECK(items[1].text == "json: not checked: the check's deadline passed first");
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
