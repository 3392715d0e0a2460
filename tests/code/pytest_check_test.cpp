// check_command reading pytest as pytest means it, against Debian's real
// pytest and the sessions of tests/code/fixtures/pytest/: each exit status,
// the tests and files it names, and the command lines that run pytest.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/process/pytest.hpp>

#include "code_support.hpp"
#include "evidence_text.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::evidence_texts;

namespace {

/// A copy of the fixture session `name` (pytest writes beside what it reads).
class session_copy {
public:
    explicit session_copy(const std::string& name) {
        std::filesystem::copy(std::filesystem::path(CODE_FIXTURES) / "pytest" / name, dir_.path(),
                              std::filesystem::copy_options::recursive);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }

private:
    rollcheck_test::temp_dir dir_;
};

/// `python3 -m pytest -p no:cacheprovider ARGS` in the copy of `session`.
command_check_spec pytest_in(const session_copy& session, std::vector<std::string> args) {
    command_check_spec spec;
    spec.command.argv = {rollcheck_test::python, "-m", "pytest", "-p", "no:cacheprovider"};
    spec.command.argv.insert(spec.command.argv.end(), args.begin(), args.end());
    spec.command.working_directory = session.path();
    spec.command.environment["PYTHONDONTWRITEBYTECODE"] = "1";
    spec.tail_lines = 0;
    return spec;
}

const std::string pytest_command = "`/usr/bin/python3 -m pytest -p no:cacheprovider";

} // namespace

TEST_CASE("pytest status 0 with tests that ran passes, saying how many ran and were skipped") {
    const session_copy session("passing");
    const auto r = check_command(pytest_in(session, {"-q"}));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == pytest_command + " -q` exited with status 0 (pytest: tests passed); tests: "
                                        "2 ran, 0 failed, 0 errored, 1 skipped");
    CHECK(r.totals["pytest"] == nlohmann::json{{"passed", 2}, {"skipped", 1}});
}

TEST_CASE("pytest status 1 fails naming each failed and erroring test with its message") {
    const session_copy session("mixed");
    const auto r = check_command(pytest_in(session, {"test_mixed.py", "-v"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == pytest_command + " test_mixed.py -v` exited with status 1 (pytest: tests "
                                        "failed); tests: 2 ran, 1 failed, 1 errored, 1 skipped");
    CHECK(evidence_texts(r) ==
          std::vector<std::string>{
              "test_mixed.py::test_fails failed: AssertionError: two is not one",
              "test_mixed.py::test_needs_database errored: RuntimeError: database down"});
    CHECK(r.evidence.items()[0].data["test"] == "test_mixed.py::test_fails");
}

TEST_CASE("pytest status 2 with collection errors fails naming each file and its exception") {
    const session_copy session("collection");
    const auto r = check_command(pytest_in(session, {}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == pytest_command +
                           "` exited with status 2 (pytest: interrupted: 2 files did not collect); "
                           "tests: 0 ran, 0 failed, 2 errored, 0 skipped");
    CHECK(evidence_texts(r) ==
          std::vector<std::string>{
              "test_syntax.py did not collect: SyntaxError: invalid syntax (" +
                  (session.path() / "test_syntax.py").string() + ":1)",
              "test_vendor.py did not collect: ModuleNotFoundError: No module named "
              "'zz_vendor_not_installed'"});
}

TEST_CASE("pytest status 2 without a collection error is an error: nothing was judged") {
    const session_copy session("passing");
    auto spec = pytest_in(session, {"-q"});
    // A KeyboardInterrupt at collection, as a Ctrl-C would raise.
    spec.command.argv.insert(spec.command.argv.begin() + 3, {"-p", "interrupting"});
    spec.command.environment["PYTHONPATH"] = std::string(CODE_FIXTURES) + "/pytest-plugins";
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "`/usr/bin/python3 -m pytest -p interrupting -p no:cacheprovider -q` exited "
                       "with status 2 (pytest: interrupted: KeyboardInterrupt); tests: 0 ran, 0 "
                       "failed, 0 errored, 0 skipped");
}

TEST_CASE("pytest's own errors, and runs that verified nothing, are errors, never a pass") {
    struct error_case {
        const char* why;
        const char* session;
        std::vector<std::string> args;
        std::string summary; ///< after "`python3 -m pytest -p no:cacheprovider"
    };
    const error_case cases[] = {
        {"status 3: a hook that raises",
         "internal",
         {"-q"},
         " -q` exited with status 3 (pytest: internal error: ValueError: plugin broke while "
         "sorting tests); tests: 0 ran, 0 failed, 0 errored, 0 skipped"},
        {"status 4: addopts naming an option no plugin installed here defines",
         "usage",
         {"tests/"},
         " tests/` exited with status 4 (pytest: usage error: __main__.py: error: unrecognized "
         "arguments: --rollcheck-cov=core); tests: 0 ran, 0 failed, 0 errored, 0 skipped"},
        {"status 4: a path that does not exist",
         "passing",
         {"no_such_tests/"},
         " no_such_tests/` exited with status 4 (pytest: usage error: file or directory not "
         "found: no_such_tests/); tests: 0 ran, 0 failed, 0 errored, 0 skipped"},
        {"status 5: every test deselected",
         "passing",
         {"-k", "nothing_matches"},
         " -k nothing_matches` exited with status 5 (pytest: no tests ran); tests: 0 ran, 0 "
         "failed, 0 errored, 0 skipped, 3 deselected"},
        {"status 0: every test skipped",
         "skipped",
         {"-q"},
         " -q` exited with status 0 (pytest: no test ran, every one skipped or deselected: "
         "nothing was verified); tests: 0 ran, 0 failed, 0 errored, 2 skipped"},
    };
    for (const auto& c : cases) {
        INFO(c.why);
        const session_copy session(c.session);
        const auto r = check_command(pytest_in(session, c.args));
        CHECK(r.status == verdict::error);
        CHECK(r.summary == pytest_command + c.summary);
    }
}

TEST_CASE("a pytest that hangs in collection ends at the deadline, an error, leaving nothing") {
    rollcheck_test::process_mark mark;
    const session_copy session("hang");
    auto spec = pytest_in(session, {"-q"});
    spec.command.timeout = 1500ms;
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::Matches("`/usr/bin/python3 -m pytest -p no:cacheprovider -q` timed out after "
                              "1\\.[0-9] s; its process tree was killed; tests: unknown, pytest "
                              "printed no summary line"));
    CHECK(r.elapsed < 4s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("pytest is read as pytest through pytest, py.test, env and a shell's command line") {
    const session_copy session("mixed");
    command_check_spec spec;
    spec.command.working_directory = session.path().parent_path();
    spec.command.environment["PYTHONDONTWRITEBYTECODE"] = "1";
    spec.tail_lines = 0;
    const auto dir = session.path().filename().string();
    spec.command = command_spec::shell("cd " + dir + " && /usr/bin/pytest -q -p no:cacheprovider");
    spec.command.working_directory = session.path().parent_path();
    auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "`/bin/sh -c 'cd " + dir +
                           " && /usr/bin/pytest -q -p no:cacheprovider'` exited with status 1 "
                           "(pytest: tests failed); tests: 2 ran, 1 failed, 1 errored, 1 skipped");
    CHECK(r.evidence.items().size() == 2);

    // Not read as pytest, its ERROR lines are error lines and status 1 is a wrong status.
    spec.pytest = pytest_reading::no;
    r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "`/bin/sh -c 'cd " + dir +
                           " && /usr/bin/pytest -q -p no:cacheprovider'` exited with status 1 "
                           "(expected status 0); 3 lines match an error pattern");
}

TEST_CASE("which command lines run pytest") {
    using detail::runs_pytest;
    using argv = std::vector<std::string>;
    CHECK(runs_pytest(argv{"pytest", "tests/"}));
    CHECK(runs_pytest(argv{"/srv/app/.venv/bin/pytest", "-q"}));
    CHECK(runs_pytest(argv{"py.test"}));
    CHECK(runs_pytest(argv{"python", "-m", "pytest"}));
    CHECK(runs_pytest(argv{"/usr/bin/python3.11", "-B", "-X", "dev", "-mpytest", "-x"}));
    CHECK(runs_pytest(argv{"/usr/bin/env", "PYTHONPATH=.", "python3", "-m", "pytest"}));
    CHECK(runs_pytest(argv{"/bin/sh", "-c", "cd x && pytest -q"}));
    CHECK(runs_pytest(argv{"bash", "-ec", "export A=1; PYTHONPATH=. python3 -m pytest tests/"}));
    CHECK(runs_pytest(argv{"sh", "-c", "if true; then exec \"pytest\" -q; fi"}));

    CHECK_FALSE(runs_pytest(argv{"python3", "scripts/run_tests.py", "-m", "pytest"}));
    CHECK_FALSE(runs_pytest(argv{"python3", "-c", "import pytest"}));
    CHECK_FALSE(runs_pytest(argv{"python3", "-m", "pytest_cov"}));
    CHECK_FALSE(runs_pytest(argv{"sh", "-c", "echo pytest"}));
    CHECK_FALSE(runs_pytest(argv{"less", "pytest"}));
    CHECK_FALSE(runs_pytest(argv{}));
}
