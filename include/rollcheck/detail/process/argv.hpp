/// \file detail/process/argv.hpp
/// Reading a command line for what it runs: the program after `env`, and
/// what a Python interpreter's options say it runs (a script, `-m`, `-c`).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <re2/re2.h>

namespace rollcheck::detail {

/// The file name of a program word: "python3" of "/usr/bin/python3".
inline std::string program_name(const std::string& word) {
    return std::filesystem::path(word).filename().string();
}

/// python, python3, python3.11, pypy3: an interpreter that takes `-m`.
inline bool is_python_name(const std::string& name) {
    static const RE2 python(R"((?:python|pypy)[0-9.]*)");
    return RE2::FullMatch(name, python);
}

inline bool is_shell_name(const std::string& name) {
    return name == "sh" || name == "bash" || name == "dash" || name == "zsh" || name == "ksh";
}

/// The index of the program `argv` runs: past `env`, its options and its
/// NAME=VALUE words; argv.size() when there is none.
inline std::size_t program_index(const std::vector<std::string>& argv) {
    std::size_t i = 0;
    if (i < argv.size() && program_name(argv[i]) == "env")
        for (++i; i < argv.size() &&
                  (argv[i].rfind('-', 0) == 0 || argv[i].find('=') != std::string::npos);)
            ++i;
    return i;
}

/// What a Python interpreter runs, read from its options.
struct python_target {
    enum kind_t { script, module, code, none } kind = none;
    std::string name; ///< the script as given, or the module
};

/// Reads the words after a Python interpreter, from `argv[first]`, as Python
/// does: options (grouped `-Bu`, valued `-W x`, `-X x`), then `-m MODULE`,
/// `-c CODE` or the script; none for an interactive interpreter or stdin.
inline python_target read_python_args(const std::vector<std::string>& argv, std::size_t first) {
    for (auto i = first; i < argv.size(); ++i) {
        const auto& word = argv[i];
        if (word == "-") return {};
        if (word.size() < 2 || word[0] != '-') return {python_target::script, word};
        if (word == "--")
            return i + 1 < argv.size() ? python_target{python_target::script, argv[i + 1]}
                                       : python_target{};
        if (word.rfind("--", 0) == 0) continue; // --version, --help: nothing runs
        for (std::size_t c = 1; c < word.size(); ++c) {
            const char option = word[c];
            if (option != 'm' && option != 'c' && option != 'W' && option != 'X') continue;
            // The option's value: the rest of this word, or the next one.
            std::string value = word.substr(c + 1);
            if (value.empty() && i + 1 < argv.size()) value = argv[++i];
            if (option == 'm') return {python_target::module, value};
            if (option == 'c') return {python_target::code, value};
            break;
        }
    }
    return {};
}

} // namespace rollcheck::detail
