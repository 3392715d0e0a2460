/// \file detail/draft/markdown.hpp
/// A runbook's Markdown as cmark-gfm reads it, flattened into what a draft
/// needs: sections under their headings, each a sequence of paragraphs,
/// code blocks, list items, task-list items and tables, each at its line.
/// No other file of the drafter sees cmark-gfm.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

namespace rollcheck::detail::draft {

/// An inline code span and the line it is on.
struct code_span {
    std::size_t line = 0;
    std::string text;
};

/// One block of a section, in the runbook's order.
struct md_block {
    enum class type { paragraph, code, item, task, table };
    type what = type::paragraph;
    std::size_t line = 0; ///< its first line; a fenced block's first line of code
    /// Paragraphs and items: the text without its markup, lines joined by
    /// '\n'; code: the block's code as written.
    std::string text;
    std::string info;             ///< code: the fence's first word ("bash", "sql")
    std::vector<code_span> spans; ///< paragraphs and items: their inline code
    bool checked = false;         ///< task: "- [x]"
    /// Table: each row's cells as text, the header row first.
    std::vector<std::vector<std::string>> rows;
};

/// A heading and what stands under it until the next heading.
struct md_section {
    std::string heading; ///< its text; empty before the first heading
    int level = 0;
    std::size_t line = 0;
    std::vector<md_block> blocks;
};

/// Block quotes and lists nested deeper than this are not read: a runbook
/// never nests so, and a file that does must not exhaust the stack.
inline constexpr int markdown_depth_limit = 32;

class markdown_walk {
public:
    /// The sections of `text`, the first one what precedes any heading.
    [[nodiscard]] static std::vector<md_section> read(std::string_view text) {
        cmark_gfm_core_extensions_ensure_registered();
        const std::unique_ptr<cmark_parser, void (*)(cmark_parser*)> parser(
            cmark_parser_new(CMARK_OPT_VALIDATE_UTF8), cmark_parser_free);
        for (const char* name : {"table", "tasklist"})
            if (auto* extension = cmark_find_syntax_extension(name))
                cmark_parser_attach_syntax_extension(parser.get(), extension);
        cmark_parser_feed(parser.get(), text.data(), text.size());
        const std::unique_ptr<cmark_node, void (*)(cmark_node*)> document(
            cmark_parser_finish(parser.get()), cmark_node_free);
        markdown_walk walk;
        walk.sections_.emplace_back();
        if (document) walk.blocks(document.get(), 0);
        return std::move(walk.sections_);
    }

private:
    [[nodiscard]] static std::string_view type_of(cmark_node* node) {
        const char* name = cmark_node_get_type_string(node);
        return name == nullptr ? std::string_view() : std::string_view(name);
    }

    [[nodiscard]] static std::size_t line_of(cmark_node* node) {
        const int line = cmark_node_get_start_line(node);
        return line > 0 ? static_cast<std::size_t>(line) : 0;
    }

    void blocks(cmark_node* parent, int depth) {
        if (depth > markdown_depth_limit) return;
        for (cmark_node* node = cmark_node_first_child(parent); node != nullptr;
             node = cmark_node_next(node))
            block(node, depth);
    }

    void block(cmark_node* node, int depth) {
        const auto type = type_of(node);
        if (type == "heading") {
            md_section section;
            section.level = cmark_node_get_heading_level(node);
            section.line = line_of(node);
            section.heading = inline_text(node, nullptr);
            sections_.push_back(std::move(section));
        } else if (type == "paragraph") {
            md_block b;
            b.line = line_of(node);
            b.text = inline_text(node, &b.spans);
            add(std::move(b));
        } else if (type == "code_block") {
            add(code_block(node));
        } else if (type == "list" || type == "block_quote") {
            blocks(node, depth + 1);
        } else if (type == "item" || type == "tasklist") {
            item(node, type == "tasklist", depth);
        } else if (type == "table") {
            add(table(node));
        }
        // HTML, thematic breaks, footnotes: nothing a plan takes.
    }

    /// An item: its first paragraph is the item; what follows it (a code
    /// block, a nested list) comes after, as blocks of their own.
    void item(cmark_node* node, bool task, int depth) {
        md_block b;
        b.what = task ? md_block::type::task : md_block::type::item;
        b.line = line_of(node);
        if (task) b.checked = cmark_gfm_extensions_get_tasklist_item_checked(node);
        cmark_node* first = cmark_node_first_child(node);
        if (first != nullptr && type_of(first) == "paragraph") {
            b.text = inline_text(first, &b.spans);
            first = cmark_node_next(first);
        }
        add(std::move(b));
        if (depth + 1 > markdown_depth_limit) return;
        for (cmark_node* rest = first; rest != nullptr; rest = cmark_node_next(rest))
            block(rest, depth + 1);
    }

    [[nodiscard]] static md_block code_block(cmark_node* node) {
        md_block b;
        b.what = md_block::type::code;
        b.line = line_of(node);
        int length = 0, offset = 0;
        char fence = 0;
        // A fenced block's code starts on the line after its fence.
        if (cmark_node_get_fenced(node, &length, &offset, &fence) != 0) ++b.line;
        if (const char* literal = cmark_node_get_literal(node)) b.text = literal;
        if (const char* info = cmark_node_get_fence_info(node)) {
            const std::string_view words(info);
            const auto end = words.find_first_of(" \t{");
            b.info = std::string(words.substr(0, end));
        }
        return b;
    }

    [[nodiscard]] static md_block table(cmark_node* node) {
        md_block b;
        b.what = md_block::type::table;
        b.line = line_of(node);
        for (cmark_node* row = cmark_node_first_child(node); row != nullptr;
             row = cmark_node_next(row)) {
            std::vector<std::string> cells;
            for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
                 cell = cmark_node_next(cell))
                cells.push_back(inline_text(cell, nullptr));
            b.rows.push_back(std::move(cells));
        }
        return b;
    }

    /// The text of `node`'s inlines, markup dropped, line breaks as '\n';
    /// its code spans, with their lines, into `spans`.
    [[nodiscard]] static std::string inline_text(cmark_node* node, std::vector<code_span>* spans) {
        std::string out;
        std::size_t line = line_of(node);
        inlines(node, out, spans, line, 0);
        return out;
    }

    static void inlines(cmark_node* parent, std::string& out, std::vector<code_span>* spans,
                        std::size_t& line, int depth) {
        if (depth > markdown_depth_limit) return;
        for (cmark_node* node = cmark_node_first_child(parent); node != nullptr;
             node = cmark_node_next(node)) {
            const auto type = type_of(node);
            // Soft breaks carry no line of their own: count them.
            if (const auto at = line_of(node); at > 0) line = at;
            if (type == "softbreak" || type == "linebreak") {
                out += '\n';
                ++line;
                continue;
            }
            const char* literal = cmark_node_get_literal(node);
            if (type == "code" && literal != nullptr) {
                out += literal;
                if (spans != nullptr) spans->push_back({line, literal});
            } else if (type == "text" && literal != nullptr) {
                out += literal;
            } else {
                inlines(node, out, spans, line, depth + 1);
            }
        }
    }

    void add(md_block b) { sections_.back().blocks.push_back(std::move(b)); }

    std::vector<md_section> sections_;
};

} // namespace rollcheck::detail::draft
