// Drafting a plan from a runbook (plan_draft.hpp): the reddit_harbor runbook
// drafts into a plan that loads, with its phases, recovery targets, matrix
// and checklists, the checks the shipped plan has for its verify lines and
// each trap flagged at its line; two runbooks written otherwise draft
// sensibly; bad input is refused with a clear message, never a crash.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rollcheck/plan.hpp>
#include <rollcheck/plan_draft.hpp>
#include <rollcheck/target.hpp>

#include "test_support.hpp"

using namespace rollcheck;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = ROLLCHECK_DRAFT_FIXTURES;
const fs::path shipped_plan = fs::path(ROLLCHECK_SOURCE_DIR) / "plans/reddit_harbor.toml";

/// The runbook the shipped plan was written from, beside the repository.
fs::path runbook() {
    const auto path = fs::path(ROLLCHECK_SOURCE_DIR) / "../shared/rollback-procedures.md";
    INFO("the reddit_harbor runbook is read from " << path.string());
    REQUIRE(fs::is_regular_file(path));
    return path;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(text.substr(start, end - start));
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// A drafted runbook and its draft read back as a plan (from a file, so
/// that a target can be read for it).
struct drafted {
    plan_draft draft;
    plan read;
    std::unique_ptr<rollcheck_test::temp_dir> dir = std::make_unique<rollcheck_test::temp_dir>();
};

drafted draft_of(const fs::path& path) {
    drafted d;
    d.draft = draft_plan_file(path);
    INFO(d.draft.error);
    REQUIRE(d.draft.ok());
    const auto file = d.dir->write("draft.toml", d.draft.toml);
    const auto reading = load_plan(file);
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    d.read = *reading.value;
    return d;
}

std::vector<std::string> option(const plan_check& c, const std::string& name) {
    for (const auto& o : c.options)
        if (o.name == name) return o.values;
    return {};
}

std::vector<const plan_check*> checks_of(const plan& p, const std::string& phase,
                                         const std::string& kind) {
    std::vector<const plan_check*> out;
    for (const auto& c : p.checks)
        if (c.phase == phase && c.kind == kind) out.push_back(&c);
    return out;
}

std::vector<std::string> kinds_of(const plan& p, const std::string& phase) {
    std::vector<std::string> out;
    for (const auto& c : p.checks)
        if (c.phase == phase) out.push_back(c.kind);
    return out;
}

std::vector<std::string> phase_ids(const plan& p) {
    std::vector<std::string> out;
    for (const auto& phase : p.phases)
        out.push_back(phase.id);
    return out;
}

std::vector<long> recoveries_in_minutes(const plan& p) {
    std::vector<long> out;
    for (const auto& phase : p.phases)
        out.push_back(phase.recovery ? static_cast<long>(phase.recovery->count() / 60000) : -1);
    return out;
}

/// Each check's severity, by phase (the draft gives a phase's checks one).
std::vector<std::string> severities(const plan& p) {
    std::vector<std::string> out;
    for (const auto& phase : p.phases)
        for (const auto& c : p.checks)
            if (c.phase == phase.id) {
                out.push_back(c.severity);
                break;
            }
    return out;
}

/// The notes as (line, message).
std::vector<std::pair<std::size_t, std::string>> located(const std::vector<draft_note>& notes) {
    std::vector<std::pair<std::size_t, std::string>> out;
    for (const auto& n : notes)
        out.emplace_back(n.line, n.message);
    return out;
}

bool has_note(const std::vector<draft_note>& notes, std::size_t line, const std::string& phrase) {
    return std::any_of(notes.begin(), notes.end(), [&](const draft_note& n) {
        return n.line == line && n.message.find(phrase) != std::string::npos;
    });
}

/// The target a plan's [defaults] make, with nothing given.
target defaults_of(const plan& p) {
    const auto reading = parse_target("", p.file.parent_path() / "target.toml", p.facts());
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    return *reading.value;
}

/// `value` with a `${pipeline.KEY}` reference read from `t`.
std::string pipeline_value(const target& t, const std::string& value) {
    if (value.rfind("${pipeline.", 0) != 0) return value;
    const auto key = value.substr(11, value.size() - 12);
    const auto found = t.pipeline.find(key);
    return found == t.pipeline.end() || found->second.empty() ? "" : found->second.front();
}

} // namespace

// The reddit_harbor runbook ---------------------------------------------------------------

TEST_CASE("the runbook drafts into a plan that loads: a phase per section, each recovery its "
          "Recovery Time line's") {
    const auto d = draft_of(runbook());
    CHECK(phase_ids(d.read) == std::vector<std::string>{"1-3", "4-5", "6", "7", "8", "9-10", "11"});
    CHECK(d.read.phases[0].title == "Foundation, Agents, Utilities");
    CHECK(d.read.phases[3].title == "Storage Layer");
    CHECK(d.read.phases[6].title == "Production Migration");
    // A range is its upper bound, "< 5 minutes" is 5m, "30-60 minutes" is 1h.
    CHECK(recoveries_in_minutes(d.read) == std::vector<long>{5, 15, 20, 60, 10, 5, 5});
    CHECK(d.read.name == "rollback-procedures");
    CHECK(d.read.title == "Rollback Procedures");

    // Each recovery cites the runbook's line, and that line is its Recovery Time.
    const auto runbook_lines = lines_of(rollcheck_test::read_text(runbook()));
    std::vector<std::size_t> cited;
    for (const auto& line : lines_of(d.draft.toml)) {
        const std::string mark = "# rollback-procedures.md:";
        if (line.rfind("recovery = ", 0) != 0) continue;
        const auto at = line.find(mark);
        REQUIRE(at != std::string::npos);
        cited.push_back(std::stoul(line.substr(at + mark.size())));
        INFO(line);
        CHECK(runbook_lines.at(cited.back() - 1).rfind("**Recovery Time**: ", 0) == 0);
    }
    CHECK(cited == std::vector<std::size_t>{34, 56, 76, 104, 130, 151, 189});
    CHECK(d.draft.summary() ==
          "7 phases, 28 checks drafted from 33 steps; 3 steps left as TODO; 9 warnings");
}

TEST_CASE("the runbook's decision matrix and checklists become the plan's, its headings' risks "
          "the checks' severities") {
    const auto d = draft_of(runbook());
    REQUIRE(d.read.matrix.size() == 4);
    CHECK(d.read.matrix[0].severity == "P0");
    CHECK(d.read.matrix[0].action == "Immediate rollback");
    CHECK(d.read.matrix[0].approval == "Notify stakeholders");
    CHECK(d.read.matrix[3].severity == "P3");
    CHECK(d.read.matrix[3].action == "Fix forward");
    CHECK(d.read.matrix[3].approval == "No rollback needed");
    // Low, Medium, High Risk and Critical, as the matrix's rows name them.
    CHECK(severities(d.read) == std::vector<std::string>{"P3", "P2", "P1", "P1", "P0", "P2", "P0"});

    CHECK(d.read.before_checklist ==
          std::vector<std::string>{"Issue clearly identified", "Impact assessed",
                                   "Backup verified (for data-related issues)",
                                   "Rollback procedure reviewed", "Team notified",
                                   "Approval obtained (if required)"});
    std::vector<std::pair<std::string, std::string>> after;
    for (const auto& item : d.read.after_checklist)
        after.emplace_back(item.text, item.proof);
    CHECK(after == std::vector<std::pair<std::string, std::string>>{
                       {"System functionality verified", "checks"},
                       {"No data loss confirmed", "checks"},
                       {"Incident documented", "report"},
                       {"Root cause identified", "people"},
                       {"Remediation plan created", "people"},
                       {"Stakeholders updated", "people"}});
}

TEST_CASE("each drafted check cites the runbook line of the step it verifies") {
    const auto d = draft_of(runbook());
    const auto runbook_lines = lines_of(rollcheck_test::read_text(runbook()));
    std::map<std::string, std::string> runs;
    for (const auto& phase : d.read.phases)
        for (const auto& step : phase.steps)
            runs[step.id] = step.line;
    for (const auto& c : d.read.checks) {
        INFO(c.id << ": " << c.source);
        const std::string file = "rollback-procedures.md:";
        REQUIRE(c.source.rfind(file, 0) == 0);
        const auto line = trimmed(runbook_lines.at(std::stoul(c.source.substr(file.size())) - 1));
        REQUIRE_FALSE(c.steps.empty());
        // The step as the plan prints it starts with the cited line (a
        // statement over several lines), or is the crontab entry it comments.
        const auto& run = runs.at(c.steps.back());
        CHECK((run.rfind(line, 0) == 0 || "# " + run == line));
    }
}

TEST_CASE("every step is a check's, a TODO or a note: nothing the runbook says is dropped") {
    const auto d = draft_of(runbook());
    std::set<std::string> checked;
    for (const auto& c : d.read.checks)
        checked.insert(c.steps.begin(), c.steps.end());
    const auto runbook_lines = lines_of(rollcheck_test::read_text(runbook()));
    for (const auto& phase : d.read.phases)
        for (const auto& step : phase.steps) {
            if (checked.count(step.id)) continue;
            INFO(step.id << ": " << step.line);
            const auto at =
                std::find_if(runbook_lines.begin(), runbook_lines.end(),
                             [&](const std::string& l) { return trimmed(l) == step.line; });
            REQUIRE(at != runbook_lines.end());
            const auto line = static_cast<std::size_t>(at - runbook_lines.begin()) + 1;
            CHECK((has_note(d.draft.todos, line, "") || has_note(d.draft.notes, line, "")));
        }
    CHECK(located(d.draft.todos) ==
          std::vector<std::pair<std::size_t, std::string>>{
              {123, "`python scripts/core/batch_opportunity_scoring.py`: runs "
                    "scripts/core/batch_opportunity_scoring.py as a rollback step, under no "
                    "verify line: a check would run it again. If its run is the proof, make it "
                    "a `run` check"},
              {124, "`python scripts/dlt/dlt_trust_pipeline.py`: runs "
                    "scripts/dlt/dlt_trust_pipeline.py as a rollback step, under no verify "
                    "line: a check would run it again. If its run is the proof, make it a `run` "
                    "check"},
              {176, "`python scripts/core/batch_opportunity_scoring.py --limit 100 &`: starts "
                    "`python scripts/core/batch_opportunity_scoring.py --limit 100` in the "
                    "background (&): no check waits for it. job.ran can prove it ran since the "
                    "rollback"}});
    // The plan has no notices: the mail line says how the run sends one.
    REQUIRE(d.draft.notes.size() == 1);
    CHECK(d.draft.notes[0].line == 186);
    CHECK_THAT(d.draft.notes[0].message,
               Catch::Contains("--notify-command 'mail -s \"$ROLLCHECK_SUBJECT\" "
                               "team@company.com'"));
    // Each is in the draft too, as a comment at its phase.
    CHECK_THAT(d.draft.toml, Catch::Contains("# TODO rollback-procedures.md:176: ") &&
                                 Catch::Contains("# NOTE rollback-procedures.md:186: "));
}

TEST_CASE("each known trap of the runbook is a warning at its line, in the draft and on its own") {
    const auto d = draft_of(runbook());
    const std::vector<std::pair<std::size_t, std::string>> traps = {
        {45, "`git checkout HEAD -- scripts/core/batch_opportunity_scoring.py` restores the "
             "files as the last commit has them"},
        {46, "`git checkout HEAD -- scripts/dlt/dlt_trust_pipeline.py` restores"},
        {70, "`git checkout HEAD -- scripts/core/batch_opportunity_scoring.py` restores"},
        {92, "looks like a plain SQL script, which pg_restore refuses"},
        {92, "restores without --clean"},
        {95, "`git checkout HEAD -- scripts/` restores"},
        {166, "`killall -9 run_unified_pipeline.py` matches a process by its name, and a "
              "script's process is named after its interpreter (python3): it stops nothing"},
        {169, "copies every file of scripts/archive/monoliths_YYYYMMDD that *.py matches, a "
              "stray one included"},
        {172, "`crontab -e` opens an editor"}};
    CHECK(d.draft.warnings.size() == traps.size());
    for (const auto& [line, phrase] : traps) {
        INFO(line << ": " << phrase);
        CHECK(has_note(d.draft.warnings, line, phrase));
        CHECK_THAT(d.draft.toml,
                   Catch::Contains(fmt::format("# WARNING rollback-procedures.md:{}: ", line)));
    }
}

TEST_CASE("the draft has every check the shipped plan has for the runbook's verify lines and "
          "steps, with the same values") {
    const auto d = draft_of(runbook());
    const auto shipped = load_plan(shipped_plan);
    REQUIRE(shipped.ok());
    // What the shipped plan checks beyond what the runbook says, and why.
    const std::map<std::string, std::string> beyond = {
        {"phase4-5.no-duplicated-key", "the runbook looks for duplicates after phase 7 only"},
        {"phase11.no-duplicated-key", "the runbook looks for duplicates after phase 7 only"},
        {"phase7.baseline-recorded", "the runbook records no baseline"},
        {"phase7.no-row-lost", "the runbook records no baseline"},
        {"phase11.no-row-lost", "the runbook records no baseline"},
        {"phase8.monoliths-restored", "the runbook: \"no code changes needed\""},
        {"phase8.batch-runs", "a job run under no verify line: a TODO of the draft"},
        {"phase8.dlt-runs", "a job run under no verify line: a TODO of the draft"},
        {"phase9-10.api-down", "the runbook stops the containers, which the draft checks"},
        {"phase11.crontab-valid", "the runbook shows one entry, not the crontab"},
        {"phase11.crontab-as-snapshot", "the runbook keeps no snapshot of the crontab"},
        {"phase11.batch-job-ran", "the restart runs in the background: a TODO of the draft"}};
    const auto ours = defaults_of(d.read);
    const auto theirs = defaults_of(*shipped.value);
    std::size_t covered = 0;
    for (const auto& c : shipped.value->checks) {
        if (beyond.count(c.id)) continue;
        INFO(c.id << " (" << c.kind << ")");
        const bool removal = c.kind == "files.absent" || c.kind == "py.imports";
        const auto kind = removal ? std::string("files.removed") : c.kind;
        const auto candidates = checks_of(d.read, c.phase, kind);
        REQUIRE_FALSE(candidates.empty());
        // What the shipped check names, the draft's checks of the phase name together.
        const auto all = [&](const std::string& name) {
            std::set<std::string> values;
            for (const auto* candidate : candidates)
                for (const auto& v : option(*candidate, name))
                    values.insert(v);
            return values;
        };
        const auto within = [&](const std::string& name) {
            const auto values = all(name);
            for (const auto& v : option(c, name))
                CHECK(values.count(v) == 1);
        };
        const auto one_has = [&](std::initializer_list<const char*> names) {
            CHECK(std::any_of(candidates.begin(), candidates.end(), [&](const plan_check* x) {
                return std::all_of(names.begin(), names.end(),
                                   [&](const char* n) { return option(*x, n) == option(c, n); });
            }));
        };
        if (kind == "files.removed") within(c.kind == "py.imports" ? "gone" : "paths");
        if (c.kind == "files.removed") within("gone");
        if (kind == "files.restored") within("paths");
        if (kind == "run") one_has({"command"});
        if (kind == "db.duplicates") one_has({"table", "key"});
        if (kind == "db.recent") one_has({"table", "column", "since"});
        if (kind == "db.backup") one_has({"archive"});
        if (kind == "cron.expect") one_has({"schedule", "command"});
        if (kind == "logs.scan") one_has({"files", "since"});
        if (kind == "proc.absent")
            CHECK(pipeline_value(ours, option(*candidates[0], "pattern").front()) ==
                  pipeline_value(theirs, option(c, "pattern").front()));
        ++covered;
    }
    CHECK(covered == shipped.value->checks.size() - beyond.size());
    // The values the references read: the runbook's, as the shipped plan has them.
    CHECK(ours.table.display() == theirs.table.display());
    CHECK(ours.key == theirs.key);
    CHECK(ours.timestamp_column == theirs.timestamp_column);
    CHECK(ours.job_schedule == theirs.job_schedule);
    CHECK(ours.job_command == theirs.job_command);
    CHECK(ours.entry_points == theirs.entry_points);
    // Relative to the project, which the defaults put beside each plan.
    const auto relative = [](const target& t, const plan& p) {
        std::vector<std::string> out;
        for (const auto& f : t.log_files)
            out.push_back(fs::path(f).lexically_relative(p.file.parent_path()).string());
        return out;
    };
    CHECK(relative(ours, d.read) == relative(theirs, *shipped.value));
    CHECK(relative(ours, d.read) == std::vector<std::string>{"logs/batch_opportunity_scoring.log"});
}

// Runbooks written otherwise --------------------------------------------------------------

TEST_CASE("numbered steps with their commands in `code`, without code blocks, draft sensibly") {
    const auto d = draft_of(fixtures / "numbered-steps.md");
    CHECK(phase_ids(d.read) == std::vector<std::string>{"1", "2", "3"});
    CHECK(d.read.phases[0].title == "Web tier");
    CHECK(d.read.phases[1].title == "Orders database");
    CHECK(recoveries_in_minutes(d.read) == std::vector<long>{10, 30, 5});
    // The matrix names levels, not P-numbers: Medium, High and Low.
    CHECK(severities(d.read) == std::vector<std::string>{"P2", "P1", "P3"});
    CHECK(kinds_of(d.read, "1") ==
          std::vector<std::string>{"proc.absent", "files.restored", "files.removed", "run"});
    CHECK(kinds_of(d.read, "2") ==
          std::vector<std::string>{"db.backup", "db.duplicates", "db.recent"});
    CHECK(kinds_of(d.read, "3") == std::vector<std::string>{"containers.down", "logs.scan"});

    const auto& restored = *checks_of(d.read, "1", "files.restored").front();
    CHECK(option(restored, "paths") == std::vector<std::string>{"shop", "templates"});
    const auto& removed = *checks_of(d.read, "1", "files.removed").front();
    CHECK(option(removed, "gone") == std::vector<std::string>{"shop.flags", "shop.flag_client"});
    CHECK(option(*checks_of(d.read, "2", "db.recent").front(), "since") ==
          std::vector<std::string>{"${rollback.since:-15m}"});
    CHECK(checks_of(d.read, "2", "db.backup").front()->before);
    CHECK(checks_of(d.read, "2", "db.duplicates").front()->source == "numbered-steps.md:26");

    const auto values = defaults_of(d.read);
    CHECK(values.revision == "v2.14.0");
    CHECK(values.table.display() == "orders");
    CHECK(values.key == "order_id");
    CHECK(values.timestamp_column == "placed_at");
    CHECK(values.pipeline.at("compose_project") == std::vector<std::string>{"shopjobs"});

    // A restore with --clean from an archive, a pkill -f: no trap.
    CHECK(d.draft.warnings.empty());
    CHECK(located(d.draft.todos) ==
          std::vector<std::pair<std::size_t, std::string>>{
              {29, "`redis-cli FLUSHDB`: no check kind reads `redis-cli`: write its check by "
                   "hand"}});
    REQUIRE(d.read.matrix.size() == 4);
    CHECK(d.read.matrix[1].action == "Roll back within the hour");
    CHECK(d.read.matrix[1].approval == "Team lead");
    CHECK(d.read.before_checklist == std::vector<std::string>{"Backup of the orders database taken",
                                                              "On-call engineer paged"});
    REQUIRE(d.read.after_checklist.size() == 4);
    CHECK(d.read.after_checklist[3].proof == "notices");
}

TEST_CASE("SQL in psql -c strings and YAML notes of risk and recovery draft sensibly") {
    const auto d = draft_of(fixtures / "psql-notes.md");
    CHECK(phase_ids(d.read) == std::vector<std::string>{"stop-the-ledger-writer",
                                                        "put-the-ledger-schema-back",
                                                        "bring-the-old-writer-back"});
    // "45 min - 1.5 hours": the upper bound.
    CHECK(recoveries_in_minutes(d.read) == std::vector<long>{2, 90, 10});
    // No matrix: critical, high and medium are P0, P1 and P2.
    CHECK(severities(d.read) == std::vector<std::string>{"P0", "P1", "P2"});
    CHECK(kinds_of(d.read, "put-the-ledger-schema-back") ==
          std::vector<std::string>{"db.backup", "db.duplicates", "db.recent"});
    CHECK(kinds_of(d.read, "bring-the-old-writer-back") ==
          std::vector<std::string>{"files.restored", "run"});
    const auto& stopped = *checks_of(d.read, "stop-the-ledger-writer", "proc.absent").front();
    CHECK(pipeline_value(defaults_of(d.read), option(stopped, "pattern").front()) ==
          "ledger_writer --mode=live");
    // The comment at the line's end is the line's verify line.
    CHECK(option(*checks_of(d.read, "bring-the-old-writer-back", "run").front(), "command") ==
          std::vector<std::string>{"${project.python}", "/srv/ledger/bin/ledger_writer.py",
                                   "--check-config"});
    const auto values = defaults_of(d.read);
    CHECK(values.table.display() == "ledger_entries");
    CHECK(values.key == "entry_id");
    CHECK(values.backup == "/srv/backups/ledger-pre-migration.dump");

    CHECK(d.draft.warnings.empty());
    REQUIRE(d.draft.todos.size() == 4);
    CHECK(has_note(d.draft.todos, 14,
                   "no check of a unit: proc.absent --runs proves that what it runs is gone"));
    CHECK(has_note(d.draft.todos, 26, "a statement of its own (DropStmt), no check"));
    CHECK(has_note(d.draft.todos, 30,
                   "the SQL does not parse: syntax error at or near \"SELEC\" (at character 1)"));
    CHECK(has_note(d.draft.todos, 43, "installs a crontab whole"));
    CHECK(d.read.matrix.empty());
    CHECK(d.read.before_checklist.empty());
}

TEST_CASE("quotes, backslashes, a tab and accents survive into the plan as written") {
    const auto d = draft_of(fixtures / "quoting.md");
    const auto lines = lines_of(rollcheck_test::read_text(fixtures / "quoting.md"));
    REQUIRE(d.read.phases.size() == 1);
    const auto& steps = d.read.phases[0].steps;
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].line == lines[10]);
    CHECK(steps[1].line == lines[11]);
    CHECK(steps[2].line == lines[12]);
    const auto& removed = *checks_of(d.read, d.read.phases[0].id, "files.removed").front();
    CHECK(option(removed, "paths") == std::vector<std::string>{"build dir", "odd\\name", "café"});
    const auto& run = *checks_of(d.read, d.read.phases[0].id, "run").front();
    CHECK(option(run, "command") == std::vector<std::string>{"${project.python}",
                                                             "scripts/check.py", "--pattern",
                                                             "a\"b\\c"});
}

// Bad input --------------------------------------------------------------------------------

TEST_CASE("what is no runbook, or holds no phase, is refused saying why") {
    const auto error_of = [](const fs::path& path) {
        const auto d = draft_plan_file(path);
        CHECK(d.toml.empty());
        CHECK_FALSE(d.ok());
        return d.error;
    };
    const auto at = [](const std::string& name) { return (fixtures / name).string(); };
    CHECK(error_of(fixtures / "empty.md") ==
          at("empty.md") + ": empty: no runbook to draft a plan from");
    CHECK(error_of(fixtures / "binary.md") ==
          at("binary.md") + ": a NUL byte at line 3: this is binary data, not Markdown");
    CHECK(error_of(fixtures / "no-phases.md") ==
          at("no-phases.md") + ": no section holds a rollback step (a shell or SQL code block, "
                               "or list items of commands in `code`, under a heading): no phase "
                               "to draft");
    CHECK(error_of(fixtures / "missing.md") ==
          "cannot read '" + at("missing.md") + "': No such file or directory");
    CHECK(error_of(fixtures) == "cannot read '" + fixtures.string() + "': is a directory");

    // Its only step is SQL that does not parse: a TODO, and no plan.
    const auto d = draft_plan_file(fixtures / "bad-sql.md");
    CHECK(d.error == at("bad-sql.md") + ": no step of its 1 phase could be drafted as a check, "
                                        "and a plan needs one: 1 step left as TODO");
    CHECK(located(d.todos) ==
          std::vector<std::pair<std::size_t, std::string>>{
              {8, "`SELEC order_id, count(*) FROM orders GROUP BY order_id HAVING count(*) > "
                  "1;`: the SQL does not parse: syntax error at or near \"SELEC\" (at character "
                  "1)"}});
}

TEST_CASE("a 50 MB runbook is refused by its size, unread") {
    rollcheck_test::temp_dir dir;
    const auto huge = dir.write("huge.md", "# Rollback\n");
    fs::resize_file(huge, 50u << 20); // sparse: no disk, but 50 MB to read
    const auto before = rollcheck_test::peak_rss_kib();
    const auto d = draft_plan_file(huge);
    CHECK(d.error ==
          huge.string() + ": 52428800 bytes, larger than the 4 MiB a runbook may be: no runbook");
    CHECK(rollcheck_test::peak_rss_kib() - before < 4 * 1024);
    // Given as text, it is refused by its length.
    CHECK(draft_plan(std::string(runbook_file_limit + 1, 'a'), "big.md").error ==
          "big.md: larger than 4 MiB: no runbook");
}

TEST_CASE("what fuzzing found: the runbook's ${, empty words, huge numbers, control characters") {
    const auto loads = [](const std::string& markdown) {
        const auto d = draft_plan(markdown, "found.md");
        INFO(d.error);
        REQUIRE(d.ok());
        const auto reading = parse_plan(d.toml, "found.toml");
        for (const auto& e : reading.errors)
            UNSCOPED_INFO(e.text());
        REQUIRE(reading.ok());
        return *reading.value;
    };
    // A path holding ${ is the runbook's text, not a reference to the target.
    auto p = loads("## Phase 1\n\n```sh\ngit checkout v1 -- 'FLUS${B'\n```\n");
    CHECK(option(p.checks.at(0), "paths") == std::vector<std::string>{"FLUS$${B"});
    // An archive named "" gives no [defaults] backup, which a target may not hold empty.
    p = loads("## Phase 1\n\n```sh\npg_restore -d db --clean \"\"\n```\n");
    CHECK(p.checks.at(0).kind == "db.backup");
    // A recovery time no plan can hold is no recovery time.
    p = loads("## Phase 1\n\nRecovery Time: " + std::string(120, '9') +
              " hours\n\n```sh\n"
              "rm -rf x/\n```\n");
    CHECK_FALSE(p.phases.at(0).recovery.has_value());
    // Control characters of a heading or a step stay out of the draft's comments.
    p = loads("## Phase 1 \x01\x1b[31m\n\n```sh\nrm -rf a\x7f/\n```\n");
    CHECK(p.phases.at(0).steps.at(0).line == "rm -rf a\x7f/");
}

TEST_CASE("deep nesting and arbitrary text never crash the drafter, and what it drafts loads") {
    // Block quotes and lists nested far beyond any runbook.
    CHECK_FALSE(draft_plan(std::string(100000, '>') + " ```sh\nrm -rf x\n", "deep.md").ok());
    std::string list;
    for (int i = 0; i < 2000; ++i)
        list += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- `rm -rf x`\n";
    const auto nested = draft_plan("## Phase 1\n\n" + list, "nested.md");
    CHECK(nested.ok());

    // Text made of a runbook's pieces, shuffled: whatever it drafts loads.
    const std::vector<std::string> pieces = {
        "## Phase 2: High Risk (Db)\n",
        "```sh\n",
        "```\n",
        "```sql\n",
        "rm -rf core/x/\n",
        "SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > 1;\n",
        "killall job.py\n",
        "# Verify it\n",
        "python job.py\n",
        "**Recovery Time**: 5-10 minutes\n",
        "- [ ] done\n",
        "| Severity | Action |\n|---|---|\n| P0 | now |\n",
        "crontab -e\n",
        "# 0 2 * * * run\n",
        "\"'\\\t\n",
        "1. `git checkout v1 -- a/`\n",
        "\n",
        "tail -f x.log\n",
        "pg_restore -d db a.sql\n",
        "psql -c \"SELEC\"\n",
        "docker-compose down\n"};
    std::mt19937 random(20261128);
    int drafted = 0;
    for (int round = 0; round < 300; ++round) {
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += pieces[random() % pieces.size()];
        const auto d = draft_plan(text, "shuffled.md");
        if (!d.ok()) continue;
        ++drafted;
        const auto reading = parse_plan(d.toml, "shuffled.toml");
        INFO(text);
        for (const auto& e : reading.errors)
            UNSCOPED_INFO(e.text());
        REQUIRE(reading.ok());
    }
    CHECK(drafted > 100);
}
