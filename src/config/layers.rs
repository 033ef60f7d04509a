//! The layering itself: a TOML tree, overlaid by the file, then by `DATACARD_…`
//! variables matched to the tree's leaves.

pub(super) fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

pub(super) fn leaf_paths(tree: &toml::Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    fn walk(value: &toml::Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            toml::Value::Table(table) => {
                for (key, child) in table {
                    prefix.push(key.clone());
                    walk(child, prefix, out);
                    prefix.pop();
                }
            }
            _ => out.push(prefix.clone()),
        }
    }
    walk(tree, &mut Vec::new(), &mut out);
    out
}

pub(super) fn set_leaf(tree: &mut toml::Value, path: &[String], value: toml::Value) {
    let mut node = tree;
    for key in &path[..path.len() - 1] {
        let Some(next) = node.get_mut(key) else {
            return;
        };
        node = next;
    }
    if let (toml::Value::Table(table), Some(last)) = (node, path.last()) {
        table.insert(last.clone(), value);
    }
}

pub(super) fn get_leaf<'a>(tree: &'a toml::Value, path: &[String]) -> Option<&'a toml::Value> {
    path.iter().try_fold(tree, |node, key| node.get(key))
}

/// A list from the environment: comma-separated, blanks dropped.
pub(super) fn env_list(raw: &str) -> toml::Value {
    toml::Value::Array(
        raw.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| toml::Value::String(item.to_owned()))
            .collect(),
    )
}

/// Environment values are strings; numbers and booleans are read as such.
pub(super) fn env_value(raw: &str) -> toml::Value {
    if let Ok(number) = raw.parse::<i64>() {
        return toml::Value::Integer(number);
    }
    match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(raw.to_owned()),
    }
}
