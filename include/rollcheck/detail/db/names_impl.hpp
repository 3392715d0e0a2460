/// \file detail/db/names_impl.hpp
/// Definitions of postgres.hpp that need no connection, included at its end:
/// a DSN's password masked, table names read and written. Separately
/// compiled, they are part of src_core.hpp, not src_db.hpp: reading a
/// target file masks its DSN, and a program that reads target files need
/// not link the PostgreSQL checks for it.
#pragma once

#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include "../../postgres.hpp"

namespace rollcheck {

ROLLCHECK_INLINE std::string mask_dsn(std::string_view dsn) {
    static const std::regex keyword(R"((password\s*=\s*)('(\\.|[^'\\])*'?|[^\s&]*))",
                                    std::regex::icase);
    static const std::regex userinfo(R"(((?:postgres|postgresql)://[^:/@\s]*:)[^@\s]*@)",
                                     std::regex::icase);
    std::string text = std::regex_replace(std::string(dsn), keyword, "$1***");
    return std::regex_replace(text, userinfo, "$1***@");
}

ROLLCHECK_INLINE table_ref table_ref::parse(std::string_view text) {
    std::vector<std::string> parts(1);
    bool quoted = false;
    bool part_was_quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c != '"')
                parts.back() += c;
            else if (i + 1 < text.size() && text[i + 1] == '"')
                parts.back() += text[++i];
            else
                quoted = false;
        } else if (c == '"' && parts.back().empty() && !part_was_quoted) {
            quoted = part_was_quoted = true;
        } else if (c == '.') {
            parts.emplace_back();
            part_was_quoted = false;
        } else if (part_was_quoted) {
            throw std::invalid_argument(fmt::format(
                "table name '{}': text after a closing double quote (at offset {})", text, i));
        } else {
            parts.back() += c;
        }
    }
    if (quoted)
        throw std::invalid_argument(
            fmt::format("table name '{}': unterminated double quote", text));
    if (parts.size() > 2)
        throw std::invalid_argument(fmt::format(
            "table name '{}' has {} dots: give the schema separately, or double-quote a name "
            "that holds a dot (\"my.schema\".\"t\")",
            text, parts.size() - 1));
    for (const auto& p : parts)
        if (p.empty())
            throw std::invalid_argument(fmt::format("table name '{}': an empty part", text));
    if (parts.size() == 1) return table_ref{"", parts[0]};
    return table_ref{parts[0], parts[1]};
}

ROLLCHECK_INLINE std::string table_ref::display() const {
    const auto show = [](const std::string& part) {
        if (part.find_first_of(". \"") == std::string::npos) return part;
        std::string out = "\"";
        for (const char c : part)
            out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    return schema.empty() ? show(name) : show(schema) + "." + show(name);
}

} // namespace rollcheck
