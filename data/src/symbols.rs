//! Symbol interning: names to dense `u32` ids, in order of first appearance.

use std::collections::BTreeMap;

/// Dense id of an interned symbol name; an index into [`SymbolTable::names`].
pub type SymbolId = u32;

/// Symbol names interned in order of first appearance.
///
/// Ids are dense (`0, 1, 2, ...`) and depend only on the order in which names
/// are interned, so two readers of the same files build equal tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolTable {
    names: Vec<String>,
    ids: BTreeMap<String, SymbolId>,
}

impl SymbolTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, interning it if it is new.
    ///
    /// # Panics
    ///
    /// Only if more than `u32::MAX` distinct names are interned.
    pub fn intern(&mut self, name: &str) -> SymbolId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = SymbolId::try_from(self.names.len()).expect("more than u32::MAX symbols");
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// The id of `name`, if it has been interned.
    pub fn get(&self, name: &str) -> Option<SymbolId> {
        self.ids.get(name).copied()
    }

    /// The name behind `id`, if `id` has been handed out.
    pub fn name(&self, id: SymbolId) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// All names, indexed by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of interned names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name has been interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_order_of_first_appearance() {
        let mut t = SymbolTable::new();
        assert!(t.is_empty());
        assert_eq!(t.intern("BTCUSDT"), 0);
        assert_eq!(t.intern("ETHUSDT"), 1);
        assert_eq!(t.intern("BTCUSDT"), 0);
        assert_eq!(t.len(), 2);
        assert_eq!(t.name(1), Some("ETHUSDT"));
        assert_eq!(t.name(2), None);
        assert_eq!(t.get("ETHUSDT"), Some(1));
        assert_eq!(t.names(), ["BTCUSDT".to_owned(), "ETHUSDT".to_owned()]);
    }
}
