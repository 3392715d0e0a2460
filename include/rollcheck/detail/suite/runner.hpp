/// \file detail/suite/runner.hpp
/// The suite's main: Catch2's session with rollcheck's options, the listener
/// that records every test case, and the reports at the end. Only
/// suite_main.hpp includes it: Catch2 defines its session and reporter
/// types only in the translation unit of its runner.
#pragma once

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "../../commands.hpp"
#include "../../notify.hpp"
#include "../../progress.hpp"
#include "../../stop.hpp"
#include "../../suite.hpp"
#include "../../wording.hpp"
#include "plan_cases.hpp"
#include "prefetch.hpp"
// Generated into the build tree's include directory, not beside this file.
#include <rollcheck/version.hpp>

namespace rollcheck {

namespace detail {

/// A failed assertion that no verifier made: where it is and what it says.
inline std::string describe_assertion(const Catch::AssertionResult& r) {
    const auto& where = r.getSourceInfo();
    const std::string what = r.hasExpression() ? r.getExpandedExpression() : r.getMessage();
    std::string text = fmt::format("{}:{}: {}", where.file, where.line, what);
    // A message Catch2 already used as the text is not repeated.
    if (r.hasMessage() && !r.getMessage().empty() && r.getMessage() != what)
        text += ": " + r.getMessage();
    return text;
}

/// A case the stop reached is an error that says so, whatever it had found:
/// one begun after the stop never ran; one running then was cut short.
inline void mark_stopped_case(case_record& c) {
    const auto& s = state();
    if (s.case_after_stop) {
        c.results.clear();
        c.failure = "not run: the run was interrupted";
    } else if (stop_requested()) {
        c.failure = fmt::format("interrupted by {} after {}", stop_reason(),
                                describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    stop_time() - s.case_started)));
    }
}

/// Records each test case of the run with the verifier results it asserted.
class suite_listener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        TestEventListenerBase::testCaseStarting(info);
        case_record c;
        c.name = info.name;
        for (const auto& tag : info.tags)
            c.tags.push_back("[" + tag + "]");
        c.phase = phase_of(info.tags);
        c.severity = severity_of(info.tags);
        state().current = std::move(c);
        state().verifier_assertion = false;
        state().case_started = std::chrono::steady_clock::now();
        state().case_after_stop = stop_requested();
    }

    bool assertionEnded(const Catch::AssertionStats& stats) override {
        auto& s = state();
        const auto& r = stats.assertionResult;
        if (!s.current || r.getResultType() == Catch::ResultWas::Warning ||
            r.getResultType() == Catch::ResultWas::Info)
            return false;
        const bool by_verifier = std::exchange(s.verifier_assertion, false);
        if (!r.isOk() && !by_verifier && s.current->failure.empty())
            s.current->failure = describe_assertion(r);
        return false;
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        auto& s = state();
        if (s.current) {
            mark_stopped_case(*s.current);
            if (exit_status(s.current->worst()) != 0) s.current->green_at.reset();
            s.current->seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - s.case_started)
                    .count();
            s.record.cases.push_back(std::move(*s.current));
            s.current.reset();
        }
        TestEventListenerBase::testCaseEnded(stats);
    }
};

/// One line naming the environment, as the reports show it (never a password).
inline std::string describe_target(const target& t) {
    return fmt::format("project {}; database {}; table {}", t.project_root.string(),
                       t.connection.dsn.empty() ? std::string("from the PG* environment")
                                                : mask_dsn(t.connection.dsn),
                       t.table.display());
}

inline std::string host_name() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

inline std::string user_name() {
    const char* user = std::getenv("USER");
    return user != nullptr ? user : std::to_string(::getuid());
}

/// A run that could not start its checks: the reason as an error case, so
/// that every report still says why nothing was verified.
inline void record_setup_error(const std::string& check, const std::string& why) {
    case_record c;
    c.name = "the suite can start";
    c.results.push_back(check_result::error(check, why));
    state().record.cases.push_back(std::move(c));
}

/// Where the run's verdict is sent (--notify, --notify-command).
inline notify_spec& run_notify() {
    static notify_spec spec;
    return spec;
}

/// Sends the notices asked for and says how each went; a notice that did
/// not go out is reported, and changes nothing of the verdict.
inline void notify_team(run_record& record) {
    record.notices = send_notices(run_notify(), record);
    for (const auto& n : record.notices)
        (n.sent ? std::cout : std::cerr)
            << (n.sent ? "notice: " : "warning: notice: ") << describe_notice(n) << '\n';
}

/// `--before DIR`, or the target's `[rollback] before`.
inline std::filesystem::path& before_reports() {
    static std::filesystem::path dir;
    return dir;
}

/// Marks the failing cases against the run taken before the rollback, when
/// one was named; a run that cannot be read is said, and changes no verdict.
inline void compare_before_rollback(run_record& record) {
    auto earlier = before_reports();
    if (earlier.empty() && state().loaded) earlier = state().loaded->before;
    if (earlier.empty()) return;
    if (const auto why = compare_with_earlier_run(record, earlier); !why.empty()) {
        std::cerr << "warning: --before: " << why << '\n';
        record.notes.push_back("--before: " + why + "; failures not compared");
    }
}

/// Prints the closing line, sends the notices and writes the reports;
/// returns the exit status.
inline int finish_run(const std::string& report_dir) {
    auto& record = state().record;
    record.finished = std::chrono::system_clock::now();
    if (stop_requested()) {
        record.interrupted_by = stop_reason();
        record.notes.push_back(fmt::format(
            "the run was interrupted by {} after {}: the check then running and those after it "
            "are errors",
            record.interrupted_by,
            describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                stop_time() - state().run_started))));
    }
    apply_waivers(record, state().waivers, record.finished);
    compare_before_rollback(record);
    // A gate never reads a stopped run as a pass, whatever its checks found.
    int status = stop_requested() ? stop_exit_status() : run_exit_status(record);
    std::cout << closing_line(record) << '\n';
    {
        // The notices a stopped run owes go out within their own deadline.
        const after_stop_scope owed;
        notify_team(record);
    }
    if (report_dir.empty()) return status;
    const auto failed = write_reports(record, report_dir);
    if (!failed.empty()) {
        std::cerr << "error: --report " << report_dir << ": " << failed << '\n';
        return 2;
    }
    std::cout << "reports: ";
    for (const auto file : report_files)
        std::cout << (file == report_files.front() ? "" : ", ") << report_dir << '/' << file;
    std::cout << '\n';
    return status;
}

/// Every fault of `reading`, under a first line naming the file's role.
template <typename Reading>
[[nodiscard]] std::string faults_of(const Reading& reading, const std::string& what) {
    std::string text = what + " cannot be used:";
    for (const auto& e : reading.errors)
        text += "\n  " + e.text();
    return text;
}

/// Loads the waivers of `file` (none when empty); an error names each fault.
inline std::string load_run_waivers(const std::filesystem::path& file) {
    if (file.empty()) return {};
    auto reading = load_waivers(file);
    if (!reading.ok()) return faults_of(reading, fmt::format("waiver file {}", file.string()));
    state().waivers = std::move(reading.waivers);
    return {};
}

/// Loads the plan the run follows: `--plan`, else the target's `[rollback]
/// plan`, else `fallback` (none for a suite of one's own); an error says
/// what is wrong with it.
inline std::string load_run_plan(const std::filesystem::path& asked, const std::string& target_file,
                                 const std::filesystem::path& fallback) {
    auto file = asked;
    if (file.empty() && !target_file.empty()) file = plan_named_by_target(target_file);
    if (file.empty()) file = fallback;
    if (file.empty()) return {};
    auto reading = load_plan(file);
    if (!reading.ok()) return faults_of(reading, fmt::format("plan file {}", file.string()));
    const auto& followed = current_plan().followed = std::move(*reading.value);
    auto& record = state().record;
    for (const auto& row : followed->matrix)
        record.matrix.push_back({row.severity, row.action, row.approval});
    for (const auto& item : followed->after_checklist)
        record.checklist.push_back({item.text, item.proof, item.kinds});
    return {};
}

/// Loads the target and the rollback time; an error says what is wrong.
inline std::string prepare_run(const std::string& target_file, const std::string& since_text,
                               const std::string& waiver_file, bool wait) {
    auto& s = state();
    if (target_file.empty())
        return "no target: give --target FILE, the system to verify (see docs/target.md; "
               "scripts/rehearse --keep leaves one in its sandbox)";
    const auto& followed = current_plan().followed;
    auto reading = load_target(target_file, followed ? followed->facts() : target_plan_facts{});
    if (!reading.ok()) return faults_of(reading, fmt::format("target file {}", target_file));
    s.loaded = std::move(*reading.value);
    s.since = s.loaded->since;
    if (!since_text.empty()) {
        std::string why;
        s.since = parse_time(since_text, why);
        if (!s.since) return "--since " + why;
    }
    s.record.target_summary = describe_target(*s.loaded);
    s.record.since = s.since;
    s.record.recovery_targets = s.loaded->recovery_targets;
    s.wait = s.record.waited = wait || s.loaded->wait;
    if (s.wait && !s.since)
        s.record.notes.push_back("--wait without --since (nor [rollback] since): the recovery "
                                 "deadlines count from the run's start");
    return load_run_waivers(waiver_file.empty() ? s.loaded->waivers
                                                : std::filesystem::path(waiver_file));
}

/// While alive, this process works in the project: its root is the working
/// directory, so a check's relative paths (`cwd = "."`) mean the same from
/// wherever the suite was started, and the project's environment is set.
/// Entered once for all the test cases, before any check starts: the checks
/// that run at once all see the same directory and environment.
class in_project {
public:
    explicit in_project(const target& t) : back_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (back_ < 0 || ::chdir(t.project_root.c_str()) != 0)
            error_ = fmt::format("cannot work in the project root {}: {}", t.project_root.string(),
                                 std::strerror(errno));
        for (const auto& [name, value] : t.environment) {
            const char* old = std::getenv(name.c_str());
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            ::setenv(name.c_str(), value.c_str(), 1);
        }
    }
    ~in_project() {
        for (const auto& [name, value] : saved_)
            value ? (void)::setenv(name.c_str(), value->c_str(), 1)
                  : (void)::unsetenv(name.c_str());
        if (back_ >= 0) {
            [[maybe_unused]] const int back = ::fchdir(back_);
            ::close(back_);
        }
    }
    /// Why the project root could not be entered; empty when it was.
    [[nodiscard]] const std::string& error() const { return error_; }
    in_project(const in_project&) = delete;
    in_project& operator=(const in_project&) = delete;

private:
    int back_;
    std::string error_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

/// While alive, stops the run as a signal would once `span` has passed
/// (`--deadline`): a CI step then ends with its reports before the job's own
/// timeout kills it without any.
class run_deadline {
public:
    run_deadline(std::chrono::milliseconds span, const std::string& shown) {
        if (span.count() <= 0) return;
        thread_ = std::thread([this, span, shown] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!ended_.wait_for(lock, span, [this] { return over_; }))
                request_stop(fmt::format("its deadline ({})", shown));
        });
    }
    ~run_deadline() {
        if (!thread_.joinable()) return;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            over_ = true;
        }
        ended_.notify_one();
        thread_.join();
    }
    run_deadline(const run_deadline&) = delete;
    run_deadline& operator=(const run_deadline&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable ended_;
    bool over_ = false;
    std::thread thread_;
};

/// A target file's [[check]], run as a test case of its own.
class declared_invoker : public Catch::ITestInvoker {
public:
    explicit declared_invoker(declared_check check) : check_(std::move(check)) {}
    void invoke() const override {
        REQUIRE_VERIFIED(cli::run_declared_check(check_.kind, check_.arguments, check_.where));
    }

private:
    declared_check check_;
};

/// A plan's check, run as a test case of its own.
class plan_invoker : public Catch::ITestInvoker {
public:
    explicit plan_invoker(std::size_t index) : index_(index) {}
    void invoke() const override {
        const auto& b = current_plan().checks.at(index_);
        auto& s = state();
        if (s.current) s.current->id = b.check->id;
        for (const auto& note : b.fallbacks)
            if (std::find(s.record.notes.begin(), s.record.notes.end(), note) ==
                s.record.notes.end())
                s.record.notes.push_back(note);
        if (!b.skipped.empty()) {
            REQUIRE_VERIFIED(check_result::skip(b.check->kind, b.skipped));
        } else if (!b.unresolved.empty()) {
            REQUIRE_VERIFIED(check_result::error(b.check->kind, b.unresolved));
        } else {
            REQUIRE_VERIFIED(plan_check_result(index_));
        }
    }

private:
    std::size_t index_;
};

/// A waiver of this run's phases must name one of its checks, by name or by
/// the plan's id: a misspelt one would otherwise waive nothing, silently.
inline std::string check_waiver_names(const std::string& name) {
    const auto& tests = Catch::getRegistryHub().getTestCaseRegistry().getAllTests();
    const auto& checks = current_plan().checks;
    std::string errors;
    for (const auto& w : state().waivers) {
        if (!phase_selected(w.phase)) continue;
        const bool known = std::any_of(tests.begin(), tests.end(),
                                       [&](const auto& t) {
                                           return t.name == w.check && phase_of(t.tags) == w.phase;
                                       }) ||
                           std::any_of(checks.begin(), checks.end(), [&](const auto& b) {
                               return b.check->id == w.check && b.check->phase == w.phase;
                           });
        if (!known)
            errors += fmt::format("\n  {}: no check named '{}' in phase {} of {}", w.where, w.check,
                                  w.phase, name);
    }
    return errors.empty() ? errors : "waiver file cannot be used:" + errors;
}

/// The plan's checks of the selected phases, in the plan's order.
inline void register_plan_checks() {
    const auto& checks = current_plan().checks;
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const auto& b = checks[i];
        Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
            new plan_invoker(i), "", Catch::NameAndTags{b.name, tags_of(b)},
            Catch::SourceLineInfo(current_plan().followed->file.c_str(), line_of(b.check->where))));
    }
}

/// The target's [[check]] tables of the selected phases.
inline void register_declared_checks() {
    const auto& t = *state().loaded;
    for (const auto& check : t.checks) {
        if (!phase_selected(check.phase)) continue;
        Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
            new declared_invoker(check), "",
            Catch::NameAndTags{check.name,
                               fmt::format("[phase{}][{}][declared]", check.phase, check.severity)},
            Catch::SourceLineInfo(t.file.c_str(), 1)));
    }
}

/// Follows the plan: selects its phases, binds its checks to the target and
/// validates them, then registers them; an error says what is wrong.
inline std::string follow_plan(const std::string& program, const std::vector<std::string>& asked) {
    auto& run = current_plan();
    if (!run.followed) {
        if (!asked.empty()) return "--phase needs a plan: give --plan FILE";
        return {};
    }
    if (auto why = select_phases(program, asked); !why.empty()) return why;
    run_values values;
    values.rollback_started = state().since;
    values.started = state().record.started;
    bind_plan_checks(*state().loaded, values);
    const auto faults = validate_plan_checks();
    if (!faults.empty()) {
        std::string text = fmt::format("plan file {} cannot be used:", run.followed->file.string());
        for (const auto& f : faults)
            text += "\n  " + f;
        return text;
    }
    register_plan_checks();
    return {};
}

/// The plan's checks that the run's test specs select and that may run
/// beside others, started ahead on their threads.
inline void start_checks_ahead(Catch::Session& session, concurrency limits) {
    const auto& config = session.config();
    std::map<std::string, std::size_t> by_name;
    const auto& checks = current_plan().checks;
    for (std::size_t i = 0; i < checks.size(); ++i)
        by_name.emplace(checks[i].name, i);
    std::vector<std::size_t> ahead;
    for (const auto& test :
         Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config)) {
        const auto found = by_name.find(test.name);
        if (found != by_name.end() && runs_alongside(checks[found->second]))
            ahead.push_back(found->second);
    }
    std::sort(ahead.begin(), ahead.end());
    if (limits.jobs != 1 && ahead.size() > 1)
        prefetched() = std::make_unique<prefetched_checks>(std::move(ahead), limits);
}

/// What the listing options need to know of the run.
struct listing_request {
    std::string plan_file, target_file, since_text;
    std::vector<std::string> phases;
};

/// `--list-programs`, `--list-tests` and the like: the plan's checks are
/// listed as a run would name them, with the target's values, or the plan's
/// defaults when no target is given.
inline int list_plan(Catch::Session& session, const std::string& name, const listing_request& asked,
                     const std::filesystem::path& default_plan, bool programs) {
    auto why = load_run_plan(asked.plan_file, asked.target_file, default_plan);
    const auto& followed = current_plan().followed;
    if (why.empty() && programs && !followed) why = "no plan: give --plan FILE";
    if (why.empty() && programs) {
        if (!followed->program.empty()) std::cout << followed->program << '\n';
        for (const auto& phase : followed->phases)
            if (!phase.program.empty()) std::cout << phase.program << '\n';
        return 0;
    }
    if (why.empty() && !asked.target_file.empty())
        why = prepare_run(asked.target_file, asked.since_text, "", false);
    else if (why.empty())
        state().loaded = parse_target("", "the plan's defaults",
                                      followed ? followed->facts() : target_plan_facts{})
                             .value;
    if (why.empty() && !state().loaded) why = "the plan's [defaults] cannot be read";
    if (why.empty()) why = follow_plan(name, asked.phases);
    if (!why.empty()) {
        std::cerr << "error: " << why << '\n';
        return 2;
    }
    register_declared_checks();
    // Catch2 returns the number of what it listed; a listing that worked is a 0.
    return session.run() < 0 ? 2 : 0;
}

} // namespace detail

namespace suite {

/// Runs the suite `name`: every Catch2 option, plus `--target FILE` (required
/// to run checks), `--plan FILE`, `--phase ID`, `--since TIME` and `--report
/// DIR`. Returns the exit status of the worst verdict (0 pass/warn/skip, 1
/// fail, 2 error), whatever Catch2 would have returned; 2 without a usable
/// target or plan, or when no test case ran.
///
/// The run follows a plan: `--plan`, else the target's `[rollback] plan`,
/// else `default_plan` (none: the program's own test cases and the target's
/// `[[check]]` tables alone). It checks the phases `--phase` names, else the
/// phase whose program `name` is, else every phase; each of their checks,
/// and each `[[check]]` of the target in them, runs as a test case.
inline int run(int argc, char* argv[], const std::string& name,
               const std::filesystem::path& default_plan = {}) {
    Catch::Session session;
    std::string target_file, since_text, report_dir, waiver_file, before_dir, plan_file;
    std::vector<std::string> phases;
    bool wait = false, quiet = false, list_programs = false;
    detail::concurrency limits;
    auto& notify = detail::run_notify();
    std::string notify_timeout = "10s", deadline_text;
    using Catch::clara::Opt;
    // rollcheck's options lead --help, Catch2's follow. The program's name
    // first, as in Catch2's own parser: its usage line and run name read it.
    session.cli(Catch::clara::ExeName(session.configData().processName) |
                Opt(target_file, "file")["--target"]("the system to verify (a TOML target file)") |
                Opt(plan_file, "file")["--plan"]("the runbook to follow (a TOML plan file)") |
                Opt(phases, "id")["--phase"]("check this phase of the plan (repeatable)") |
                Opt(list_programs)["--list-programs"](
                    "print the programs the plan names, one a line, and exit") |
                Opt(limits.jobs, "n")["--jobs"](
                    "checks run at once (default: the cores plus --db-connections; 1: one at "
                    "a time)") |
                Opt(limits.db_budget,
                    "n")["--db-connections"]("checks that query the database at once (default 2)") |
                Opt(since_text, "time")["--since"]("when the rollback started (ISO 8601)") |
                Opt(report_dir, "dir")["--report"](
                    fmt::format("write {} here", fmt::join(report_files, ", "))) |
                Opt(wait)["--wait"]("re-run failing checks until verified or the phase's recovery "
                                    "deadline") |
                Opt(waiver_file, "file")["--waivers"]("waivers of known P2/P3 failures (TOML)") |
                Opt(before_dir, "dir")["--before"](
                    "reports of a run taken before the rollback: each failing check is marked "
                    "new since the rollback or failing before it too") |
                Opt(quiet)["--quiet"]("no progress on stderr (shown only when it is a terminal)") |
                Opt(notify.url, "url")["--notify"]("post the verdict to this incoming webhook "
                                                   "(Slack, Mattermost)") |
                Opt(notify.command, "command")["--notify-command"](
                    "pipe the verdict to this shell command (mail -s ...)") |
                Opt(notify_timeout,
                    "duration")["--notify-timeout"]("deadline of each notice (default 10s)") |
                Opt(deadline_text, "duration")["--deadline"](
                    "stop the run after this long, as SIGTERM would: the reports are written") |
                session.cli());
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return 2;
    // The run works in the project's root: the reports go where they were asked for.
    if (!report_dir.empty()) report_dir = std::filesystem::absolute(report_dir).string();
    detail::before_reports() = before_dir;
    {
        std::string why;
        const auto timeout = parse_duration(notify_timeout, why);
        if (!timeout) {
            std::cerr << "error: --notify-timeout " << why << '\n';
            return 2;
        }
        notify.timeout = *timeout;
    }
    std::chrono::milliseconds deadline{0};
    if (!deadline_text.empty()) {
        std::string why;
        const auto span = parse_duration(deadline_text, why);
        if (!span) {
            std::cerr << "error: --deadline " << why << '\n';
            return 2;
        }
        deadline = *span;
    }
    auto& config = session.configData();
    if (config.showHelp || config.listReporters) return session.run();
    if (list_programs || config.listTests || config.listTestNamesOnly || config.listTags)
        return detail::list_plan(session, name, {plan_file, target_file, since_text, phases},
                                 default_plan, list_programs);

    // Long work shows its progress to a person watching stderr, never in a log.
    std::optional<progress_scope> shown;
    if (!quiet && terminal_progress::is_terminal(2)) {
        auto terminal = std::make_shared<terminal_progress>(2);
        shown.emplace([terminal](const progress_event& e) { (*terminal)(e); });
    }
    auto& record = detail::state().record;
    record.suite = name;
    record.target = target_file;
    record.started = std::chrono::system_clock::now();
    record.hostname = detail::host_name();
    record.user = detail::user_name();
    record.version = std::string(rollcheck::version);
    if (auto why = detail::load_run_plan(plan_file, target_file, default_plan); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".plan", why);
        detail::finish_run(report_dir);
        return 2;
    }
    if (const auto why = detail::prepare_run(target_file, since_text, waiver_file, wait);
        !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".target", why);
        detail::finish_run(report_dir);
        return 2;
    }
    if (const auto why = detail::follow_plan(name, phases); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".plan", why);
        detail::finish_run(report_dir);
        return 2;
    }
    detail::register_declared_checks();
    if (const auto why = detail::check_waiver_names(name); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::state().waivers.clear();
        detail::record_setup_error(name + ".waivers", why);
        detail::finish_run(report_dir);
        return 2;
    }
    config.warnings =
        static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
    detail::record_verifier_results();
    if (detail::state().wait) detail::retry_until_deadline();
    std::string deadline_source = "--deadline " + deadline_text;
    if (deadline_text.empty() && detail::state().loaded->deadline) {
        deadline = *detail::state().loaded->deadline;
        deadline_source = "[rollback] deadline " + describe_span(deadline);
    }
    {
        // Catch2's configuration opens -o FILE before the run enters the project.
        (void)session.config();
        const detail::in_project here(*detail::state().loaded);
        if (!here.error().empty()) {
            std::cerr << "error: " << here.error() << '\n';
            detail::record_setup_error(name + ".project", here.error());
            detail::finish_run(report_dir);
            return 2;
        }
        const detail::run_deadline stops_at(deadline, deadline_source);
        detail::start_checks_ahead(session, limits);
        session.run(); // the verdicts decide the exit status, not Catch2's count of failures
        detail::prefetched().reset();
    }
    if (record.cases.empty()) {
        std::cerr << "error: no test case ran (a filter that matches nothing?)\n";
        detail::finish_run(report_dir);
        return 2;
    }
    return detail::finish_run(report_dir);
}

} // namespace suite

} // namespace rollcheck
