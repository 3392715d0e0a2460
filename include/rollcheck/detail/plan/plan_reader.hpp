/// \file detail/plan/plan_reader.hpp
/// Reads a plan file's TOML into a plan, collecting every fault at its
/// file:line:column.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "../../plan.hpp"
#include "../target/target_impl.hpp"
#include "references.hpp"

namespace rollcheck::detail::plan {

/// The keys of a `[[check]]` that are not the kind's options.
inline constexpr std::string_view check_fields[] = {"id",     "phase", "severity", "title", "kind",
                                                    "before", "when",  "steps",    "source"};

class plan_reader {
public:
    explicit plan_reader(const std::filesystem::path& name) : name_(name.string()) {
        std::error_code ec;
        const auto file = std::filesystem::absolute(name, ec);
        plan_.file = (ec ? name : file).lexically_normal();
    }

    plan_reading read(std::string_view text) && {
        if (const auto fault = screen_text(text, plan_file_limit, "plan file")) {
            errors_.push_back(*fault);
            return finish();
        }
        try {
            const auto document = toml::parse(text, std::string_view(name_));
            read_document(document);
        } catch (const toml::parse_error& e) {
            fail(e.source(), std::string(e.description()));
        }
        return finish();
    }

private:
    void fail(const toml::source_region& at, std::string message) {
        errors_.push_back({at.begin.line, at.begin.column, std::move(message)});
    }

    plan_reading finish() {
        plan_reading reading;
        std::stable_sort(errors_.begin(), errors_.end(), [](const located& a, const located& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        for (auto& e : errors_)
            reading.errors.push_back(
                {e.line == 0 ? name_ : fmt::format("{}:{}:{}", name_, e.line, e.column),
                 std::move(e.message)});
        reading.errors.insert(reading.errors.end(), defaults_errors_.begin(),
                              defaults_errors_.end());
        if (reading.errors.empty()) reading.value = std::move(plan_);
        return reading;
    }

    [[nodiscard]] std::string where(const toml::source_region& at) const {
        return fmt::format("{}:{}:{}", name_, at.begin.line, at.begin.column);
    }

    // Typed fields ---------------------------------------------------------------

    void unknown_keys(const toml::table& t, std::string_view label,
                      std::initializer_list<std::string_view> known) {
        for (auto&& [key, value] : t)
            if (std::find(known.begin(), known.end(), key.str()) == known.end())
                fail(key.source(), fmt::format("unknown key '{}' in {}", key.str(), label));
    }

    /// `key` of `t` as a string: false when absent (a fault when `required`)
    /// or not a non-empty string.
    bool text(const toml::table& t, std::string_view label, std::string_view key, std::string& out,
              bool required) {
        const auto* node = t.get(key);
        if (node == nullptr) {
            if (required) fail(t.source(), fmt::format("{}: missing key '{}'", label, key));
            return false;
        }
        const auto* s = node->as_string();
        if (s == nullptr) {
            fail(node->source(), fmt::format("{} {}: expected a string, found {}", label, key,
                                             toml_type_name(*node)));
            return false;
        }
        if (s->get().find_first_not_of(" \t") == std::string::npos) {
            fail(node->source(), fmt::format("{} {}: empty", label, key));
            return false;
        }
        out = s->get();
        return true;
    }

    void strings(const toml::table& t, std::string_view label, std::string_view key,
                 std::vector<std::string>& out) {
        const auto* node = t.get(key);
        if (node == nullptr) return;
        const auto* array = node->as_array();
        if (array == nullptr) {
            fail(node->source(), fmt::format("{} {}: expected an array of strings, found {}", label,
                                             key, toml_type_name(*node)));
            return;
        }
        for (const auto& item : *array) {
            if (const auto* s = item.as_string())
                out.push_back(s->get());
            else
                fail(item.source(), fmt::format("{} {}: expected a string, found {}", label, key,
                                                toml_type_name(item)));
        }
    }

    /// The array of tables `key` of `root` (`[[key]]`); empty when absent.
    std::vector<const toml::table*> tables(const toml::table& root, std::string_view key) {
        std::vector<const toml::table*> out;
        const auto* node = root.get(key);
        if (node == nullptr) return out;
        const auto* array = node->as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            fail(node->source(), fmt::format("'{}': expected an array of tables ([[{}]]), found {}",
                                             key, key, toml_type_name(*node)));
            return out;
        }
        for (const auto& element : *array)
            out.push_back(element.as_table());
        return out;
    }

    /// References in `value` name values a target can hold.
    void check_references(const toml::node& at, std::string_view label, const std::string& value) {
        std::string why;
        const auto pieces = split_references(value, why);
        if (!pieces) return fail(at.source(), fmt::format("{}: {}", label, why));
        for (const auto& p : *pieces)
            if (p.reference && !known_value(p.text))
                fail(at.source(), fmt::format("{}: '${{{}}}' names no value of a target ({})",
                                              label, p.text, known_values_hint(p.text)));
    }

    [[nodiscard]] bool known_value(std::string_view name) const {
        if (name.rfind("pipeline.", 0) == 0) return pipeline_.count(std::string(name.substr(9)));
        return is_reference_name(name);
    }

    [[nodiscard]] std::string known_values_hint(std::string_view name) const {
        if (name.rfind("pipeline.", 0) == 0)
            return "a [pipeline] value must be declared in the plan's [defaults.pipeline]";
        return "docs/plans.md lists them";
    }

    // The document -----------------------------------------------------------------

    void read_document(const toml::table& root) {
        for (auto&& [key, node] : root) {
            static constexpr std::string_view known[] = {"plan",  "defaults", "phase",
                                                         "check", "matrix",   "checklists"};
            if (std::find(std::begin(known), std::end(known), key.str()) == std::end(known))
                fail(key.source(), fmt::format("unknown key '{}': a plan holds [plan], "
                                               "[defaults], [[phase]], [[check]], [matrix] and "
                                               "[checklists]",
                                               key.str()));
        }
        read_header(root);
        read_defaults(root);
        for (const auto* t : tables(root, "phase"))
            read_phase(*t);
        if (plan_.phases.empty()) fail({}, "the plan has no [[phase]]");
        for (const auto* t : tables(root, "check"))
            read_check(*t);
        for (const auto& phase : plan_.phases)
            if (std::none_of(plan_.checks.begin(), plan_.checks.end(),
                             [&](const plan_check& c) { return c.phase == phase.id; }))
                fail(phase_at_.at(phase.id),
                     fmt::format("[[phase]] '{}' has no [[check]]", phase.id));
        read_matrix(root);
        read_checklists(root);
    }

    const toml::table* section(const toml::table& root, std::string_view name) {
        const auto* node = root.get(name);
        if (node == nullptr) return nullptr;
        if (const auto* t = node->as_table()) return t;
        fail(node->source(), fmt::format("'{}': expected a table ([{}]), found {}", name, name,
                                         toml_type_name(*node)));
        return nullptr;
    }

    void read_header(const toml::table& root) {
        const auto* t = section(root, "plan");
        if (t == nullptr) return fail({}, "the plan has no [plan] table (its name and title)");
        unknown_keys(*t, "[plan]", {"name", "title", "program"});
        text(*t, "[plan]", "name", plan_.name, true);
        text(*t, "[plan]", "title", plan_.title, false);
        if (text(*t, "[plan]", "program", plan_.program, false))
            claim_program(plan_.program, *t->get("program"));
    }

    /// `[defaults]`: the target's format, read as a target would be, so
    /// that a fault in them is the plan's, at its line.
    void read_defaults(const toml::table& root) {
        const auto* t = section(root, "defaults");
        if (t == nullptr) return;
        if (const auto* pipeline = (*t)["pipeline"].as_table())
            for (auto&& [key, value] : *pipeline)
                pipeline_.insert(std::string(key.str()));
        // Faults are located by the plan's own lines, and named as its.
        auto checked = target_reader(name_, {}).read_table(*t);
        for (auto& e : checked.errors)
            defaults_errors_.push_back({std::move(e.where), "[defaults] " + e.message});
    }

    void claim_program(const std::string& program, const toml::node& at) {
        if (program.find('/') != std::string::npos)
            fail(at.source(), fmt::format("program '{}': a file name, without '/'", program));
        else if (!programs_.insert(program).second)
            fail(at.source(), fmt::format("program '{}' is named twice", program));
    }

    void read_phase(const toml::table& t) {
        plan_phase phase;
        phase.where = where(t.source());
        unknown_keys(t, "[[phase]]", {"id", "title", "program", "recovery", "step"});
        if (text(t, "[[phase]]", "id", phase.id, true) && phase_at_.count(phase.id))
            fail(t.get("id")->source(), fmt::format("[[phase]] id '{}' is given twice", phase.id));
        text(t, "[[phase]]", "title", phase.title, true);
        if (text(t, "[[phase]]", "program", phase.program, false))
            claim_program(phase.program, *t.get("program"));
        std::string recovery;
        if (text(t, "[[phase]]", "recovery", recovery, false)) {
            std::string why;
            if (const auto span = parse_duration(recovery, why); span && span->count() > 0)
                phase.recovery = *span;
            else
                fail(t.get("recovery")->source(),
                     fmt::format("[[phase]] recovery: '{}' is not a duration (5m, 1h30m)",
                                 recovery));
        }
        for (const auto* step : tables(t, "step"))
            read_step(*step, phase);
        phase_at_.emplace(phase.id, t.source());
        plan_.phases.push_back(std::move(phase));
    }

    void read_step(const toml::table& t, plan_phase& phase) {
        plan_step step;
        unknown_keys(t, "[[phase.step]]", {"id", "run"});
        if (text(t, "[[phase.step]]", "id", step.id, true) && !step_ids_.insert(step.id).second)
            fail(t.get("id")->source(),
                 fmt::format("[[phase.step]] id '{}' is given twice", step.id));
        text(t, "[[phase.step]]", "run", step.line, true);
        phase.steps.push_back(std::move(step));
    }

    void read_check(const toml::table& t) {
        plan_check check;
        check.where = where(t.source());
        // Named by its id once it has one: "[[check]] '' severity" names nothing.
        const auto label = [&] {
            return check.id.empty() ? std::string("[[check]]")
                                    : fmt::format("[[check]] '{}'", check.id);
        };
        if (text(t, "[[check]]", "id", check.id, true) && !check_ids_.insert(check.id).second)
            fail(t.get("id")->source(), fmt::format("[[check]] id '{}' is given twice", check.id));
        if (text(t, label(), "phase", check.phase, true) && !phase_at_.count(check.phase))
            fail(t.get("phase")->source(),
                 fmt::format("{} phase: no [[phase]] has the id '{}'", label(), check.phase));
        if (text(t, label(), "severity", check.severity, true) &&
            !one_of(check.severity, target_severities))
            fail(t.get("severity")->source(),
                 fmt::format("{} severity: '{}' is not P0, P1, P2 or P3", label(), check.severity));
        if (text(t, label(), "kind", check.kind, true)) read_kind(t, check.kind, label());
        if (text(t, label(), "title", check.title, false))
            check_references(*t.get("title"), label() + " title", check.title);
        if (text(t, label(), "when", check.when, false)) read_when(*t.get("when"), check, label());
        read_before(t, check, label());
        text(t, label(), "source", check.source, false);
        strings(t, label(), "steps", check.steps);
        for (const auto& id : check.steps)
            if (!step_ids_.count(id))
                fail(t.get("steps")->source(),
                     fmt::format("{} steps: no [[phase.step]] has the id '{}'", label(), id));
        read_options(t, check, label());
        plan_.checks.push_back(std::move(check));
    }

    /// `when`: one reference, to a value the target gives or not.
    void read_when(const toml::node& at, const plan_check& check, const std::string& label) {
        std::string why;
        const auto pieces = split_references(check.when, why);
        if (pieces && (pieces->size() != 1 || !pieces->front().reference ||
                       pieces->front().missing != when_missing::error))
            return fail(at.source(), fmt::format("{} when: '{}' is not one reference "
                                                 "(\"${{backup.restore_check}}\")",
                                                 label, check.when));
        check_references(at, label + " when", check.when);
    }

    void read_kind(const toml::table& t, const std::string& kind, const std::string& label) {
        const auto word = [](char c) { return (c >= 'a' && c <= 'z') || c == '-' || c == '.'; };
        if (!std::all_of(kind.begin(), kind.end(), word) || kind.front() == '.' ||
            kind.back() == '.')
            fail(t.get("kind")->source(),
                 fmt::format("{} kind: '{}' is not a check kind (db.duplicates, files.absent, "
                             "run: `rollcheck --help` lists them)",
                             label, kind));
    }

    void read_before(const toml::table& t, plan_check& check, const std::string& label) {
        const auto* node = t.get("before");
        if (node == nullptr) return;
        if (const auto* b = node->as_boolean())
            check.before = b->get();
        else
            fail(node->source(), fmt::format("{} before: expected a boolean, found {}", label,
                                             toml_type_name(*node)));
    }

    /// The keys that are not fields, in the file's order, as the kind's options.
    void read_options(const toml::table& t, plan_check& check, const std::string& label) {
        std::vector<std::pair<const toml::key*, const toml::node*>> options;
        for (auto&& [key, node] : t)
            if (!one_of(key.str(), check_fields)) options.emplace_back(&key, &node);
        std::sort(options.begin(), options.end(), [](const auto& a, const auto& b) {
            const auto& x = a.first->source().begin;
            const auto& y = b.first->source().begin;
            return std::tie(x.line, x.column) < std::tie(y.line, y.column);
        });
        for (const auto& [key, node] : options)
            read_option(*key, *node, check, label);
    }

    void read_option(const toml::key& key, const toml::node& node, plan_check& check,
                     const std::string& label) {
        plan_option option;
        option.name = std::string(key.str());
        option.where = where(key.source());
        if (!is_option_name(option.name))
            return fail(key.source(),
                        fmt::format("{} '{}': not an option name (lower-case letters, digits and "
                                    "dashes, as on the command line)",
                                    label, option.name));
        const auto add = [&](const toml::node& value) {
            if (const auto* s = value.as_string()) {
                check_references(value, fmt::format("{} {}", label, option.name), s->get());
                option.values.push_back(s->get());
            } else if (const auto* n = value.as_integer()) {
                option.values.push_back(std::to_string(n->get()));
            } else {
                fail(value.source(), fmt::format("{} {}: expected a string, an integer, a "
                                                 "boolean or an array of strings, found {}",
                                                 label, option.name, toml_type_name(value)));
            }
        };
        if (const auto* b = node.as_boolean()) {
            option.boolean = true;
            option.values.push_back(b->get() ? "true" : "false");
        } else if (const auto* array = node.as_array()) {
            for (const auto& item : *array)
                add(item);
        } else {
            add(node);
        }
        check.options.push_back(std::move(option));
    }

    void read_matrix(const toml::table& root) {
        const auto* t = section(root, "matrix");
        if (t == nullptr) return;
        for (auto&& [severity, node] : *t) {
            plan_decision row;
            row.severity = std::string(severity.str());
            if (!one_of(row.severity, target_severities))
                fail(severity.source(),
                     fmt::format("[matrix] '{}': not a severity (P0 to P3)", row.severity));
            const auto* cells = node.as_table();
            if (cells == nullptr) {
                fail(node.source(), fmt::format("[matrix] {}: expected a table {{ action = ..., "
                                                "approval = ... }}",
                                                row.severity));
                continue;
            }
            const auto label = "[matrix] " + row.severity;
            unknown_keys(*cells, label, {"action", "approval"});
            text(*cells, label, "action", row.action, true);
            text(*cells, label, "approval", row.approval, false);
            plan_.matrix.push_back(std::move(row));
        }
    }

    void read_checklists(const toml::table& root) {
        const auto* t = section(root, "checklists");
        if (t == nullptr) return;
        unknown_keys(*t, "[checklists]", {"before", "after"});
        strings(*t, "[checklists]", "before", plan_.before_checklist);
        for (const auto* item : tables(*t, "after")) {
            plan_checklist_item entry;
            unknown_keys(*item, "[[checklists.after]]", {"text", "proof", "kinds"});
            text(*item, "[[checklists.after]]", "text", entry.text, true);
            text(*item, "[[checklists.after]]", "proof", entry.proof, false);
            static constexpr std::string_view proofs[] = {"checks", "notices", "report", "people"};
            if (!one_of(entry.proof, proofs))
                fail(item->get("proof")->source(),
                     fmt::format("[[checklists.after]] proof: '{}' is not checks, notices, "
                                 "report or people",
                                 entry.proof));
            strings(*item, "[[checklists.after]]", "kinds", entry.kinds);
            plan_.after_checklist.push_back(std::move(entry));
        }
    }

    std::string name_;
    rollcheck::plan plan_;
    std::vector<located> errors_;
    std::vector<target_error> defaults_errors_;
    std::map<std::string, toml::source_region> phase_at_;
    std::set<std::string> check_ids_, step_ids_, programs_, pipeline_;
};

} // namespace rollcheck::detail::plan
