// The plan file (plan.hpp): the shipped plan as the runbook has it, the exact
// text and place of every fault of a bad plan, and each way bind_check puts
// a target's values in a check's options and title. ctest runs this with TZ=UTC.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <rollcheck/plan.hpp>

#include "test_support.hpp"

using namespace rollcheck;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = ROLLCHECK_PLAN_FIXTURES;
const fs::path shipped = fs::path(ROLLCHECK_SOURCE_DIR) / "plans/reddit_harbor.toml";

/// The plan file `path`; fails the test on a fault.
plan load_ok(const fs::path& path) {
    const auto reading = load_plan(path);
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    return *reading.value;
}

/// The faults of the fixture `name`, each where named from the fixture's own
/// name: "phases.toml:9:1: ...".
std::vector<std::string> faults(const std::string& name) {
    const auto reading = load_plan(fixtures / name);
    CHECK_FALSE(reading.value.has_value());
    const auto dir = fixtures.string() + "/";
    std::vector<std::string> texts;
    for (const auto& e : reading.errors) {
        auto text = e.text();
        if (text.rfind(dir, 0) == 0) text.erase(0, dir.size());
        texts.push_back(text);
    }
    return texts;
}

/// The one fault of loading `path`.
std::string one_fault(const fs::path& path) {
    const auto reading = load_plan(path);
    CHECK_FALSE(reading.value.has_value());
    REQUIRE(reading.errors.size() == 1);
    return reading.errors[0].text();
}

/// The check `id` of `p`.
const plan_check& check_of(const plan& p, const std::string& id) {
    const auto found = std::find_if(p.checks.begin(), p.checks.end(),
                                    [&](const plan_check& c) { return c.id == id; });
    REQUIRE(found != p.checks.end());
    return *found;
}

/// `text` as the target /srv/app/target.toml read for `p`; fails the test on a fault.
target target_for(const plan& p, const std::string& text) {
    const auto reading = parse_target(text, "/srv/app/target.toml", p.facts());
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    return *reading.value;
}

/// `text` (ISO 8601 with a zone) as a time point.
time_point at(const std::string& text) {
    std::string why;
    const auto t = parse_time(text, why);
    INFO(why);
    REQUIRE(t.has_value());
    return *t;
}

/// A run that started at 10:00 UTC, the rollback's start not known.
run_values at_ten() {
    run_values run;
    run.started = at("2026-11-28T10:00:00Z");
    return run;
}

using words = std::vector<std::string>;

/// The peak resident memory of this process, in KiB.
long peak_kib() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

} // namespace

TEST_CASE("the shipped plan is the runbook's: seven phases in order, each checked") {
    const auto p = load_ok(shipped);
    CHECK(p.name == "reddit_harbor");
    CHECK(p.program == "verify-rollback");
    CHECK(p.file == shipped.lexically_normal());
    words ids, programs;
    std::vector<std::chrono::milliseconds> recovery;
    for (const auto& phase : p.phases) {
        INFO(phase.id);
        ids.push_back(phase.id);
        programs.push_back(phase.program);
        REQUIRE(phase.recovery.has_value());
        recovery.push_back(*phase.recovery);
        CHECK_FALSE(phase.steps.empty());
        CHECK(std::any_of(p.checks.begin(), p.checks.end(),
                          [&](const plan_check& c) { return c.phase == phase.id; }));
    }
    CHECK(ids == words{"1-3", "4-5", "6", "7", "8", "9-10", "11"});
    CHECK(programs == words{"verify-phase1-3", "verify-phase4-5", "verify-phase6", "verify-phase7",
                            "verify-phase8", "verify-phase9-10", "verify-phase11"});
    using std::chrono::minutes;
    CHECK(recovery == std::vector<std::chrono::milliseconds>{minutes(5), minutes(15), minutes(20),
                                                             minutes(60), minutes(10), minutes(5),
                                                             minutes(5)});
    CHECK(p.phase("7")->title == "Storage layer");
    CHECK(p.phase_of_program("verify-phase9-10")->id == "9-10");
    CHECK(p.phase("12") == nullptr);

    std::set<std::string> check_ids, step_ids;
    for (const auto& phase : p.phases)
        for (const auto& step : phase.steps)
            CHECK(step_ids.insert(step.id).second);
    for (const auto& c : p.checks) {
        INFO(c.id);
        CHECK(check_ids.insert(c.id).second);
        CHECK(p.phase(c.phase) != nullptr);
        CHECK_FALSE(c.kind.empty());
        for (const auto& step : c.steps)
            CHECK(step_ids.count(step) == 1);
    }
    CHECK(check_ids.size() == p.checks.size());

    REQUIRE(p.matrix.size() == 4);
    CHECK(p.matrix[0].severity == "P0");
    CHECK(p.matrix[0].action == "Immediate rollback");
    CHECK(p.matrix[3].severity == "P3");
    CHECK(p.before_checklist.size() == 4);
    CHECK(p.after_checklist.size() == 7);

    const auto facts = p.facts();
    CHECK(facts.defaults_file == p.file);
    CHECK(facts.phases == ids);
    CHECK(facts.recovery_targets.at("7") == minutes(60));
}

TEST_CASE("every check of the shipped plan binds to a target that gives its system's values") {
    const auto p = load_ok(shipped);
    const auto t = target_for(p, R"(
[database]
dsn = "host=db1 dbname=reddit_harbor user=rollcheck"
backup = "backup_20261128.dump"
baseline = "baseline.json"
[cron]
user = "app"
snapshot = "crontab.snapshot"
[pipeline]
archive = "/srv/app/scripts/archive/monoliths_20261128"
api_compose_project = "reddit_harbor_api"
compose_project = "reddit_harbor"
)");
    for (const auto& c : p.checks) {
        INFO(c.id);
        const auto b = bind_check(c, t, at_ten());
        CHECK(b.check == &c);
        CHECK(b.unresolved.empty());
        CHECK_FALSE(b.name.empty());
        CHECK(b.name.find("${") == std::string::npos);
        // Only the restore check waits for the target to ask for it.
        CHECK(b.skipped.empty() == (c.id != "phase7.backup-restores"));
        for (const auto& argument : b.arguments)
            CHECK(argument.find("${") == std::string::npos);
    }
}

TEST_CASE("a plan that is not TOML is refused at toml++'s place") {
    CHECK(faults("syntax-error.toml") ==
          words{"syntax-error.toml:2:6: Error while parsing table header: expected ']', saw "
                "'\\n'"});
}

TEST_CASE("each unknown key is named with its table, at its place") {
    CHECK(faults("unknown-keys.toml") ==
          words{"unknown-keys.toml:2:1: unknown key 'version': a plan holds [plan], [defaults], "
                "[[phase]], [[check]], [matrix] and [checklists]",
                "unknown-keys.toml:6:1: unknown key 'titel' in [plan]",
                "unknown-keys.toml:11:1: unknown key 'recover' in [[phase]]",
                "unknown-keys.toml:12:1: [[phase.step]]: missing key 'run'",
                "unknown-keys.toml:14:1: unknown key 'command' in [[phase.step]]",
                "unknown-keys.toml:24:39: unknown key 'owner' in [matrix] P0",
                "unknown-keys.toml:25:1: [matrix] 'P4': not a severity (P0 to P3)",
                "unknown-keys.toml:28:1: unknown key 'during' in [checklists]",
                "unknown-keys.toml:32:1: unknown key 'proof_by' in [[checklists.after]]"});
}

TEST_CASE("a check's missing and malformed fields are each a fault") {
    CHECK(faults("check-fields.toml") ==
          words{"check-fields.toml:9:12: [[phase]] recovery: 'soon' is not a duration (5m, "
                "1h30m)",
                "check-fields.toml:14:1: [[check]]: missing key 'id'",
                "check-fields.toml:14:1: [[check]]: missing key 'phase'",
                "check-fields.toml:14:1: [[check]]: missing key 'severity'",
                "check-fields.toml:14:1: [[check]]: missing key 'kind'",
                "check-fields.toml:21:12: [[check]] 'db.no-duplicates' severity: 'P5' is not P0, "
                "P1, P2 or P3",
                "check-fields.toml:22:8: [[check]] 'db.no-duplicates' kind: 'DB.Duplicates' is "
                "not a check kind (db.duplicates, files.absent, run: `rollcheck --help` lists "
                "them)",
                "check-fields.toml:23:10: [[check]] 'db.no-duplicates' before: expected a "
                "boolean, found a string",
                "check-fields.toml:24:9: [[check]] 'db.no-duplicates' steps: no [[phase.step]] "
                "has the id 'db.9'",
                "check-fields.toml:25:1: [[check]] 'db.no-duplicates' 'Table': not an option "
                "name (lower-case letters, digits and dashes, as on the command line)",
                "check-fields.toml:26:9: [[check]] 'db.no-duplicates' ratio: expected a string, "
                "an integer, a boolean or an array of strings, found a floating-point number"});
}

TEST_CASE("a check's source is the runbook line it came from, a text and no option") {
    const auto text = rollcheck_test::read_text(fixtures / "source.toml");
    // Without the faulty second check, the plan loads and keeps the source.
    const auto cut = text.find("\n[[check]]\nid = \"phase7.recent\"");
    REQUIRE(cut != std::string::npos);
    const auto reading = parse_plan(text.substr(0, cut + 1), "source.toml");
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    const auto& check = check_of(*reading.value, "phase7.no-duplicated-key");
    CHECK(check.source == "RUNBOOK.md:94");
    std::vector<std::string> options;
    for (const auto& o : check.options)
        options.push_back(o.name);
    CHECK(options == words{"table", "key"});

    CHECK(faults("source.toml") == words{"source.toml:24:10: [[check]] 'phase7.recent' source: "
                                         "expected a string, found an integer"});
}

TEST_CASE("an id or a program given twice is a fault where it is given again") {
    CHECK(faults("duplicates.toml") ==
          words{"duplicates.toml:15:6: [[phase]] id 'db' is given twice",
                "duplicates.toml:17:11: program 'verify-tiny' is named twice",
                "duplicates.toml:19:6: [[phase.step]] id 'db.1' is given twice",
                "duplicates.toml:30:6: [[check]] id 'db.no-duplicates' is given twice"});
}

TEST_CASE("a check of no phase, and a phase without a check, are faults") {
    CHECK(faults("phases.toml") ==
          words{"phases.toml:9:1: [[phase]] 'api' has no [[check]]",
                "phases.toml:22:9: [[check]] 'dbb.recent' phase: no [[phase]] has the id 'dbb'"});
    // What a plan cannot do without is the file's fault, not a line's.
    CHECK(faults("no-plan-no-phase.toml") ==
          words{"no-plan-no-phase.toml: the plan has no [plan] table (its name and title)",
                "no-plan-no-phase.toml: the plan has no [[phase]]",
                "no-plan-no-phase.toml:4:9: [[check]] 'db.no-duplicates' phase: no [[phase]] has "
                "the id 'db'"});
}

TEST_CASE("a reference names a value a target holds, and is well formed") {
    const auto at = [&](const char* where, const char* rest) {
        return fmt::format("references.toml:{}: [[check]] 'db.no-duplicates' {}", where, rest);
    };
    CHECK(faults("references.toml") ==
          words{at("16:9", "title: '${database.tabel}' names no value of a target (docs/plans.md "
                           "lists them)"),
                at("18:9", "table: '${database.tabel}' names no value of a target (docs/plans.md "
                           "lists them)"),
                at("19:7", "key: '${pipeline.x}' names no value of a target (a [pipeline] value "
                           "must be declared in the plan's [defaults.pipeline])"),
                at("21:7", "dsn: '${database.table': a reference opened with ${ is not closed "
                           "with }"),
                at("22:9", "since: '${}': a reference names a value as section.key "
                           "(database.table), then ? or :-fallback"),
                at("23:10", "column: '${timestamp}': a reference names a value as section.key "
                            "(database.table), then ? or :-fallback"),
                at("25:8", "when: '${backup.restore_chek}' names no value of a target "
                           "(docs/plans.md lists them)")});
    CHECK(is_reference_name("database.table"));
    CHECK(is_reference_name("rollback.since"));
    CHECK(is_reference_name("pipeline.anything"));
    CHECK_FALSE(is_reference_name("pipeline."));
    CHECK_FALSE(is_reference_name("database.tabel"));
}

TEST_CASE("[defaults] are read as a target would be, their faults located in the plan") {
    CHECK(faults("defaults.toml") ==
          words{"defaults.toml:7:1: [defaults] unknown key 'tabel' in [database]",
                "defaults.toml:10:8: [defaults] [api] port: 70000 is not a port (1 to 65535)",
                "defaults.toml:13:15: [defaults] [pipeline] hosts[1]: expected a string, found "
                "an integer"});
}

TEST_CASE("what is no plan file at all is refused with one clear fault") {
    rollcheck_test::temp_dir dir;
    CHECK(one_fault(dir / "missing.toml") == (dir / "missing.toml").string() + ": no such file");
    CHECK(one_fault(dir.path()) == dir.path().string() + ": is a directory, not a plan file");

    const auto big = dir.write("big.toml", std::string(plan_file_limit + 1, '#'));
    CHECK(one_fault(big) == big.string() + ": larger than 1 MiB: not a plan file");
    // At the limit, a file is read: its faults are its content's.
    const auto limit = dir.write("limit.toml", std::string(plan_file_limit - 1, '#') + "\n");
    const auto reading = load_plan(limit);
    REQUIRE_FALSE(reading.errors.empty());
    CHECK(reading.errors[0].text() ==
          limit.string() + ": the plan has no [plan] table (its name and title)");

    CHECK(one_fault(fixtures / "binary.toml") ==
          (fixtures / "binary.toml").string() +
              ":3:12: a NUL byte: this is binary data, not a TOML plan file");
}

TEST_CASE("a 100 MB plan file is refused after reading little more than the limit") {
    rollcheck_test::temp_dir dir;
    const auto huge = dir.write("huge.toml", "");
    fs::resize_file(huge, 100u << 20); // sparse: no disk, but 100 MB to read
    const auto before = peak_kib();
    CHECK(one_fault(huge) == huge.string() + ": larger than 1 MiB: not a plan file");
    // Read whole, the file's zeros would be 100 MB of memory. ctest runs
    // each test case in a process of its own, so the peak is this one's.
    CHECK(peak_kib() - before < 16 * 1024);
}

TEST_CASE("bind_check puts the target's values in place of the references") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto& check = check_of(p, "no-duplicates");
    auto b =
        bind_check(check, target_for(p, "[database]\ndsn = \"host=db1 dbname=app\"\n"), at_ten());
    CHECK(b.name == "no duplicated submission_id in opportunities_unified");
    CHECK(b.arguments == words{"--dsn=host=db1 dbname=app", "--table=opportunities_unified",
                               "--key=submission_id"});
    CHECK(b.unresolved.empty());
    CHECK(b.skipped.empty());
    CHECK(b.fallbacks.empty());
    // `?`: a value the target does not give leaves the option out.
    b = bind_check(check,
                   target_for(p, "[database]\ntable = \"reporting.orders\"\nkey = \"order_id\"\n"),
                   at_ten());
    CHECK(b.name == "no duplicated order_id in reporting.orders");
    CHECK(b.arguments == words{"--table=reporting.orders", "--key=order_id"});
}

TEST_CASE("a list that is a whole value is one option per element") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto& check = check_of(p, "log-clean");
    auto run = at_ten();
    run.rollback_started = at("2026-11-28T09:26:24Z");
    auto b = bind_check(check, target_for(p, "[logs]\nerrors = [\"ERROR\", \"CRITICAL\"]\n"), run);
    CHECK(b.name == "job logs clean: /srv/app/logs/batch.log, /srv/app/logs/dlt.log");
    CHECK(b.arguments == words{"--files=/srv/app/logs/batch.log", "--files=/srv/app/logs/dlt.log",
                               "--error=ERROR", "--error=CRITICAL", "--error=Traceback",
                               "--since=2026-11-28T09:26:24.000Z", "--rotated", "--max-errors=0"});
    CHECK(b.fallbacks.empty());
    // No errors given: the literal element alone.
    b = bind_check(check, target_for(p, ""), run);
    CHECK(b.arguments == words{"--files=/srv/app/logs/batch.log", "--files=/srv/app/logs/dlt.log",
                               "--error=Traceback", "--since=2026-11-28T09:26:24.000Z", "--rotated",
                               "--max-errors=0"});
}

TEST_CASE("${rollback.since:-1h} is the hour before the run when the rollback's start is not "
          "known") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto b = bind_check(check_of(p, "log-clean"), target_for(p, ""), at_ten());
    CHECK(std::count(b.arguments.begin(), b.arguments.end(), "--since=2026-11-28T09:00:00.000Z") ==
          1);
    CHECK(b.fallbacks == words{"the rollback's start (--since or [rollback] since) is not known: "
                               "the window is the last 1h before the run"});
    CHECK(b.unresolved.empty());
}

TEST_CASE("a value the check needs and the target lacks makes the check unresolved") {
    const auto p = load_ok(fixtures / "binding.toml");
    auto b = bind_check(check_of(p, "job-ran"), target_for(p, ""), at_ten());
    CHECK(b.unresolved == "the target gives no [cron] snapshot, which this check needs");
    b = bind_check(check_of(p, "rows-written"), target_for(p, ""), at_ten());
    CHECK(b.unresolved == "the target gives no [database] dsn, which this check needs");
    // An empty [pipeline] value is not given: the plan's archive = "" asks
    // each target for its own.
    b = bind_check(check_of(p, "from-archive"), target_for(p, ""), at_ten());
    CHECK(b.unresolved == "the target gives no [pipeline] archive, which this check needs");
}

TEST_CASE("a boolean of the target as an option's value is a bare flag, or nothing") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto& check = check_of(p, "job-ran");
    auto b = bind_check(check,
                        target_for(p, "[cron]\njournal = true\nsnapshot = \"crontab.snapshot\"\n"),
                        at_ten());
    CHECK(b.arguments == words{"--cron-journal", "--snapshot=/srv/app/crontab.snapshot"});
    CHECK(b.unresolved.empty());
    b = bind_check(check,
                   target_for(p, "[cron]\njournal = false\nsnapshot = \"crontab.snapshot\"\n"),
                   at_ten());
    CHECK(b.arguments == words{"--snapshot=/srv/app/crontab.snapshot"});
}

TEST_CASE("a check whose `when` is false is skipped, saying why") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto& check = check_of(p, "backup-restores");
    auto b = bind_check(check, target_for(p, "[database]\nbackup = \"b.dump\"\n"), at_ten());
    CHECK(b.skipped == "the target does not ask for it: [backup] restore_check = true does");
    b = bind_check(
        check, target_for(p, "[database]\nbackup = \"b.dump\"\n[backup]\nrestore_check = true\n"),
        at_ten());
    CHECK(b.skipped.empty());
    CHECK(b.arguments == words{"--archive=/srv/app/b.dump", "--restore-check"});
}

TEST_CASE("a title shows the target's values, not the plan's defaults it overrides") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto& check = check_of(p, "cron-entry");
    auto b = bind_check(check, target_for(p, ""), at_ten());
    CHECK(b.name == "monolith cron entry restored as 0 2 * * *");
    CHECK(b.arguments == words{"--schedule=0 2 * * *", "--absent=run_unified_pipeline"});
    b = bind_check(
        check,
        target_for(p, "[cron]\nschedule = \"30 3 * * *\"\nuser = \"app\"\n[pipeline]\nunified = "
                      "\"unified_v2\"\n"),
        at_ten());
    CHECK(b.name == "monolith cron entry restored as 30 3 * * *");
    CHECK(b.arguments == words{"--user=app", "--schedule=30 3 * * *", "--absent=unified_v2"});
}

TEST_CASE("a check without a title is named by its kind and options, never by its dsn") {
    const auto p = load_ok(fixtures / "binding.toml");
    const auto b =
        bind_check(check_of(p, "rows-written"),
                   target_for(p, "[database]\ndsn = \"host=db1 dbname=app\"\n"), at_ten());
    CHECK(b.arguments == words{"--dsn=host=db1 dbname=app", "--table=opportunities_unified",
                               "--since=2026-11-28T09:00:00.000Z"});
    CHECK(b.name == "db.recent --table=opportunities_unified --since=2026-11-28T09:00:00.000Z");
    CHECK(b.name.find("db1") == std::string::npos);
}

TEST_CASE("references inside a text are replaced there, and $${ is a literal ${") {
    const auto p = load_ok(fixtures / "binding.toml");
    auto b = bind_check(check_of(p, "from-archive"),
                        target_for(p, "[pipeline]\narchive = \"archive/monoliths_20261128\"\n"),
                        at_ten());
    CHECK(b.arguments == words{"--root=/srv/app/scripts/core",
                               "--archive=/srv/app/archive/monoliths_20261128", "--paths=*.py"});
    CHECK(b.unresolved.empty());
    b = bind_check(check_of(p, "literal"), target_for(p, ""), at_ten());
    CHECK(b.name == "costs ${HOME} nothing");
    CHECK(b.arguments == words{"--command=sh", "--command=-c", "--command=echo ${HOME} python3"});
}
