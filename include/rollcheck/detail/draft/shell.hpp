/// \file detail/draft/shell.hpp
/// A runbook's command line as the shell splits it: words (quotes removed,
/// `$(...)` kept whole) and the simple commands between `|`, `&&`, `||`,
/// `;` and `&`. Enough to know what a step runs and with what; nothing is
/// expanded, and nothing runs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rollcheck::detail::draft {

/// One simple command of a line.
struct shell_command {
    std::vector<std::string> words;
    bool background = false; ///< ended by `&`
    bool piped = false;      ///< its output goes to the next command (`|`)
};

/// Whether `c` ends a word outside quotes.
[[nodiscard]] inline bool shell_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

/// The simple commands of `line`, in order; a `#` that starts a word ends
/// the line, and what follows it goes to `comment`. Unbalanced quotes end
/// at the line's end, as a reader would.
[[nodiscard]] inline std::vector<shell_command> shell_commands(std::string_view line,
                                                               std::string* comment = nullptr) {
    std::vector<shell_command> commands(1);
    std::string word;
    bool in_word = false;
    const auto end_word = [&] {
        if (in_word) commands.back().words.push_back(word);
        word.clear();
        in_word = false;
    };
    const auto end_command = [&](bool background, bool piped) {
        end_word();
        if (commands.back().words.empty()) return;
        commands.back().background = background;
        commands.back().piped = piped;
        commands.emplace_back();
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        const char next = i + 1 < line.size() ? line[i + 1] : '\0';
        if (shell_blank(c)) {
            end_word();
        } else if (c == '#' && !in_word) {
            if (comment != nullptr) *comment = std::string(line.substr(i + 1));
            break;
        } else if (c == '\'') {
            in_word = true;
            const auto close = line.find('\'', i + 1);
            word += line.substr(i + 1, close == std::string_view::npos ? close : close - i - 1);
            i = close == std::string_view::npos ? line.size() : close;
        } else if (c == '"') {
            in_word = true;
            for (++i; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] == '\\' && i + 1 < line.size() &&
                    std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos)
                    ++i;
                word += line[i];
            }
        } else if (c == '\\' && next != '\0') {
            in_word = true;
            word += next;
            ++i;
        } else if (c == '$' && next == '(') {
            // A command substitution stays one piece of its word, as written.
            in_word = true;
            int depth = 0;
            for (; i < line.size(); ++i) {
                word += line[i];
                if (line[i] == '(') ++depth;
                if (line[i] == ')' && --depth == 0) break;
            }
        } else if (c == ';') {
            end_command(false, false);
        } else if (c == '&' && next == '&') {
            end_command(false, false);
            ++i;
        } else if (c == '|' && next == '|') {
            end_command(false, false);
            ++i;
        } else if (c == '|') {
            end_command(false, true);
        } else if (c == '&' && next != '>' && (i == 0 || line[i - 1] != '>')) {
            end_command(true, false);
        } else {
            in_word = true;
            word += c;
        }
    }
    end_word();
    if (commands.back().words.empty()) commands.pop_back();
    return commands;
}

/// `words` without leading `sudo` (and its options) and `VAR=value`
/// assignments: the program the command runs, first.
[[nodiscard]] inline std::vector<std::string> program_words(std::vector<std::string> words) {
    std::size_t start = 0;
    while (start < words.size()) {
        const auto& w = words[start];
        const auto equals = w.find('=');
        if (w == "sudo" || w == "time" || w == "nohup" || w == "exec") {
            ++start;
            while (start < words.size() && words[start].size() > 1 && words[start][0] == '-')
                ++start;
        } else if (equals != std::string::npos && equals > 0 && w[0] != '-' &&
                   w.find('/') > equals) {
            ++start;
        } else {
            break;
        }
    }
    words.erase(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(start));
    return words;
}

/// The last component of a program's path: "/usr/bin/python3" → "python3".
[[nodiscard]] inline std::string program_name(const std::string& word) {
    const auto slash = word.rfind('/');
    return slash == std::string::npos ? word : word.substr(slash + 1);
}

} // namespace rollcheck::detail::draft
