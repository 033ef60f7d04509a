//! Modules use only the modules before them.

use std::collections::BTreeSet;

use super::{is_ident, sources};

/// Inner to outer: a module may use the ones before it. `app` (the context every module
/// receives, holding the registries by type) is used by all and checked by none.
pub(super) const FOUNDATION: &[&str] = &[
    "i18n",
    "error",
    "clock",
    "ids",
    "money",
    "volume",
    "markdown",
    "signature",
    "sealed",
    "private_files",
    "config",
    "db",
    "messages",
    "jobs",
];
pub(super) const DOMAIN: &[&str] = &[
    "audit",
    "help",
    "accounts",
    "preferences",
    "staff",
    "api_keys",
    "ledger",
    "payments",
    "catalog",
    "network",
    "lines",
    "inventory",
    "promotions",
    "orders",
    "usage",
    "auto_renew",
    "announcements",
    "tickets",
    "watch",
    "customers",
    "reports",
    "records",
];
/// The composition: may use anything above, and each other.
pub(super) const OUTER: &[&str] = &["background", "web", "server", "cli", "demo", "bench"];

/// The top-level module a source path belongs to.
fn module_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

/// The top-level modules a text names as `crate::x` (also inside `use crate::{x, y::z}`),
/// outside comments.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top_level(&group[..end]) {
                let name: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn layering_problems(files: &[(String, String)]) -> Vec<String> {
    let rank = |module: &str| -> Option<usize> {
        if let Some(i) = FOUNDATION.iter().position(|m| *m == module) {
            return Some(i);
        }
        if let Some(i) = DOMAIN.iter().position(|m| *m == module) {
            return Some(FOUNDATION.len() + i);
        }
        OUTER
            .contains(&module)
            .then_some(FOUNDATION.len() + DOMAIN.len())
    };
    let mut problems = BTreeSet::new();
    for (path, text) in files {
        let Some(module) = module_of(path) else {
            continue;
        };
        if matches!(module.as_str(), "app" | "lib" | "main") {
            continue;
        }
        let Some(own) = rank(&module) else {
            problems.insert(format!(
                "{path}: module {module} is in no layer of tests/suite/architecture/layering.rs"
            ));
            continue;
        };
        for used in crate_uses(text) {
            if used == module || used == "app" {
                continue;
            }
            match rank(&used) {
                Some(theirs) if theirs < own => {}
                Some(theirs) if theirs == own && OUTER.contains(&module.as_str()) => {}
                Some(_) => {
                    problems.insert(format!(
                        "{path}: {module} uses {used}, which comes after it"
                    ));
                }
                None => {
                    problems.insert(format!("{path}: uses crate::{used}, in no layer"));
                }
            }
        }
    }
    problems.into_iter().collect()
}

#[test]
fn modules_use_only_the_modules_before_them() {
    let problems = layering_problems(&sources());
    assert!(
        problems.is_empty(),
        "imports against the dependency order:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_layering_check_catches_an_upward_import() {
    let files = vec![
        (
            "src/orders/create.rs".to_owned(),
            "use crate::{ledger::post, payments::{self, Method}};".to_owned(),
        ),
        (
            "src/payments/apply.rs".to_owned(),
            "use crate::orders::fulfil;\n// see crate::usage\n".to_owned(),
        ),
        (
            "src/web/mod.rs".to_owned(),
            "use crate::demo::routes;".to_owned(),
        ),
    ];
    assert_eq!(
        layering_problems(&files),
        ["src/payments/apply.rs: payments uses orders, which comes after it"]
    );
}
