//! Markdown written by the operator's staff (announcements, help articles) turned into
//! HTML that is safe to put in a page: CommonMark by pulldown-cmark, with every piece of
//! raw HTML in the source shown as text (escaped, never passed on) and links and images
//! kept only to `http(s):`, `mailto:`, `tel:` or our own paths, so a `javascript:` link
//! or an `<script>` in a body can never run in a subscriber's browser.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The HTML of `source`, safe to embed in a page as it is.
pub fn to_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, safe_events(source).into_iter());
    out
}

/// The text of `source` without its markup, for an SMS or a plain-text email: blocks
/// separated by a blank line, a link as its text followed by its address.
pub fn to_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut links: Vec<String> = Vec::new();
    for event in safe_events(source) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.into_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop().filter(|url| !out.ends_with(url.as_str())) {
                    out.push_str(" (");
                    out.push_str(&url);
                    out.push(')');
                }
            }
            Event::Start(Tag::Item) => out.push_str("• "),
            Event::End(TagEnd::List(_)) => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('\n');
                if !matches!(event, Event::End(TagEnd::Item)) {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The parser's events with raw HTML turned into text and unsafe links and images
/// unwrapped to their text.
fn safe_events(source: &str) -> Vec<Event<'_>> {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    // For each open link or image: whether it was kept (its end must match).
    let mut kept: Vec<bool> = Vec::new();
    let mut events = Vec::new();
    for event in Parser::new_ext(source, options) {
        let event = match event {
            // A block of raw HTML reads as a paragraph of its text.
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let safe = allowed_url(&dest_url);
                kept.push(safe);
                if !safe {
                    continue;
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let safe = allowed_url(dest_url) && !dest_url.starts_with("mailto:");
                kept.push(safe);
                if !safe {
                    continue;
                }
                event
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if !kept.pop().unwrap_or(false) {
                    continue;
                }
                event
            }
            other => other,
        };
        events.push(event);
    }
    events
}

/// `http(s):`, `mailto:` and `tel:` addresses, and paths and fragments of our own site.
fn allowed_url(url: &CowStr<'_>) -> bool {
    // Browsers skip tabs, newlines and leading spaces or controls in a scheme
    // ("java\tscript:"): judge the address as they would read it.
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    let scheme_end = lower.find(':');
    let path_end = lower.find(['/', '?', '#']);
    match (scheme_end, path_end) {
        // A colon before any slash, query or fragment starts a scheme.
        (Some(colon), path) if path.is_none_or(|p| colon < p) => {
            matches!(&lower[..colon], "http" | "https" | "mailto" | "tel")
        }
        _ => !lower.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("# Offer\n\nGet **20 GB** for [HK$98](/plans).\n\n- one\n- two");
        assert!(html.contains("<h1>Offer</h1>"), "{html}");
        assert!(html.contains("<strong>20 GB</strong>"), "{html}");
        assert!(html.contains(r#"<a href="/plans">HK$98</a>"#), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        for source in [
            "<script>alert(1)</script>",
            "Hello <img src=x onerror=alert(1)> there",
            "<div onclick=\"steal()\">click</div>\n\nnext",
            "<iframe src=\"https://evil.example\"></iframe>",
        ] {
            let html = to_html(source);
            assert!(!html.contains("<script"), "{source} → {html}");
            assert!(!html.contains("<img"), "{source} → {html}");
            assert!(!html.contains("<div"), "{source} → {html}");
            assert!(!html.contains("<iframe"), "{source} → {html}");
            assert!(html.contains("&lt;"), "{source} → {html}");
        }
    }

    #[test]
    fn only_safe_links_and_images_are_kept() {
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "![x](javascript:alert(1))",
            "![x](mailto:someone@example.com)",
            "<javascript:alert(1)>",
        ] {
            let html = to_html(bad);
            assert!(!html.to_lowercase().contains("href"), "{bad} → {html}");
            assert!(!html.contains("<img"), "{bad} → {html}");
        }
        for good in [
            "[x](https://example.hk/a?b=1)",
            "[x](/plans)",
            "[x](#top)",
            "[x](mailto:help@example.hk)",
            "[x](tel:+85230001234)",
            "[x](plans?lang=en)",
        ] {
            assert!(to_html(good).contains("href"), "{good}");
        }
        assert!(to_html("![map](https://example.hk/m.png)").contains("<img"));
    }

    #[test]
    fn text_drops_the_markup() {
        let text = to_text(
            "# 新優惠\n\n**20GB** 只需 [HK$98](https://x.hk/plans)。\n\n- 一\n- 二\n\n<b>bold</b>",
        );
        assert_eq!(
            text,
            "新優惠\n\n20GB 只需 HK$98 (https://x.hk/plans)。\n\n• 一\n• 二\n\n<b>bold</b>"
        );
    }
}
