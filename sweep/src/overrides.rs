//! A run's configuration: the base file's text with the point's values set
//! at their keys (tables created where missing, the rest of the file, its
//! comments included, kept as it is).

use std::path::Path;

use toml_edit::DocumentMut;

use crate::error::SweepError;
use crate::space::{Param, Value};

/// The base config's text with each parameter set to its value in `point`.
pub fn apply(base: &DocumentMut, params: &[Param], point: &[Value]) -> Result<String, SweepError> {
    let mut doc = base.clone();
    for (p, v) in params.iter().zip(point) {
        let parts: Vec<&str> = p.key.split('.').collect();
        let (last, tables) = parts.split_last().expect("keys have a part");
        let mut item = doc.as_item_mut();
        for part in tables {
            if item.get(part).is_none() {
                item[part] = toml_edit::table();
            }
            item = &mut item[part];
            if !item.is_table_like() {
                return Err(SweepError::Spec(format!(
                    "--param {}: {part} is a value in the config, not a table",
                    p.key
                )));
            }
        }
        item[last] = toml_edit::value(match v {
            Value::Int(x) => toml_edit::Value::from(*x),
            Value::Float(x) => toml_edit::Value::from(*x),
            Value::Bool(x) => toml_edit::Value::from(*x),
            Value::Str(x) => toml_edit::Value::from(x.as_str()),
        });
    }
    Ok(doc.to_string())
}

/// Keys that hold paths (`*`: every element of an array of tables).
const PATHS: &[&[&str]] = &[
    &["data", "path"],
    &["journal", "path"],
    &["strategy", "path"],
    &["models", "slots", "*", "path"],
    &["models", "swaps", "*", "path"],
];

/// The document with its relative paths made absolute against `dir` (the
/// base file's folder), so a copy of it works from any folder.
pub fn absolute_paths(doc: &DocumentMut, dir: &Path) -> DocumentMut {
    let mut doc = doc.clone();
    for path in PATHS {
        rebase(doc.as_item_mut(), path, dir);
    }
    doc
}

fn rebase(item: &mut toml_edit::Item, path: &[&str], dir: &Path) {
    match path {
        [] => {}
        [last] => {
            let text = item
                .as_table_like()
                .and_then(|t| t.get(last))
                .and_then(|v| v.as_str().map(str::to_owned));
            if let Some(p) = text {
                let p = Path::new(&p);
                if p.is_relative() {
                    let joined = std::path::absolute(dir.join(p)).unwrap_or_else(|_| dir.join(p));
                    item[last] = toml_edit::value(joined.display().to_string());
                }
            }
        }
        [head, "*", rest @ ..] => {
            let tables = item
                .as_table_like_mut()
                .and_then(|t| t.get_mut(head))
                .and_then(|v| v.as_array_of_tables_mut());
            if let Some(tables) = tables {
                for t in tables.iter_mut() {
                    let mut wrapped = toml_edit::Item::Table(t.clone());
                    rebase(&mut wrapped, rest, dir);
                    if let toml_edit::Item::Table(new) = wrapped {
                        *t = new;
                    }
                }
            }
        }
        [head, rest @ ..] => {
            if let Some(next) = item.as_table_like_mut().and_then(|t| t.get_mut(head)) {
                rebase(next, rest, dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_at_their_keys_and_the_rest_stays() {
        let base: DocumentMut = "# mine\n[strategy]\nkind = \"python\"\nfast = 1 # keep\n"
            .parse()
            .unwrap();
        let params = [
            Param::parse("strategy.fast=5").unwrap(),
            Param::parse("strategy.params.n1=7").unwrap(),
            Param::parse("risk.max_position=1.5").unwrap(),
        ];
        let text = apply(
            &base,
            &params,
            &[Value::Int(5), Value::Int(7), Value::Float(1.5)],
        )
        .unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(parsed["strategy"]["fast"].as_integer(), Some(5));
        assert_eq!(parsed["strategy"]["params"]["n1"].as_integer(), Some(7));
        assert_eq!(parsed["risk"]["max_position"].as_float(), Some(1.5));
        assert!(text.starts_with("# mine\n"), "{text}");
        let nested = Param::parse("strategy.kind.x=1").unwrap();
        assert!(apply(&base, &[nested], &[Value::Int(1)]).is_err());
    }
}
