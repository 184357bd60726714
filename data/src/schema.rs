//! Column names, the Arrow schemas this crate writes, and the column types it
//! accepts when reading (see the crate `README.md` for the full table).

use std::path::Path;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{DataError, DataKind};

/// Event time column.
pub const TS: &str = "ts";
/// Symbol column.
pub const SYMBOL: &str = "symbol";
/// Value columns of the ticks schema, in schema order.
pub const TICK_VALUES: [&str; 6] = ["bid", "ask", "bid_size", "ask_size", "last", "volume"];
/// Value columns of the bars schema, in schema order.
pub const BAR_VALUES: [&str; 5] = ["open", "high", "low", "close", "volume"];

/// Types accepted for `ts`.
pub(crate) const TS_TYPES: &str =
    "Timestamp (s, ms, us or ns, any or no timezone), Date32, Date64 or Int64 (ns)";
/// Types accepted for `symbol`.
pub(crate) const SYMBOL_TYPES: &str =
    "Utf8, LargeUtf8, Utf8View or Dictionary(integer, Utf8/LargeUtf8/Utf8View)";
/// Types accepted for value columns.
pub(crate) const VALUE_TYPES: &str = "Float64, Float32 or an integer type";

/// The Arrow type this crate writes for `ts`: `Timestamp(ns, "UTC")`.
pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// The Arrow type this crate writes for `symbol`: `Dictionary(Int32, Utf8)`.
pub fn symbol_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn schema_with(values: &[&str]) -> SchemaRef {
    let mut fields = vec![
        Field::new(TS, ts_type(), false),
        Field::new(SYMBOL, symbol_type(), false),
    ];
    fields.extend(
        values
            .iter()
            .map(|name| Field::new(*name, DataType::Float64, false)),
    );
    Arc::new(Schema::new(fields))
}

/// The schema [`crate::TickWriter`] writes: `ts`, `symbol`, then [`TICK_VALUES`] as Float64.
pub fn tick_schema() -> SchemaRef {
    schema_with(&TICK_VALUES)
}

/// The schema [`crate::BarWriter`] writes: `ts`, `symbol`, then [`BAR_VALUES`] as Float64.
pub fn bar_schema() -> SchemaRef {
    schema_with(&BAR_VALUES)
}

/// The value columns of a kind.
pub fn value_columns(kind: DataKind) -> &'static [&'static str] {
    match kind {
        DataKind::Ticks => &TICK_VALUES,
        DataKind::Bars => &BAR_VALUES,
    }
}

/// Multiplier from the stored unit of an accepted `ts` type to nanoseconds,
/// with the unit's name; `None` if the type is not accepted.
pub(crate) fn ts_scale(dt: &DataType) -> Option<(i64, &'static str)> {
    Some(match dt {
        DataType::Timestamp(TimeUnit::Second, _) => (1_000_000_000, "s"),
        DataType::Timestamp(TimeUnit::Millisecond, _) => (1_000_000, "ms"),
        DataType::Timestamp(TimeUnit::Microsecond, _) => (1_000, "us"),
        DataType::Timestamp(TimeUnit::Nanosecond, _) | DataType::Int64 => (1, "ns"),
        DataType::Date32 => (86_400_000_000_000, "days"),
        DataType::Date64 => (1_000_000, "ms"),
        _ => return None,
    })
}

fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

pub(crate) fn is_symbol_type(dt: &DataType) -> bool {
    match dt {
        DataType::Dictionary(key, value) => key.is_dictionary_key_type() && is_string(value),
        other => is_string(other),
    }
}

pub(crate) fn is_value_type(dt: &DataType) -> bool {
    matches!(dt, DataType::Float64 | DataType::Float32) || dt.is_integer()
}

/// Which data a schema holds: ticks if it has any tick-only column (`bid`,
/// `ask`, `bid_size`, `ask_size`, `last`), bars if it has any bar-only column
/// (`open`, `high`, `low`, `close`).
pub(crate) fn detect_kind(schema: &Schema, file: &Path) -> Result<DataKind, DataError> {
    let has = |name: &str| schema.field_with_name(name).is_ok();
    if TICK_VALUES[..5].iter().any(|c| has(c)) {
        Ok(DataKind::Ticks)
    } else if BAR_VALUES[..4].iter().any(|c| has(c)) {
        Ok(DataKind::Bars)
    } else {
        Err(DataError::UnknownKind {
            file: file.to_path_buf(),
            columns: schema.fields().iter().map(|f| f.name().clone()).collect(),
        })
    }
}

/// Where the needed columns sit in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Index of `ts`.
    pub ts: usize,
    /// Index of `symbol`, or `None` when a default symbol stands in.
    pub symbol: Option<usize>,
    /// Indices of the kind's value columns, in [`value_columns`] order.
    pub values: Vec<usize>,
}

impl Layout {
    /// All indices, ascending (for a projection).
    pub fn indices(&self) -> Vec<usize> {
        let mut v = Vec::with_capacity(self.values.len() + 2);
        v.push(self.ts);
        v.extend(self.symbol);
        v.extend(&self.values);
        v.sort_unstable();
        v
    }
}

/// Finds and type-checks the columns of `kind` in `schema`. A missing
/// `symbol` is accepted when `has_default_symbol`.
pub(crate) fn layout(
    schema: &Schema,
    kind: DataKind,
    has_default_symbol: bool,
    file: &Path,
) -> Result<Layout, DataError> {
    let find = |name: &str,
                ok: fn(&DataType) -> bool,
                expected: &str|
     -> Result<Option<usize>, DataError> {
        let Ok(i) = schema.index_of(name) else {
            return Ok(None);
        };
        let dt = schema.field(i).data_type();
        if ok(dt) {
            Ok(Some(i))
        } else {
            Err(DataError::ColumnType {
                file: file.to_path_buf(),
                column: name.to_owned(),
                expected: expected.to_owned(),
                found: dt.to_string(),
            })
        }
    };
    let require =
        |name: &str, ok: fn(&DataType) -> bool, expected: &str| -> Result<usize, DataError> {
            find(name, ok, expected)?.ok_or_else(|| DataError::MissingColumn {
                file: file.to_path_buf(),
                column: name.to_owned(),
                expected: expected.to_owned(),
            })
        };
    let ts = require(TS, |dt| ts_scale(dt).is_some(), TS_TYPES)?;
    let symbol = match find(SYMBOL, is_symbol_type, SYMBOL_TYPES)? {
        Some(i) => Some(i),
        None if has_default_symbol => None,
        None => {
            return Err(DataError::MissingColumn {
                file: file.to_path_buf(),
                column: SYMBOL.to_owned(),
                expected: format!("{SYMBOL_TYPES}, or a default symbol from the caller"),
            });
        }
    };
    let values = value_columns(kind)
        .iter()
        .map(|name| require(name, is_value_type, VALUE_TYPES))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Layout { ts, symbol, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_schemas_are_accepted() {
        let p = Path::new("x.parquet");
        let t = tick_schema();
        assert_eq!(detect_kind(&t, p).ok(), Some(DataKind::Ticks));
        let l = layout(&t, DataKind::Ticks, false, p).ok();
        assert_eq!(
            l,
            Some(Layout {
                ts: 0,
                symbol: Some(1),
                values: vec![2, 3, 4, 5, 6, 7]
            })
        );
        let b = bar_schema();
        assert_eq!(detect_kind(&b, p).ok(), Some(DataKind::Bars));
        assert!(layout(&b, DataKind::Bars, false, p).is_ok());
    }

    #[test]
    fn accepted_types() {
        assert!(ts_scale(&DataType::Timestamp(TimeUnit::Millisecond, None)).is_some());
        assert!(ts_scale(&DataType::Utf8).is_none());
        assert!(is_symbol_type(&DataType::Dictionary(
            Box::new(DataType::Int8),
            Box::new(DataType::LargeUtf8)
        )));
        assert!(!is_symbol_type(&DataType::Dictionary(
            Box::new(DataType::Float32),
            Box::new(DataType::Utf8)
        )));
        assert!(is_value_type(&DataType::UInt16));
        assert!(!is_value_type(&DataType::Utf8));
    }
}
