// A result's kept evidence as the text people read, for tests to compare.
#pragma once

#include <string>
#include <vector>

#include <rollcheck/result.hpp>

namespace rollcheck_test {

/// The text of each kept evidence item, in order.
inline std::vector<std::string> evidence_texts(const rollcheck::bounded_evidence& evidence) {
    std::vector<std::string> texts;
    for (const auto& item : evidence.items())
        texts.push_back(item.text);
    return texts;
}

inline std::vector<std::string> evidence_texts(const rollcheck::check_result& r) {
    return evidence_texts(r.evidence);
}

/// The texts of a result's kept evidence, one per line.
inline std::string evidence_text(const rollcheck::check_result& r) {
    std::string text;
    for (const auto& item : r.evidence.items())
        text += item.text + "\n";
    return text;
}

} // namespace rollcheck_test
