// rollcheck's crontab lint against Debian's cron itself: each crontab, written
// by hand (fixtures/debian) or generated, is installed with `crontab -u USER
// FILE` on a throwaway user and linted. Every file cron refuses must fail the
// lint; every clean file cron installs must pass. Where rollcheck is stricter
// than cron on purpose, `stricter` below says which messages and why.
//
// The cron daemon is never started: crontab(1) alone judges, so no job runs.
// Needs root (useradd, crontab -u) and crontab(1); elsewhere the cases that
// need cron say SKIPPED, which ctest reports as a skip.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/crontab.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = ROLLCHECK_CRON_FIXTURES;
const char* const crontab_program = "/usr/bin/crontab";

/// What rollcheck refuses and Debian's cron installs, and why.
struct stricter_rule {
    const char* message; ///< a regular expression over the whole message
    const char* why;
};
const stricter_rule stricter[] = {
    {"missing command after the schedule", "an entry without a command runs nothing"},
    {".* range .* is backwards", "cron installs it and it never fires"},
    {"command ends with a carriage return .*",
     "cron keeps the '\\r' in the command, which then fails when it runs"},
    {"6 time fields .* reads '[^*].*' as the start of the command",
     "cron runs the sixth field as a command, which is not what was meant"},
    {"CRON_TZ: .*", "a zone the tz database lacks cannot be what was meant"},
    {"environment setting with no name .*", "a variable named '' is of use to no program"},
    {".* step [0-9]+ \\(a step must be 1 to [0-9]+\\)",
     "cron takes a step of 5 digits or more and fires at the start of the range alone"},
    {"(minute|hour|day of month|month|day of week): unexpected .*",
     "cron stops reading a field at a character it does not expect and ignores the rest of the "
     "field: '26%,9' reads as 26, '*:/59' as '*'"},
};

/// The stricter rule that explains `message`, if any.
const stricter_rule* stricter_for(const std::string& message) {
    for (const auto& rule : stricter)
        if (std::regex_match(message, std::regex(rule.message))) return &rule;
    return nullptr;
}

crontab lint(const std::string& text, const std::string& name) {
    crontab_options options;
    options.check_programs = false; // the throwaway user's programs are not the point
    return parse_crontab(text, name, options);
}

/// `text` with control bytes shown, for a failure's message.
std::string shown(const std::string& text) {
    std::string out;
    for (const char c : text)
        out += c == '\n'   ? std::string("\\n\n")
               : c == '\r' ? std::string("\\r")
               : c == '\t' ? std::string("\\t")
                           : std::string(1, c);
    return out;
}

std::vector<std::string> errors_of(const crontab& tab) {
    std::vector<std::string> out;
    for (const auto& d : tab.diagnostics)
        if (d.severity == cron_severity::error) out.push_back(d.message);
    return out;
}

/// A user made for the test, whose crontab crontab(1) installs; removed,
/// crontab and all, at the end.
class throwaway_user {
public:
    /// Nothing, and `why`, when this machine cannot judge.
    static std::unique_ptr<throwaway_user> make(std::string& why) {
        if (::geteuid() != 0) {
            why = "not root: crontab -u and useradd need root";
            return nullptr;
        }
        if (::access(crontab_program, X_OK) != 0) {
            why = "no crontab(1): Debian's cron is not installed";
            return nullptr;
        }
        const auto made = rollcheck_test::run_program(
            "/bin/sh", {"-c",
                        "id -u \"$0\" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "
                        "\"$0\"",
                        name_});
        if (!made.succeeded()) {
            why = "useradd failed: " + made.err.text();
            return nullptr;
        }
        return std::unique_ptr<throwaway_user>(new throwaway_user);
    }
    /// The user, or nothing after a SKIPPED warning that says why.
    static std::unique_ptr<throwaway_user> make_or_skip() {
        std::string why;
        auto user = make(why);
        if (!user) WARN("SKIPPED: " << why);
        return user;
    }
    ~throwaway_user() {
        (void)rollcheck_test::run_program(crontab_program, {"-u", name_, "-r"});
        (void)rollcheck_test::run_program("userdel", {name_});
    }
    throwaway_user(const throwaway_user&) = delete;
    throwaway_user& operator=(const throwaway_user&) = delete;

    /// Whether crontab(1) installs `file`; `said` gets what it printed.
    bool installs(const fs::path& file, std::string& said) const {
        const auto r = rollcheck_test::run_program(crontab_program, {"-u", name_, file.string()});
        said = r.err.text() + r.out.text();
        return r.succeeded();
    }

private:
    throwaway_user() = default;
    /// One per process: test cases run side by side each have their own.
    static inline const std::string name_ = fmt::format("rollcheck-cron{}", ::getpid());
};

std::vector<fs::path> fixture_files(const std::string& group) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fixtures / group))
        if (e.path().extension() == ".crontab") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

const char* const groups[] = {"refused", "installed", "stricter"};

/// Crontab lines of every form cron reads, each clean: no rollcheck error
/// or warning. Then one random change to a line, or to the file.
class crontab_generator {
public:
    explicit crontab_generator(unsigned seed) : rng_(seed) {}

    /// A job line first, so that every change has a line to work on.
    std::string clean_file(std::size_t id) {
        std::string out = job(id, 0) + "\n";
        for (int n = pick(0, 5), k = 1; k <= n; ++k)
            out += line(id, static_cast<std::size_t>(k)) + "\n";
        return out;
    }

    /// `text` with one random change, and what it was.
    std::string mutate(std::string text, std::string& what) {
        switch (pick(0, 9)) {
        case 0:
            what = "last newline dropped";
            text.pop_back();
            return text;
        case 1:
            what = "CRLF line ends";
            return std::regex_replace(text, std::regex("\n"), "\r\n");
        case 2:
            what = "a seconds field before the schedule";
            return std::regex_replace(text, std::regex("(^|\n)([0-9*])"), "$1" + field(0) + " $2");
        case 3: {
            what = "a long command";
            const auto at = text.find('\n');
            return text.substr(0, at) + " " +
                   std::string(static_cast<std::size_t>(pick(980, 1010)), 'x') + text.substr(at);
        }
        case 4: {
            what = "a line cut short";
            const auto at = static_cast<std::size_t>(pick(0, static_cast<int>(text.size()) - 2));
            return text.substr(0, at) + text.substr(text.find('\n', at));
        }
        default: {
            static const std::string alphabet = "0123456789*/-,? \t@#=%\\\rAaZzJjSs:.7";
            const auto at = static_cast<std::size_t>(pick(0, static_cast<int>(text.size()) - 2));
            const char c =
                alphabet[static_cast<std::size_t>(pick(0, static_cast<int>(alphabet.size()) - 1))];
            switch (pick(0, 2)) {
            case 0:
                what = fmt::format("byte {} replaced by '{}'", at, shown(std::string(1, c)));
                text[at] = c;
                break;
            case 1:
                what = fmt::format("'{}' inserted at byte {}", shown(std::string(1, c)), at);
                text.insert(at, 1, c);
                break;
            default:
                what = fmt::format("byte {} deleted", at);
                text.erase(at, 1);
            }
            return text;
        }
        }
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

    std::string blanks() { return pick(0, 3) ? " " : pick(0, 1) ? "\t" : "  \t "; }

    std::string line(std::size_t id, std::size_t k) {
        switch (pick(0, 4)) {
        case 0: {
            static const char* const vars[] = {"MAILTO=\"\"",          "SHELL=/bin/sh",
                                               "PATH = /usr/bin:/bin", "HOME='/tmp'",
                                               "CRON_TZ=UTC",          "X=a b c"};
            return vars[pick(0, 5)];
        }
        case 1:
            return pick(0, 1) ? "# a comment" : "";
        default:
            return job(id, k);
        }
    }

    /// Five fields or an @keyword, then a command that does nothing.
    std::string job(std::size_t id, std::size_t k) {
        const auto command = fmt::format("/bin/true job-{}-{}", id, k);
        if (pick(0, 5) == 0) {
            static const char* const keywords[] = {"@reboot", "@yearly", "@annually", "@monthly",
                                                   "@weekly", "@daily",  "@midnight", "@hourly"};
            return keywords[pick(0, 7)] + blanks() + command;
        }
        std::string out = pick(0, 4) ? "" : blanks();
        month_restricted_ = false;
        std::string fields[5];
        for (int f = 4; f >= 0; --f) // the month before the day of month
            fields[f] = field(f);
        for (const auto& f : fields)
            out += f + blanks();
        return out + command + (pick(0, 4) ? "" : blanks());
    }

    /// `v` as a number or, in the month and day-of-week fields, a name in either case.
    std::string value(int f, int v) {
        static const char* const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                             "jul", "aug", "sep", "oct", "nov", "dec"};
        static const char* const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        std::string name;
        if (f == 3 && pick(0, 3) == 0) name = months[v - 1];
        if (f == 4 && v < 7 && pick(0, 3) == 0) name = days[v];
        if (name.empty()) return std::to_string(v);
        if (pick(0, 1)) name[0] = static_cast<char>(name[0] - 'a' + 'A');
        return name;
    }

    std::string field(int f) {
        static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
        // A restricted month with day 29-31 may never fire (a warning): keep to 28.
        const int top = f == 2 && month_restricted_ ? 28 : hi[f];
        std::string out;
        switch (pick(0, 4)) {
        case 0:
            return "*";
        case 1:
            return "*/" + std::to_string(pick(1, hi[f] - lo[f] + 1));
        default:
            for (int n = pick(1, 3), k = 0; k < n; ++k) {
                const int a = pick(lo[f], top), b = pick(a, top);
                out += k ? "," : "";
                switch (pick(0, 2)) {
                case 0:
                    out += value(f, a);
                    break;
                case 1:
                    out += value(f, a) + "-" + value(f, b);
                    break;
                default:
                    out += std::to_string(a) + "-" + std::to_string(b) + "/" +
                           std::to_string(pick(1, b - a + 1));
                }
            }
            month_restricted_ = month_restricted_ || f == 3;
            return out;
        }
    }

    std::mt19937 rng_;
    bool month_restricted_ = false;
};

constexpr std::size_t generated_files = 600;

/// ROLLCHECK_PROPERTY_SEED=N reproduces a run, as in the other generated tests.
unsigned generator_seed() {
    const char* text = std::getenv("ROLLCHECK_PROPERTY_SEED");
    return text != nullptr && *text != '\0' ? static_cast<unsigned>(std::strtoul(text, nullptr, 10))
                                            : 20261207;
}

} // namespace

TEST_CASE("hand-written crontabs: rollcheck's whole messages") {
    for (const auto* group : groups) {
        for (const auto& file : fixture_files(group)) {
            const auto name = fmt::format("{}/{}", group, file.filename().string());
            INFO(name);
            std::vector<std::string> got;
            for (const auto& d : lint(rollcheck_test::read_text(file), name).diagnostics)
                got.push_back(d.text());
            auto expected_file = file;
            std::istringstream expected_text(
                rollcheck_test::read_text(expected_file.replace_extension(".lint")));
            std::vector<std::string> expected;
            for (std::string l; std::getline(expected_text, l);)
                expected.push_back(l);
            CHECK(got == expected);
        }
    }
}

TEST_CASE("hand-written crontabs: Debian's cron refuses or installs each as its directory says") {
    const auto user = throwaway_user::make_or_skip();
    if (!user) return;
    for (const auto* group : groups) {
        for (const auto& file : fixture_files(group)) {
            std::string said;
            const bool installed = user->installs(file, said);
            const auto tab = lint(rollcheck_test::read_text(file), file.filename().string());
            INFO(group << "/" << file.filename().string() << ": crontab(1) said: " << said);
            CHECK(installed == (std::string(group) != "refused"));
            CHECK(errors_of(tab).empty() == (std::string(group) == "installed"));
            if (std::string(group) == "stricter") {
                CHECK_THAT(rollcheck_test::read_text(file), Catch::StartsWith("# stricter: "));
                for (const auto& e : errors_of(tab))
                    CHECK(stricter_for(e) != nullptr);
            }
        }
    }
}

TEST_CASE("generated crontabs: what cron refuses fails the lint, clean ones cron installs pass") {
    const auto user = throwaway_user::make_or_skip();
    if (!user) return;
    rollcheck_test::temp_dir dir;
    const auto seed = generator_seed();
    INFO("seed " << seed << " (ROLLCHECK_PROPERTY_SEED reproduces it)");
    crontab_generator generate(seed);
    std::size_t refused = 0, agreed_install = 0, stricter_count = 0;
    for (std::size_t id = 0; id < generated_files; ++id) {
        const auto clean = generate.clean_file(id);
        std::string what = "clean";
        const bool mutated = id % 3 != 0;
        const auto text = mutated ? generate.mutate(clean, what) : clean;
        const auto file = dir.write(fmt::format("case-{}.crontab", id), text);
        std::string said;
        const bool installed = user->installs(file, said);
        const auto tab = lint(text, file.filename().string());
        const auto errors = errors_of(tab);
        INFO(fmt::format("case {} ({}):\n{}\ncrontab(1) said: {}", id, what, shown(text), said));
        if (!mutated) {
            CHECK(installed);
            for (const auto& d : tab.diagnostics)
                CHECK(d.text() == "");
        }
        if (!installed) {
            ++refused;
            CHECK(!errors.empty());
            continue;
        }
        for (const auto& e : errors) {
            INFO(e);
            CHECK(stricter_for(e) != nullptr);
        }
        ++(errors.empty() ? agreed_install : stricter_count);
    }
    // The run is only worth something if it reached each kind of case.
    CHECK(refused > generated_files / 10);
    CHECK(agreed_install > generated_files / 3);
    CHECK(stricter_count > 0);
    std::cout << fmt::format("{} generated crontabs: {} refused by cron and the lint, {} "
                             "installed and passed, {} installed and refused by the lint on "
                             "purpose\n",
                             generated_files, refused, agreed_install, stricter_count);
}
