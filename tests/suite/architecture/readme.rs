//! README's module list and layout say what the tree is.

use super::layering::{DOMAIN, FOUNDATION, OUTER};
use super::root;

/// The README's module list (section "Modules, inner to outer") names the domain in the
/// order the check enforces.
#[test]
fn readme_lists_the_modules_in_dependency_order() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Modules, inner to outer")
        .nth(1)
        .expect("README has a section \"## Modules, inner to outer\"");
    let section = section.split("\n## ").next().unwrap();
    let listed: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| {
            name.trim_end_matches('/')
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = FOUNDATION
        .iter()
        .chain(std::iter::once(&"app"))
        .chain(DOMAIN)
        .chain(OUTER)
        .map(|m| (*m).to_owned())
        .collect();
    assert_eq!(
        listed, expected,
        "README's module list and the enforced order differ"
    );
}

/// Paths README's "Layout of the code" block names, resolved against the tree.
fn layout_paths(readme: &str) -> Vec<String> {
    let block = readme
        .split("## Layout of the code")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .expect("README has a layout block");
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || indent > 8 {
            continue;
        }
        let mut names = Vec::new();
        for token in trimmed.split_whitespace() {
            let name = token.trim_end_matches(',');
            if name.ends_with('/') || name.ends_with(".rs") || name.ends_with(".md") {
                names.push(name.to_owned());
            } else {
                break;
            }
            if !token.ends_with(',') {
                break;
            }
        }
        if names.is_empty() {
            continue;
        }
        while stack.last().is_some_and(|(depth, _)| *depth >= indent) {
            stack.pop();
        }
        let parent: String = stack.iter().map(|(_, name)| name.as_str()).collect();
        for name in &names {
            out.push(format!("{parent}{name}"));
        }
        if let [single] = names.as_slice()
            && single.ends_with('/')
        {
            stack.push((indent, single.clone()));
        }
    }
    out
}

#[test]
fn readme_layout_matches_the_tree() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let listed = layout_paths(&readme);
    let mut problems = Vec::new();
    for path in &listed {
        let expanded: Vec<String> = match (path.find('{'), path.find('}')) {
            (Some(open), Some(close)) => path[open + 1..close]
                .split(',')
                .map(|alt| format!("{}{}{}", &path[..open], alt, &path[close + 1..]))
                .collect(),
            _ => vec![path.clone()],
        };
        for path in expanded {
            if !root().join(&path).exists() {
                problems.push(format!("README lists {path}, which does not exist"));
            }
        }
    }
    for dir in ["src", "src/web"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "lib.rs" || (dir == "src/web" && name == "mod.rs") {
                continue;
            }
            let shown = if entry.path().is_dir() {
                format!("{dir}/{name}/")
            } else {
                format!("{dir}/{name}")
            };
            if !listed.contains(&shown) {
                problems.push(format!("{shown} is not in README's layout"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "README layout and the tree differ:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_layout_reader_follows_nesting_and_lists() {
    let readme = "## Layout of the code\n\n```\nsrc/\n  main.rs            thin\n  cli/               the commands\n  money.rs, clock.rs\n  web/\n    api/             JSON\n                     continued text/ here\ntests/               stories\n```\n";
    assert_eq!(
        layout_paths(readme),
        [
            "src/",
            "src/main.rs",
            "src/cli/",
            "src/money.rs",
            "src/clock.rs",
            "src/web/",
            "src/web/api/",
            "tests/"
        ]
    );
}
