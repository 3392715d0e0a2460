/// \file detail/process/pytest.hpp
/// pytest as pytest means it: which command lines run it, and what its
/// output says about a session (the tests that failed, the files that did
/// not collect, its own usage and internal errors).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "argv.hpp"
#include "output.hpp"

namespace rollcheck::detail {

inline bool runs_pytest(const std::vector<std::string>& argv, int depth = 0);

/// The simple commands of a shell script, as words (quotes dropped, which is
/// enough to find a program's name: no word is expanded or run).
inline std::vector<std::vector<std::string>> shell_commands(std::string_view script) {
    std::vector<std::vector<std::string>> commands(1);
    std::string word;
    const auto end_word = [&] {
        if (!word.empty()) commands.back().push_back(std::move(word));
        word.clear();
    };
    for (const char c : script) {
        if (c == '\'' || c == '"') continue;
        if (c == ' ' || c == '\t') {
            end_word();
        } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '\n' ||
                   c == '`') {
            end_word();
            if (!commands.back().empty()) commands.emplace_back();
        } else {
            word += c;
        }
    }
    end_word();
    return commands;
}

/// True when one of the script's simple commands runs pytest; a command's
/// leading assignments and keywords (`then`, `exec`, `time`, …) are passed over.
inline bool script_runs_pytest(std::string_view script, int depth) {
    static constexpr std::array<std::string_view, 10> keywords = {
        "then", "do", "else", "elif", "exec", "time", "command", "!", "{", "nohup"};
    for (auto words : shell_commands(script)) {
        auto first = words.begin();
        while (first != words.end() &&
               (first->find('=') != std::string::npos ||
                std::find(keywords.begin(), keywords.end(), *first) != keywords.end()))
            ++first;
        if (runs_pytest({first, words.end()}, depth + 1)) return true;
    }
    return false;
}

/// True when `argv` runs pytest: `pytest` or `py.test` by any path (a
/// virtualenv's bin/pytest), an interpreter's `-m pytest`, either through
/// `env`, or a shell's `-c` script holding such a command.
inline bool runs_pytest(const std::vector<std::string>& argv, int depth) {
    const auto at = program_index(argv);
    if (at == argv.size()) return false;
    const auto program = program_name(argv[at]);
    if (program == "pytest" || program == "py.test" || program == "pytest-3") return true;
    if (is_python_name(program)) {
        const auto target = read_python_args(argv, at + 1);
        return target.kind == python_target::module &&
               (target.name == "pytest" || target.name == "py.test");
    }
    if (is_shell_name(program) && depth < 3)
        for (auto i = at + 1; i < argv.size() && argv[i].rfind('-', 0) == 0; ++i)
            if (argv[i].find('c') != std::string::npos && argv[i].rfind("--", 0) != 0)
                return i + 1 < argv.size() && script_runs_pytest(argv[i + 1], depth);
    return false;
}

/// A test, or a file, and what pytest said about it.
struct pytest_item {
    std::string id;      ///< "tests/test_x.py::test_two", or a file that did not collect
    std::string message; ///< "AssertionError: two is not one"; may be empty
};

/// What a pytest session's output says.
struct pytest_session {
    nlohmann::json counts = nlohmann::json::object(); ///< pytest_counts
    std::vector<pytest_item> failed;                  ///< `FAILED id - message`
    std::vector<pytest_item> errored;                 ///< `ERROR id - message` of a test
    std::vector<pytest_item> uncollected;             ///< `ERROR collecting file` sections
    std::string usage_error;    ///< "__main__.py: error: unrecognized arguments: --cov=core"
    std::string internal_error; ///< the last `INTERNALERROR>` line
    std::string interruption;   ///< "Interrupted: 1 error during collection", "KeyboardInterrupt"

    [[nodiscard]] long long count(const char* outcome) const { return counts.value(outcome, 0LL); }
    /// Tests that ran to an outcome (skipped and deselected ones did not).
    [[nodiscard]] long long ran() const {
        return count("passed") + count("failed") + count("xfailed") + count("xpassed");
    }
    /// "2 ran, 1 failed, 1 errored, 1 skipped", and the deselected when any were.
    [[nodiscard]] std::string describe() const {
        auto text = fmt::format("{} ran, {} failed, {} errored, {} skipped", ran(), count("failed"),
                                count("error"), count("skipped"));
        if (count("deselected") > 0) text += fmt::format(", {} deselected", count("deselected"));
        return text;
    }
};

/// Reads a pytest session from its stdout and stderr, as far as they were kept.
inline pytest_session read_pytest(std::string_view out, std::string_view err) {
    static const RE2 summary_item(R"((FAILED|ERROR) (\S+)(?: - (.*))?)");
    static const RE2 collecting(R"(_+ ERROR collecting (.+?) _+)");
    static const RE2 section(R"((?:_{3,}|={3,}) .*)");
    static const RE2 located(R"re(E\s+File "(.*)", line (\d+))re");
    static const RE2 interrupted(R"(!{3,} (.+?) !{3,})");
    pytest_session s;
    s.counts = pytest_counts(out);
    std::string id, message, file, line;
    pytest_item* collecting_now = nullptr;
    std::string where;
    for (std::string_view text : {out, err}) {
        while (!text.empty()) {
            const auto newline = text.find('\n');
            const auto row = std::string(text.substr(0, newline));
            text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
            if (RE2::FullMatch(row, collecting, &file)) {
                s.uncollected.push_back({file, ""});
                collecting_now = &s.uncollected.back();
                where.clear();
                continue;
            }
            if (collecting_now != nullptr && RE2::FullMatch(row, section)) collecting_now = nullptr;
            if (collecting_now != nullptr) {
                // The exception is the section's last "E   " line; a syntax
                // error's location comes in an "E   File …, line N" line before it.
                if (RE2::PartialMatch(row, located, &file, &line))
                    where = fmt::format(" ({}:{})", file, line);
                else if (row.rfind("E ", 0) == 0)
                    collecting_now->message = row.substr(row.find_first_not_of(" E")) + where;
                continue;
            }
            std::string kind;
            message.clear();
            if (RE2::FullMatch(row, summary_item, &kind, &id, &message)) {
                // A file's collection error is listed as "ERROR file"; its
                // section above already named it with its exception.
                if (id.find("::") != std::string::npos || kind == "FAILED")
                    (kind == "FAILED" ? s.failed : s.errored).push_back({id, message});
            } else if (row.rfind("INTERNALERROR> ", 0) == 0) {
                s.internal_error = row.substr(15);
            } else if (s.usage_error.empty() && row.find(": error: ") != std::string::npos) {
                s.usage_error = row;
            } else if (s.usage_error.empty() && row.rfind("ERROR: ", 0) == 0 &&
                       row.rfind("ERROR: usage:", 0) != 0) {
                s.usage_error = row.substr(7);
            } else if (RE2::FullMatch(row, interrupted, &message)) {
                s.interruption = message;
            }
        }
    }
    return s;
}

} // namespace rollcheck::detail
