/// \file detail/draft/values.hpp
/// The runbook's literals (its table, key, log files, schedule) as the
/// draft's `[defaults]`: a check names the value by reference
/// (`${database.table}`), and the runbook's literal is the suggestion a
/// target may override. A literal the runbook leaves to the operator (a
/// date to fill in, a shell expression) is no default: the target must
/// give it.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "model.hpp"

namespace rollcheck::detail::draft {

/// What in `literal` the operator fills in ("YYYYMMDD", "$(date +%F)",
/// "<host>"), or "" when it is a value as it stands.
[[nodiscard]] inline std::string placeholder_in(std::string_view literal) {
    for (const std::string_view mark : {"$(", "${", "`", "<", "YYYY", "XXX"}) {
        const auto at = literal.find(mark);
        if (at == std::string_view::npos) continue;
        auto end = at + mark.size();
        if (mark == "$(" || mark == "${" || mark == "`" || mark == "<") {
            const char close = mark == "$(" ? ')' : mark == "${" ? '}' : mark == "`" ? '`' : '>';
            const auto found = literal.find(close, end);
            end = found == std::string_view::npos ? literal.size() : found + 1;
        } else {
            while (end < literal.size() && std::isupper(static_cast<unsigned char>(literal[end])))
                ++end;
        }
        return std::string(literal.substr(at, end - at));
    }
    if (const auto dollar = literal.find('$'); dollar != std::string_view::npos) {
        auto end = dollar + 1;
        while (end < literal.size() &&
               (std::isalnum(static_cast<unsigned char>(literal[end])) || literal[end] == '_'))
            ++end;
        if (end > dollar + 1) return std::string(literal.substr(dollar, end - dollar));
    }
    return {};
}

/// `text` from the runbook as a check's title or option holds it: a `${`
/// in it is no reference to the target, so it is written `$${`.
[[nodiscard]] inline std::string literal(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "${") == 0) out += '$';
        out += text[i];
    }
    return out;
}

/// Each of `texts` as literal() writes it.
[[nodiscard]] inline std::vector<std::string> literals(std::vector<std::string> texts) {
    for (auto& t : texts)
        t = literal(t);
    return texts;
}

/// The `[defaults]` a draft suggests, each from the runbook line that gave it.
class value_book {
public:
    /// A reference to `section.key` holding `literal`: "${section.key}"
    /// the first time, and whenever the runbook gives the same literal
    /// again; the literal itself when the runbook gives another one (the
    /// default holds the first, as the runbook writes it).
    [[nodiscard]] std::string refer(const std::string& section, const std::string& key,
                                    const std::string& text, std::size_t line,
                                    const std::string& comment = {}) {
        if (auto* v = find(section, key)) {
            if (v->values == std::vector<std::string>{text} || !v->given)
                return reference(section, key);
            return literal(text);
        }
        auto& v = add(section, key, {text}, false, line, comment);
        if (text.find_first_not_of(" \t") == std::string::npos) {
            // A target holds no empty value: the runbook left it out.
            v.given = false;
            v.comment = "the runbook gives it empty: the target names it";
        } else if (const auto hole = placeholder_in(text); !hole.empty()) {
            v.given = false;
            v.comment = fmt::format("the runbook's {}: {} is for the operator to fill in, so the "
                                    "target names it",
                                    text, hole);
        }
        return reference(section, key);
    }

    /// A list value (`[logs] files`): a reference when it is the first or the same.
    bool refer_list(const std::string& section, const std::string& key,
                    const std::vector<std::string>& literals, std::size_t line,
                    const std::string& comment = {}) {
        if (auto* v = find(section, key)) return v->values == literals;
        auto& v = add(section, key, literals, true, line, comment);
        // A target holds no empty value: a list with one is left to it.
        v.given = std::none_of(literals.begin(), literals.end(), [](const std::string& l) {
            return l.find_first_not_of(" \t") == std::string::npos;
        });
        return true;
    }

    /// Declares `section.key` without a value: the target must give it.
    void leave(const std::string& section, const std::string& key, bool list,
               const std::string& comment) {
        if (find(section, key) == nullptr) add(section, key, {}, list, 0, comment).given = false;
    }

    [[nodiscard]] bool has(const std::string& section, const std::string& key) const {
        return std::any_of(values_.begin(), values_.end(), [&](const drafted_value& v) {
            return v.section == section && v.key == key;
        });
    }

    [[nodiscard]] static std::string reference(const std::string& section, const std::string& key) {
        return fmt::format("${{{}.{}}}", section, key);
    }

    [[nodiscard]] std::vector<drafted_value> take() && { return std::move(values_); }

private:
    drafted_value& add(const std::string& section, const std::string& key,
                       std::vector<std::string> values, bool list, std::size_t line,
                       const std::string& comment) {
        drafted_value v;
        v.section = section;
        v.key = key;
        v.values = std::move(values);
        v.list = list;
        v.line = line;
        v.comment = comment;
        values_.push_back(std::move(v));
        return values_.back();
    }

    drafted_value* find(const std::string& section, const std::string& key) {
        for (auto& v : values_)
            if (v.section == section && v.key == key) return &v;
        return nullptr;
    }

    std::vector<drafted_value> values_;
};

} // namespace rollcheck::detail::draft
