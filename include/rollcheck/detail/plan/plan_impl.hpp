/// \file detail/plan/plan_impl.hpp
/// Definitions of plan.hpp, included at its end.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "../../plan.hpp"
#include "plan_reader.hpp"
#include "references.hpp"
#include "target_values.hpp"

namespace rollcheck {

namespace detail::plan {

/// "[database] table": where a target gives the value `name`.
[[nodiscard]] inline std::string where_given(std::string_view name) {
    if (name == "rollback.since") return "the rollback's start (--since or [rollback] since)";
    const auto dot = name.find('.');
    return fmt::format("[{}] {}", name.substr(0, dot), name.substr(dot + 1));
}

/// One option value, or a title, with its references replaced.
class binder {
public:
    binder(const target& t, const run_values& run, bound_check& out)
        : target_(t), run_(run), out_(out) {}

    /// `value`'s words for the option `option`: several when the value is
    /// one reference to a list, none when it is left out.
    std::vector<std::string> option_words(const std::string& value) {
        std::string why;
        const auto pieces = split_references(value, why);
        if (!pieces) return {}; // the plan was checked when it was read
        if (pieces->size() == 1 && pieces->front().reference) return whole(pieces->front());
        std::string text;
        for (const auto& p : *pieces) {
            if (!p.reference) {
                text += p.text;
                continue;
            }
            const auto words = whole(p);
            if (words.empty()) return {};
            for (std::size_t i = 0; i < words.size(); ++i)
                text += (i ? " " : "") + words[i];
        }
        return {text};
    }

    /// The title with its references replaced; a value not given is named.
    std::string title(const std::string& value) {
        std::string why;
        const auto pieces = split_references(value, why);
        if (!pieces) return value;
        std::string text;
        for (const auto& p : *pieces) {
            if (!p.reference) {
                text += p.text;
                continue;
            }
            const auto v = value_of(target_, run_, p.text);
            if (v.words.empty())
                text += p.missing == when_missing::fallback ? p.fallback
                                                            : "(" + where_given(p.text) + ")";
            for (std::size_t i = 0; i < v.words.size(); ++i)
                text += (i ? ", " : "") + v.words[i];
        }
        return text;
    }

    /// The truth of a `when` reference; a value that is not a boolean is
    /// true when given.
    bool truth(const std::string& value, std::string& said) {
        std::string why;
        const auto pieces = split_references(value, why);
        if (!pieces || pieces->size() != 1 || !pieces->front().reference) return true;
        const auto v = value_of(target_, run_, pieces->front().text);
        const bool on = v.boolean ? v.truth : !v.words.empty();
        if (!on)
            said = fmt::format("the target does not ask for it: {} {}",
                               where_given(pieces->front().text),
                               v.boolean ? "= true does" : "is not given");
        return on;
    }

private:
    std::vector<std::string> whole(const piece& p) {
        auto v = value_of(target_, run_, p.text);
        if (v.boolean)
            return v.truth ? std::vector<std::string>{"true"} : std::vector<std::string>{};
        if (!v.words.empty()) return v.words;
        switch (p.missing) {
        case when_missing::omit:
            return {};
        case when_missing::fallback:
            return {fallback(p)};
        case when_missing::error:
            break;
        }
        if (out_.unresolved.empty())
            out_.unresolved =
                fmt::format("the target gives no {}, which this check needs", where_given(p.text));
        return {};
    }

    /// The fallback of `p`; for the rollback's start, a duration before
    /// the run's start, as a time.
    std::string fallback(const piece& p) {
        std::string why;
        const auto span =
            p.text == "rollback.since" ? parse_duration(p.fallback, why) : std::nullopt;
        out_.fallbacks.push_back(
            span ? fmt::format("{} is not known: the window is the last {} before the run",
                               where_given(p.text), describe_span(*span))
                 : fmt::format("{} is not given: '{}' stands for it", where_given(p.text),
                               p.fallback));
        return span ? format_utc(run_.started - *span) : p.fallback;
    }

    const target& target_;
    const run_values& run_;
    bound_check& out_;
};

/// Whether `value` is one reference to a boolean of `t`: a flag.
[[nodiscard]] inline bool is_flag_reference(const std::string& value, const target& t,
                                            const run_values& run) {
    std::string why;
    const auto pieces = split_references(value, why);
    return pieces && pieces->size() == 1 && pieces->front().reference &&
           value_of(t, run, pieces->front().text).boolean;
}

} // namespace detail::plan

ROLLCHECK_INLINE plan_reading parse_plan(std::string_view text, const std::filesystem::path& name) {
    return detail::plan::plan_reader(name).read(text);
}

ROLLCHECK_INLINE plan_reading load_plan(const std::filesystem::path& path) {
    std::string why;
    const auto text = detail::read_target_file(path, why, "plan file", "can run commands");
    if (!text) {
        plan_reading reading;
        reading.errors.push_back({path.string(), why});
        return reading;
    }
    return parse_plan(*text, path);
}

ROLLCHECK_INLINE bool is_reference_name(std::string_view name) {
    if (name.rfind("pipeline.", 0) == 0) return name.size() > 9;
    return std::find(std::begin(detail::plan::value_names), std::end(detail::plan::value_names),
                     name) != std::end(detail::plan::value_names);
}

ROLLCHECK_INLINE bound_check bind_check(const plan_check& check, const target& t,
                                        const run_values& run) {
    bound_check out;
    out.check = &check;
    detail::plan::binder bind(t, run, out);
    if (!check.when.empty()) bind.truth(check.when, out.skipped);
    for (const auto& option : check.options) {
        const auto flag = "--" + option.name;
        if (option.boolean) {
            if (option.values.front() == "true") out.arguments.push_back(flag);
            continue;
        }
        for (const auto& value : option.values) {
            const bool is_flag = detail::plan::is_flag_reference(value, t, run);
            for (const auto& word : bind.option_words(value))
                out.arguments.push_back(is_flag ? flag : flag + "=" + word);
        }
    }
    if (!check.title.empty()) {
        out.name = bind.title(check.title);
    } else {
        // A name is shown everywhere: no connection string in it.
        out.name = check.kind;
        for (const auto& argument : out.arguments)
            if (argument.find("dsn=") == std::string::npos) out.name += " " + argument;
    }
    return out;
}

} // namespace rollcheck
