//! Articles are written in Markdown and shown as HTML that can carry nothing active:
//! raw HTML in the text is shown as the text it is (escaped), links go only to
//! `https:`, `http:`, `mailto:`, `tel:` or our own pages (others keep their words
//! and lose the link), images show their description, and headings start at `h2`
//! (the article's title is the page's `h1`).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Whether a link may be followed from an article.
fn safe_destination(url: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || (url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\"))
        || url.starts_with('#')
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// The article's HTML, safe to put in a page as it is.
pub fn to_html(markdown: &str) -> String {
    // Links refused are dropped with their closing tag; their words stay.
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_destination(&dest_url);
            dropped.push(!keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => match dropped.pop() {
            Some(false) => Some(Event::End(TagEnd::Link)),
            _ => None,
        },
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: lower(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(lower(level)))),
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The article's words without Markdown, for search terms and excerpts.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(words)
            | Event::Code(words)
            | Event::Html(words)
            | Event::InlineHtml(words) => text.push_str(&words),
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !text.ends_with(' ') => {
                text.push(' ');
            }
            _ => {}
        }
    }
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("# Steps\n\n1. Open **Settings**\n2. Tap [Orders](/orders)\n");
        assert!(html.contains("<h2>Steps</h2>"), "{html}");
        assert!(html.contains("<strong>Settings</strong>"), "{html}");
        assert!(html.contains("<a href=\"/orders\">Orders</a>"), "{html}");
    }

    #[test]
    fn raw_html_and_scripts_are_shown_as_text() {
        let html = to_html("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn only_safe_links_stay_links() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c](data:text/html,x) [d](//evil.example) [e](https://ok.example) [f](tel:+85230001234) ![pic](https://x.example/a.png)",
        );
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(!html.contains("//evil"), "{html}");
        assert!(
            html.contains("<a href=\"https://ok.example\">e</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"tel:+85230001234\">f</a>"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        for word in ["a", "b", "c", "d", "pic"] {
            assert!(html.contains(word), "{word} kept as text: {html}");
        }
    }

    #[test]
    fn text_has_no_markdown() {
        assert_eq!(
            to_text("## 忘記密碼\n\n按 **重設**。"),
            "忘記密碼 按 重設 。"
        );
    }
}
