// Removed and restored files against real trees: globs and symbolic link
// loops, a real git repository with commits, an archive directory.
#include <chrono>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/files.hpp>

#include "code_support.hpp"
#include "evidence_text.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::evidence_text;
namespace fs = std::filesystem;

namespace {

/// Runs git in `dir` with a throwaway identity; the test stops when it fails.
void git(const fs::path& dir, std::vector<std::string> args) {
    command_spec spec;
    spec.argv = {"git",
                 "-c",
                 "user.name=Rollcheck Test",
                 "-c",
                 "user.email=test@example.invalid",
                 "-c",
                 "init.defaultBranch=main"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.working_directory = dir;
    const auto run = run_command(spec);
    INFO(run.command << ": " << run.err.text());
    REQUIRE(run.succeeded());
}

/// A repository whose scripts/core holds the monoliths, committed twice.
struct repository {
    rollcheck_test::temp_dir dir;
    repository() {
        git(dir.path(), {"init", "-q"});
        dir.write("scripts/core/batch_scoring.py", "import os\n\nLIMIT = 5\n");
        dir.write("scripts/core/trust.py", "def trust():\n    return 1\n");
        dir.write("scripts/core/model.bin", std::string("\x00\x01\x02", 3));
        dir.write("README", "readme\n");
        fs::create_symlink("batch_scoring.py", dir / "scripts/core/current.py");
        git(dir.path(), {"add", "-A"});
        git(dir.path(), {"commit", "-q", "-m", "monoliths"});
        dir.write("scripts/core/batch_scoring.py", "import os\n\nLIMIT = 10\n");
        git(dir.path(), {"commit", "-q", "-am", "raise the limit"});
    }
    [[nodiscard]] restored_spec spec() const {
        restored_spec s;
        s.root = dir.path();
        s.paths = {"scripts/core/"};
        return s;
    }
};

} // namespace

TEST_CASE("removed paths and globs that match nothing pass") {
    rollcheck_test::temp_dir dir;
    dir.write("core/legacy.py", "");
    absent_spec spec;
    spec.root = dir.path();
    spec.paths = {"core/pipeline/", "core/fetchers", "tests/test_*_new.py", "**/*.orig"};
    const auto r = check_absent(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "all 4 paths absent under " + dir.path().string());
}

TEST_CASE("what is still there is listed, files, directories and glob matches alike") {
    rollcheck_test::temp_dir dir;
    dir.write("core/pipeline/__init__.py", "");
    dir.write("core/pipeline/orchestrator.py", "x = 1\n");
    dir.write("tests/test_scoring_new.py", "12345");
    dir.write("tests/test_scoring.py", "");
    dir.write("api/deep/er/x.orig", "");
    absent_spec spec;
    spec.root = dir.path();
    spec.paths = {"core/pipeline/", "tests/test_*_new.py", "**/*.orig", "sdk/"};
    const auto r = check_absent(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          "3 of 4 paths still present under " + dir.path().string() + ": 3 entries left");
    CHECK(evidence_text(r) == "core/pipeline: still there (directory holding 2 entries)\n"
                              "tests/test_scoring_new.py: still there (file of 5 bytes)\n"
                              "api/deep/er/x.orig: still there (file of 0 bytes)\n");
}

TEST_CASE("symbolic link loops in globs end with a clear result") {
    rollcheck_test::temp_dir dir;
    fs::create_directories(dir / "a/b");
    fs::create_directory_symlink("..", dir / "a/b/up");
    fs::create_symlink("self", dir / "self");
    absent_spec spec;
    spec.root = dir.path();
    spec.paths = {"a/**/gone.py", "a/*/*/*/*/*/gone.py", "self/*"};
    auto r = check_absent(spec);
    REQUIRE_VERDICT(r, verdict::pass);

    spec.paths = {"self", "a/b/up/b/up/b"};
    r = check_absent(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_text(r) ==
          "self: still there (symbolic link to self (Too many levels of symbolic links))\n"
          "a/b/up/b/up/b: still there (directory holding 1 entry)\n");
}

TEST_CASE("bad input to the absence check is an error") {
    rollcheck_test::temp_dir dir;
    absent_spec spec;
    spec.root = dir.path();
    auto r = check_absent(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "no paths given");
    spec.paths = {"./"};
    r = check_absent(spec);
    CHECK(r.summary == "path './' names no file");
    spec.root = dir / "missing";
    spec.paths = {"x"};
    r = check_absent(spec);
    CHECK(r.summary == "root '" + (dir / "missing").string() + "' is not a directory");
}

TEST_CASE("files identical to the revision pass, and edited, deleted and replaced files fail") {
    repository repo;
    auto r = check_restored(repo.spec());
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::Matches("4 files identical to HEAD \\([0-9a-f]{12}\\)"));

    repo.dir.write("scripts/core/batch_scoring.py", "import os\n\nLIMIT = 10000\nEXTRA = 1\n");
    fs::remove(repo.dir / "scripts/core/trust.py");
    repo.dir.write("scripts/core/model.bin", std::string("\x00\x01\x03", 3));
    fs::remove(repo.dir / "scripts/core/current.py");
    fs::create_symlink("trust.py", repo.dir / "scripts/core/current.py");
    r = check_restored(repo.spec());
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::Matches("4 of 4 files differ from HEAD \\([0-9a-f]{12}\\)"));
    CHECK(evidence_text(r) ==
          "scripts/core/batch_scoring.py: line 3: 'LIMIT = 10000' here, 'LIMIT = 10' "
          "in the reference\n"
          "scripts/core/current.py: links to trust.py, not to what the revision has\n"
          "scripts/core/model.bin: binary content differs (3 bytes here, 3 in the "
          "reference)\n"
          "scripts/core/trust.py: missing\n");

    git(repo.dir.path(), {"checkout", "HEAD", "--", "scripts/core/"});
    REQUIRE_VERDICT(check_restored(repo.spec()), verdict::pass);
}

TEST_CASE("another revision, a glob, and a file replaced by a FIFO") {
    repository repo;
    auto spec = repo.spec();
    spec.revision = "HEAD~1";
    spec.paths = {"scripts/core/*.py"};
    auto r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_text(r) ==
          "scripts/core/batch_scoring.py: line 3: 'LIMIT = 10' here, 'LIMIT = 5' in "
          "the reference\n");
    CHECK(r.totals["compared"] == 3);

    fs::remove(repo.dir / "scripts/core/trust.py");
    REQUIRE(::mkfifo((repo.dir / "scripts/core/trust.py").c_str(), 0600) == 0);
    spec.revision = "HEAD";
    r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_text(r) == "scripts/core/trust.py: is a FIFO, not a file\n");
}

TEST_CASE("a file git cannot read is an error naming it, the others are still compared") {
    repository repo;
    repo.dir.write("scripts/core/.gitattributes", "guarded.txt filter=guard\n");
    repo.dir.write("scripts/core/guarded.txt", "secret\n");
    git(repo.dir.path(), {"add", "-A"});
    git(repo.dir.path(), {"commit", "-q", "-m", "guarded"});
    // A required clean filter that fails: git hash-object cannot read the file.
    git(repo.dir.path(), {"config", "filter.guard.clean", "false"});
    git(repo.dir.path(), {"config", "filter.guard.required", "true"});
    repo.dir.write("scripts/core/trust.py", "changed\n");
    const auto r = check_restored(repo.spec());
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("scripts/core/guarded.txt: `git hash-object -- "
                                            "scripts/core/guarded.txt` in " +
                                            repo.dir.path().string() + " exited with status 128"));
    CHECK_THAT(evidence_text(r),
               Catch::Contains("scripts/core/trust.py: line 1: 'changed' here, 'def "
                               "trust():' in the reference"));
    CHECK(r.totals["compared"] == 6);
}

TEST_CASE("not a repository, a missing revision or a path the revision lacks is an error") {
    rollcheck_test::process_mark mark;
    repository repo;
    auto spec = repo.spec();
    spec.revision = "no-such-branch";
    auto r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "revision 'no-such-branch' does not exist in the repository at " +
                           repo.dir.path().string());

    spec.revision = "HEAD";
    spec.paths = {"scripts/core/batch_scoring.py", "scripts/dlt/"};
    r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "'scripts/dlt/' names no file at revision HEAD");

    rollcheck_test::temp_dir plain;
    spec.root = plain.path();
    r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(plain.path().string() +
                                            " is not inside a git work tree (`git rev-parse "
                                            "--is-inside-work-tree` in " +
                                            plain.path().string() +
                                            " exited with status 128: "
                                            "fatal: not a git repository"));
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("files restored from an archive directory are compared with their copies") {
    rollcheck_test::temp_dir dir;
    dir.write("scripts/archive/monoliths_20240101/batch_scoring.py", "LIMIT = 5\n");
    dir.write("scripts/archive/monoliths_20240101/trust.py", "def trust():\n    return 1\n");
    dir.write("scripts/archive/monoliths_20240101/notes.txt", "not restored\n");
    dir.write("scripts/core/batch_scoring.py", "LIMIT = 5\n");
    dir.write("scripts/core/trust.py", "def trust():\n    return 2\n");
    restored_spec spec;
    spec.root = dir / "scripts/core";
    spec.archive = dir / "scripts/archive/monoliths_20240101";
    spec.paths = {"*.py"};
    auto r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 of 2 files differs from archive " + spec.archive.string());
    CHECK(evidence_text(r) ==
          (spec.root / "trust.py").string() +
              ": line 2: '    return 2' here, '    return 1' in the reference\n");

    dir.write("scripts/core/trust.py", "def trust():\n    return 1\n");
    r = check_restored(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "2 files identical to archive " + spec.archive.string());

    SECTION("an archived file that cannot be read is an error") {
        dir.write("scripts/core/dangling.py", "x\n");
        fs::create_symlink("nowhere.py", spec.archive / "dangling.py");
        r = check_restored(spec);
        REQUIRE_VERDICT(r, verdict::error);
        CHECK(r.summary ==
              (spec.archive / "dangling.py").string() + ": unreadable: No such file or directory");
    }
    SECTION("an archive that is not there is an error") {
        spec.archive = dir / "scripts/archive/monoliths_20991231";
        r = check_restored(spec);
        REQUIRE_VERDICT(r, verdict::error);
        CHECK(r.summary == "archive '" + spec.archive.string() + "' is not a directory");
    }
}
