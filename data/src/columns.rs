//! Decoding Arrow columns into the plain `Vec`s of [`crate::TickBatch`] and
//! [`crate::BarBatch`]: unit conversion, integer/float widening, symbol
//! interning. Appends to reused vectors; allocates nothing per row.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayAccessor, ArrowPrimitiveType, DictionaryArray, PrimitiveArray, StringArray,
};
use arrow_buffer::ArrowNativeType;
use arrow_schema::{DataType, TimeUnit};

use crate::error::Problem;
use crate::schema::ts_scale;
use crate::{SymbolId, SymbolTable};

/// Why a column could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The value at this 0-based index is bad.
    Value(usize, Problem),
    /// The column's type is not accepted (its Arrow type).
    Type(String),
}

fn first_null(arr: &dyn Array) -> Result<(), DecodeError> {
    if arr.logical_null_count() == 0 {
        return Ok(());
    }
    let index = arr
        .logical_nulls()
        .and_then(|n| n.iter().position(|valid| !valid))
        .unwrap_or(0);
    Err(DecodeError::Value(index, Problem::Null))
}

fn scaled<T>(
    arr: &PrimitiveArray<T>,
    scale: i64,
    unit: &'static str,
    out: &mut Vec<i64>,
) -> Result<(), DecodeError>
where
    T: ArrowPrimitiveType,
    T::Native: Into<i64>,
{
    let values = arr.values();
    if scale == 1 {
        out.extend(values.iter().map(|&v| v.into()));
        return Ok(());
    }
    let (lo, hi) = (i64::MIN / scale, i64::MAX / scale);
    if let Some(i) = values.iter().position(|&v| !(lo..=hi).contains(&v.into())) {
        return Err(DecodeError::Value(
            i,
            Problem::TimestampOutOfRange {
                found: values[i].into(),
                unit,
            },
        ));
    }
    out.extend(values.iter().map(|&v| v.into() * scale));
    Ok(())
}

/// Appends the `ts` column as nanoseconds since the epoch.
pub(crate) fn decode_ts(arr: &dyn Array, out: &mut Vec<i64>) -> Result<(), DecodeError> {
    first_null(arr)?;
    let dt = arr.data_type();
    let Some((scale, unit)) = ts_scale(dt) else {
        return Err(DecodeError::Type(dt.to_string()));
    };
    match dt {
        DataType::Timestamp(TimeUnit::Second, _) => {
            scaled(arr.as_primitive::<TimestampSecondType>(), scale, unit, out)
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled(
            arr.as_primitive::<TimestampMillisecondType>(),
            scale,
            unit,
            out,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled(
            arr.as_primitive::<TimestampMicrosecondType>(),
            scale,
            unit,
            out,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled(
            arr.as_primitive::<TimestampNanosecondType>(),
            scale,
            unit,
            out,
        ),
        DataType::Date32 => scaled(arr.as_primitive::<Date32Type>(), scale, unit, out),
        DataType::Date64 => scaled(arr.as_primitive::<Date64Type>(), scale, unit, out),
        DataType::Int64 => scaled(arr.as_primitive::<Int64Type>(), scale, unit, out),
        other => Err(DecodeError::Type(other.to_string())),
    }
}

fn widen<T: ArrowPrimitiveType>(arr: &dyn Array, out: &mut Vec<f64>, f: impl Fn(T::Native) -> f64) {
    out.extend(arr.as_primitive::<T>().values().iter().map(|&v| f(v)));
}

/// Appends a numeric column converted to `f64` (integers above 2^53 round).
pub(crate) fn decode_f64(arr: &dyn Array, out: &mut Vec<f64>) -> Result<(), DecodeError> {
    first_null(arr)?;
    match arr.data_type() {
        DataType::Float64 => out.extend_from_slice(arr.as_primitive::<Float64Type>().values()),
        DataType::Float32 => widen::<Float32Type>(arr, out, f64::from),
        DataType::Int8 => widen::<Int8Type>(arr, out, f64::from),
        DataType::Int16 => widen::<Int16Type>(arr, out, f64::from),
        DataType::Int32 => widen::<Int32Type>(arr, out, f64::from),
        DataType::Int64 => widen::<Int64Type>(arr, out, |v| v as f64),
        DataType::UInt8 => widen::<UInt8Type>(arr, out, f64::from),
        DataType::UInt16 => widen::<UInt16Type>(arr, out, f64::from),
        DataType::UInt32 => widen::<UInt32Type>(arr, out, f64::from),
        DataType::UInt64 => widen::<UInt64Type>(arr, out, |v| v as f64),
        other => return Err(DecodeError::Type(other.to_string())),
    }
    Ok(())
}

/// Interns symbol strings, remembering the previous one so that runs of the
/// same symbol (the common case) cost one string comparison per row.
#[derive(Debug, Default)]
pub(crate) struct SymbolDecoder {
    last: Option<SymbolId>,
    /// Dictionary index -> symbol id, for the current dictionary batch.
    dict: Vec<Option<SymbolId>>,
}

impl SymbolDecoder {
    fn intern(&mut self, name: &str, symbols: &mut SymbolTable) -> SymbolId {
        if let Some(id) = self.last
            && symbols.name(id) == Some(name)
        {
            return id;
        }
        let id = symbols.intern(name);
        self.last = Some(id);
        id
    }

    fn strings<'a, A>(&mut self, arr: A, symbols: &mut SymbolTable, out: &mut Vec<SymbolId>)
    where
        A: ArrayAccessor<Item = &'a str>,
    {
        for i in 0..arr.len() {
            let id = self.intern(arr.value(i), symbols);
            out.push(id);
        }
    }

    fn dictionary<K: ArrowDictionaryKeyType>(
        &mut self,
        arr: &DictionaryArray<K>,
        symbols: &mut SymbolTable,
        out: &mut Vec<SymbolId>,
    ) -> Result<(), DecodeError> {
        let values = arr.values();
        self.dict.clear();
        self.dict.resize(values.len(), None);
        for (i, key) in arr.keys().values().iter().enumerate() {
            let k = key.as_usize();
            let slot = self
                .dict
                .get_mut(k)
                .ok_or(DecodeError::Value(i, Problem::Null))?;
            let id = match *slot {
                Some(id) => id,
                None => {
                    let name = dict_value(values.as_ref(), k)
                        .ok_or(DecodeError::Value(i, Problem::Null))?;
                    let id = symbols.intern(name);
                    *slot = Some(id);
                    id
                }
            };
            out.push(id);
        }
        Ok(())
    }

    /// Appends the `symbol` column as interned ids.
    pub(crate) fn decode(
        &mut self,
        arr: &dyn Array,
        symbols: &mut SymbolTable,
        out: &mut Vec<SymbolId>,
    ) -> Result<(), DecodeError> {
        first_null(arr)?;
        match arr.data_type() {
            DataType::Utf8 => self.strings(arr.as_string::<i32>(), symbols, out),
            DataType::LargeUtf8 => self.strings(arr.as_string::<i64>(), symbols, out),
            DataType::Utf8View => self.strings(arr.as_string_view(), symbols, out),
            DataType::Dictionary(key, _) => match key.as_ref() {
                DataType::Int8 => self.dictionary(arr.as_dictionary::<Int8Type>(), symbols, out)?,
                DataType::Int16 => {
                    self.dictionary(arr.as_dictionary::<Int16Type>(), symbols, out)?
                }
                DataType::Int32 => {
                    self.dictionary(arr.as_dictionary::<Int32Type>(), symbols, out)?
                }
                DataType::Int64 => {
                    self.dictionary(arr.as_dictionary::<Int64Type>(), symbols, out)?
                }
                DataType::UInt8 => {
                    self.dictionary(arr.as_dictionary::<UInt8Type>(), symbols, out)?
                }
                DataType::UInt16 => {
                    self.dictionary(arr.as_dictionary::<UInt16Type>(), symbols, out)?
                }
                DataType::UInt32 => {
                    self.dictionary(arr.as_dictionary::<UInt32Type>(), symbols, out)?
                }
                DataType::UInt64 => {
                    self.dictionary(arr.as_dictionary::<UInt64Type>(), symbols, out)?
                }
                _ => return Err(DecodeError::Type(arr.data_type().to_string())),
            },
            other => return Err(DecodeError::Type(other.to_string())),
        }
        Ok(())
    }
}

/// The `k`-th value of a dictionary's string values, if present and not null.
fn dict_value(values: &dyn Array, k: usize) -> Option<&str> {
    if k >= values.len() || values.is_null(k) {
        return None;
    }
    match values.data_type() {
        DataType::Utf8 => values
            .as_any()
            .downcast_ref::<StringArray>()
            .map(|a| a.value(k)),
        DataType::LargeUtf8 => Some(values.as_string::<i64>().value(k)),
        DataType::Utf8View => Some(values.as_string_view().value(k)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Float32Array, Int64Array, LargeStringArray, TimestampMillisecondArray};

    use super::*;

    #[test]
    fn timestamps_scale_and_overflow() {
        let mut out = Vec::new();
        let ms = TimestampMillisecondArray::from(vec![1, 2]).with_timezone("UTC");
        assert!(decode_ts(&ms, &mut out).is_ok());
        assert_eq!(out, [1_000_000, 2_000_000]);
        let big = TimestampMillisecondArray::from(vec![1, i64::MAX / 10]);
        match decode_ts(&big, &mut out) {
            Err(DecodeError::Value(1, Problem::TimestampOutOfRange { unit: "ms", .. })) => {}
            other => panic!("{other:?}"),
        }
        let nulls = Int64Array::from(vec![Some(1), None]);
        assert!(matches!(
            decode_ts(&nulls, &mut out),
            Err(DecodeError::Value(1, Problem::Null))
        ));
    }

    #[test]
    fn floats_widen() {
        let mut out = Vec::new();
        assert!(decode_f64(&Float32Array::from(vec![1.5f32]), &mut out).is_ok());
        assert!(decode_f64(&Int64Array::from(vec![7]), &mut out).is_ok());
        assert_eq!(out, [1.5, 7.0]);
    }

    #[test]
    fn symbols_intern_in_order() {
        let mut table = SymbolTable::default();
        let mut dec = SymbolDecoder::default();
        let mut out = Vec::new();
        let large = LargeStringArray::from(vec!["B", "B", "A"]);
        assert!(dec.decode(&large, &mut table, &mut out).is_ok());
        let dict: DictionaryArray<Int8Type> = vec!["C", "A", "C"].into_iter().collect();
        assert!(dec.decode(&dict, &mut table, &mut out).is_ok());
        assert_eq!(out, [0, 0, 1, 2, 1, 2]);
        assert_eq!(table.names(), ["B", "A", "C"]);
        let with_null = DictionaryArray::<Int32Type>::try_new(
            arrow_array::Int32Array::from(vec![0, 1]),
            Arc::new(StringArray::from(vec![Some("X"), None])),
        );
        let with_null = with_null.ok().unwrap_or_else(|| panic!("dictionary"));
        assert!(matches!(
            dec.decode(&with_null, &mut table, &mut out),
            Err(DecodeError::Value(1, Problem::Null))
        ));
    }
}
