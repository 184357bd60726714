//! A session's canonical settings: the config file as parsed, without the
//! keys that say where things are (the journal, data and model paths, venue
//! URLs) or who is trading (credentials), rendered as one line of JSON with
//! sorted keys. The session-start record journals this instead of the
//! file's text, so the head hash depends on what the engine consumed (these
//! settings, the content hashes of data and models, the inputs) and never on
//! where the journal is written or how the file is laid out. The file's own
//! text is kept beside the journal (`config.toml`), outside the hash chain.

use std::fmt::Write as _;

/// Keys removed from the settings: paths from the root; `*` is every
/// element of an array of tables.
const LOCATIONS: &[&[&str]] = &[
    &["journal"],
    &["data", "path"],
    &["data", "catalog"],
    &["strategy", "path"],
    &["strategy", "python"],
    &["models", "slots", "*", "path"],
    &["models", "swaps", "*", "path"],
    &["models", "swaps", "*", "from_journal"],
    &["exchange", "rest_url"],
    &["exchange", "ws_url"],
    &["exchange", "api_key"],
    &["exchange", "api_secret"],
    &["exchange", "passphrase"],
    &["exchange", "api_key_env"],
    &["exchange", "api_secret_env"],
    &["exchange", "passphrase_env"],
];

/// The canonical settings of a config file's text (which has already been
/// parsed successfully; text that does not parse is returned as a JSON
/// string, so nothing is lost).
pub fn canonical_settings(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return serde_json::Value::String(text.to_owned()).to_string();
    };
    for path in LOCATIONS {
        remove(&mut table, path);
    }
    let mut out = String::with_capacity(text.len());
    render_table(&table, &mut out);
    out
}

fn remove(table: &mut toml::Table, path: &[&str]) {
    match path {
        [] => {}
        [last] => {
            table.remove(*last);
        }
        [head, "*", rest @ ..] => {
            if let Some(toml::Value::Array(items)) = table.get_mut(*head) {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        remove(t, rest);
                    }
                }
            }
        }
        [head, rest @ ..] => {
            if let Some(toml::Value::Table(t)) = table.get_mut(*head) {
                remove(t, rest);
            }
        }
    }
}

fn render_table(table: &toml::Table, out: &mut String) {
    // Sorted explicitly: the map's own order may be the file's.
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String(key.clone()).to_string());
        out.push(':');
        render(&table[key.as_str()], out);
    }
    out.push('}');
}

fn render(value: &toml::Value, out: &mut String) {
    match value {
        toml::Value::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        toml::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        // Shortest round-trip form; JSON has no NaN or infinities.
        toml::Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        toml::Value::Float(f) => {
            let _ = write!(out, "\"{f}\"");
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "\"{d}\"");
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(item, out);
            }
            out.push(']');
        }
        toml::Value::Table(t) => render_table(t, out),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_settings;

    const A: &str = r#"
[session]
cash = 10000.0
seed = 7
[data]
path = "/tmp/a/bars.parquet"
symbol = "GOOG"
[strategy]
kind = "sma_cross"
fast = 10
slow = 30
[journal]
path = "/tmp/a/run1"
durability = "none"
[[models.slots]]
path = "/tmp/a/m.onnx"
threads = 1
[exchange]
api_key = "k-123"
rest_url = "http://127.0.0.1:1234"
venue = "binance"
"#;

    const B: &str = r#"
# the same settings, written elsewhere and differently
[strategy]
slow = 30   # slow window
kind   =   "sma_cross"
fast = 10

[exchange]
venue = "binance"
api_key = "other"
rest_url = "http://127.0.0.1:9999"

[data]
symbol = "GOOG"
path = "bars.parquet"

[session]
seed = 7
cash = 1e4

[journal]
path = "elsewhere/run2"

[[models.slots]]
threads = 1
path = "models/m.onnx"
"#;

    #[test]
    fn locations_layout_and_credentials_do_not_count() {
        let a = canonical_settings(A);
        assert_eq!(a, canonical_settings(B));
        assert_eq!(
            a,
            r#"{"data":{"symbol":"GOOG"},"exchange":{"venue":"binance"},"models":{"slots":[{"threads":1}]},"session":{"cash":10000.0,"seed":7},"strategy":{"fast":10,"kind":"sma_cross","slow":30}}"#
        );
        assert!(!a.contains("k-123"));
    }

    #[test]
    fn a_changed_setting_counts() {
        assert_ne!(
            canonical_settings(A),
            canonical_settings(&A.replace("fast = 10", "fast = 11"))
        );
    }
}
