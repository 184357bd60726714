//! `--constraint "strategy.fast < strategy.slow"`: a boolean expression
//! over the swept keys (comparisons, arithmetic, `&&`, `||`, `!`),
//! evaluated by `evalexpr` for each point of the grid.

use evalexpr::{ContextWithMutableVariables, HashMapContext, Node, Value as Ev};

use crate::error::SweepError;
use crate::space::{Param, Value};

/// A parsed constraint.
#[derive(Debug)]
pub struct Constraint {
    text: String,
    tree: Node,
}

impl Constraint {
    /// Parses `text`, whose names must be swept keys.
    pub fn parse(text: &str, params: &[Param]) -> Result<Self, SweepError> {
        let bad = |why: String| SweepError::Spec(format!("--constraint {text:?}: {why}"));
        let expr = rename(text, params).map_err(bad)?;
        let tree = evalexpr::build_operator_tree(&expr).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            text: text.to_owned(),
            tree,
        })
    }

    /// Whether `point` satisfies it.
    pub fn admits(&self, point: &[Value]) -> Result<bool, SweepError> {
        let mut context = HashMapContext::new();
        for (i, v) in point.iter().enumerate() {
            let value = match v {
                Value::Int(x) => Ev::Int(*x),
                Value::Float(x) => Ev::Float(*x),
                Value::Bool(x) => Ev::Boolean(*x),
                Value::Str(x) => Ev::String(x.clone()),
            };
            context
                .set_value(format!("p{i}"), value)
                .map_err(|e| SweepError::Spec(e.to_string()))?;
        }
        self.tree
            .eval_boolean_with_context(&context)
            .map_err(|e| SweepError::Spec(format!("--constraint {:?}: {e}", self.text)))
    }
}

/// The expression with each swept key replaced by `p{index}`; any other
/// name is an error naming the keys.
fn rename(text: &str, params: &[Param]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| -> Result<(), String> {
        if word.is_empty() {
            return Ok(());
        }
        let starts_alpha = word.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if !starts_alpha || word == "true" || word == "false" {
            out.push_str(word);
        } else if let Some(i) = params.iter().position(|p| p.key == *word) {
            out.push_str(&format!("p{i}"));
        } else {
            let keys: Vec<&str> = params.iter().map(|p| p.key.as_str()).collect();
            return Err(format!(
                "{word} is not a swept key (swept: {})",
                keys.join(", ")
            ));
        }
        word.clear();
        Ok(())
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
        } else {
            flush(&mut word, &mut out)?;
            out.push(c);
        }
    }
    flush(&mut word, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_filters_points_and_names_unknown_keys() {
        let params = [
            Param::parse("strategy.fast=5:50:5").unwrap(),
            Param::parse("strategy.slow=20:200:10").unwrap(),
        ];
        let c = Constraint::parse(
            "strategy.fast < strategy.slow / 2 && strategy.slow != 30",
            &params,
        )
        .unwrap();
        assert!(c.admits(&[Value::Int(5), Value::Int(20)]).unwrap());
        assert!(!c.admits(&[Value::Int(15), Value::Int(20)]).unwrap());
        assert!(!c.admits(&[Value::Int(5), Value::Int(30)]).unwrap());
        let e = Constraint::parse("strategy.fsat < strategy.slow", &params).unwrap_err();
        assert!(
            e.to_string().contains("strategy.fsat is not a swept key"),
            "{e}"
        );
        // Incomplete or not boolean: refused at the first point.
        for text in ["strategy.fast <", "strategy.fast + 1"] {
            let e = Constraint::parse(text, &params)
                .and_then(|c| c.admits(&[Value::Int(5), Value::Int(20)]))
                .unwrap_err();
            assert!(e.to_string().contains("--constraint"), "{e}");
        }
    }
}
