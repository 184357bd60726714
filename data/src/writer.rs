//! [`TickWriter`] and [`BarWriter`]: streaming Parquet writers.
//!
//! Files are written to `<name>.partial` next to the target and renamed into
//! place by `finish`, so a reader never sees a half-written file; a writer
//! dropped without `finish` removes its partial file.
//!
//! Layout: `ts` delta-encoded, every other column dictionary-encoded (with
//! Parquet's fallback to plain pages for high-cardinality columns), zstd
//! level 3 (or snappy), row groups of 1,048,576 rows. On synthetic ticks this
//! is about 7 bytes per row and reads ~2x faster than plain pages.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, RecordBatch, StringArray,
    TimestampNanosecondArray,
};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCompression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::schema::{self, SYMBOL, TS};
use crate::{BarBatch, DataError, SymbolId, SymbolTable, TickBatch};

/// Compression codec for written files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Zstandard, level 3 (default): smaller files.
    #[default]
    Zstd,
    /// Snappy: faster to write and read.
    Snappy,
}

/// Options for [`TickWriter::with_options`] and [`BarWriter::with_options`].
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Codec for every column.
    pub compression: Compression,
    /// Rows per row group (default 1,048,576).
    pub row_group_rows: usize,
    /// Whether files have a `symbol` column (default). A catalog's files
    /// leave it out: their partition path names the symbol, and a column of
    /// the same name would clash with it for Hive-aware readers.
    pub symbol_column: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            compression: Compression::Zstd,
            row_group_rows: 1 << 20,
            symbol_column: true,
        }
    }
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    partial: PathBuf,
    schema: SchemaRef,
    writer: Option<ArrowWriter<BufWriter<File>>>,
    rows: u64,
    with_symbol: bool,
}

impl Inner {
    fn new(path: &Path, schema: SchemaRef, options: &WriterOptions) -> Result<Self, DataError> {
        let schema = if options.symbol_column {
            schema
        } else {
            let fields: Vec<_> = schema
                .fields()
                .iter()
                .filter(|f| f.name() != SYMBOL)
                .cloned()
                .collect();
            Arc::new(arrow_schema::Schema::new(fields))
        };
        let Some(name) = path.file_name() else {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no file name");
            return Err(DataError::io(path, e));
        };
        let mut partial_name = name.to_os_string();
        partial_name.push(".partial");
        let partial = path.with_file_name(partial_name);
        let compression = match options.compression {
            Compression::Zstd => {
                ParquetCompression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default())
            }
            Compression::Snappy => ParquetCompression::SNAPPY,
        };
        let props = WriterProperties::builder()
            .set_compression(compression)
            .set_max_row_group_row_count(Some(options.row_group_rows.max(1)))
            // Dictionary pages for symbol and values (prices on a tick grid and
            // sizes repeat a lot; the writer falls back to plain pages when a
            // dictionary grows too large), delta encoding for timestamps.
            .set_dictionary_enabled(true)
            .set_column_dictionary_enabled(ColumnPath::from(TS), false)
            .set_column_encoding(ColumnPath::from(TS), Encoding::DELTA_BINARY_PACKED)
            .build();
        let file = File::create(&partial).map_err(|e| DataError::io(&partial, e))?;
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            schema.clone(),
            Some(props),
        )
        .map_err(|source| DataError::Write {
            file: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            partial,
            schema,
            writer: Some(writer),
            rows: 0,
            with_symbol: options.symbol_column,
        })
    }

    fn bad(&self, reason: String) -> DataError {
        DataError::BadBatch {
            file: self.path.clone(),
            reason,
        }
    }

    fn symbol_column(
        &self,
        ids: &[SymbolId],
        symbols: &SymbolTable,
    ) -> Result<ArrayRef, DataError> {
        let n = symbols.len();
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= n) {
            return Err(self.bad(format!(
                "symbol id {id} is not in the symbol table ({n} symbols)"
            )));
        }
        let keys = Int32Array::from_iter_values(ids.iter().map(|&id| id as i32));
        let values = StringArray::from_iter_values(symbols.names());
        let dict = DictionaryArray::try_new(keys, Arc::new(values))
            .map_err(|e| self.bad(e.to_string()))?;
        Ok(Arc::new(dict))
    }

    fn write(
        &mut self,
        ts: &[i64],
        ids: &[SymbolId],
        symbols: &SymbolTable,
        values: &[&[f64]],
    ) -> Result<(), DataError> {
        if ts.is_empty() {
            return Ok(());
        }
        if i32::try_from(symbols.len()).is_err() {
            return Err(self.bad("more than i32::MAX symbols".to_owned()));
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(values.len() + 2);
        columns.push(Arc::new(
            TimestampNanosecondArray::from(ts.to_vec()).with_timezone("UTC"),
        ));
        if self.with_symbol {
            columns.push(self.symbol_column(ids, symbols)?);
        }
        columns.extend(
            values
                .iter()
                .map(|v| Arc::new(Float64Array::from(v.to_vec())) as ArrayRef),
        );
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| self.bad(e.to_string()))?;
        let Some(writer) = &mut self.writer else {
            return Err(self.bad("writer already finished".to_owned()));
        };
        writer.write(&batch).map_err(|source| DataError::Write {
            file: self.path.clone(),
            source,
        })?;
        self.rows += ts.len() as u64;
        Ok(())
    }

    fn finish(&mut self) -> Result<u64, DataError> {
        let Some(writer) = self.writer.take() else {
            return Ok(self.rows);
        };
        let write_err = |source| DataError::Write {
            file: self.path.clone(),
            source,
        };
        let buffered = writer.into_inner().map_err(write_err)?;
        let file = buffered
            .into_inner()
            .map_err(|e| DataError::io(&self.partial, e.into_error()))?;
        file.sync_all()
            .map_err(|e| DataError::io(&self.partial, e))?;
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(|e| DataError::io(&self.path, e))?;
        Ok(self.rows)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(mut w) = self.writer.take() {
            // Unfinished: discard the partial file (best effort).
            let _ = w.inner_mut().flush();
            drop(w);
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

macro_rules! writer {
    ($(#[$doc:meta])* $name:ident, $batch:ident, $schema:path, [$($col:ident),+]) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            inner: Inner,
        }

        impl $name {
            /// Creates `path` (via `<path>.partial`) with default options.
            pub fn new(path: &Path) -> Result<Self, DataError> {
                Self::with_options(path, &WriterOptions::default())
            }

            /// Creates `path` (via `<path>.partial`) with the given options.
            pub fn with_options(path: &Path, options: &WriterOptions) -> Result<Self, DataError> {
                Ok(Self { inner: Inner::new(path, $schema(), options)? })
            }

            /// Appends a batch. `symbols` must hold every id in `batch.symbol`.
            /// Values are written as given (validation happens when reading).
            pub fn write(&mut self, batch: &$batch, symbols: &SymbolTable) -> Result<(), DataError> {
                if !batch.is_consistent() {
                    return Err(self.inner.bad("columns have unequal lengths".to_owned()));
                }
                self.inner.write(&batch.ts, &batch.symbol, symbols, &[$(&batch.$col),+])
            }

            /// Rows written so far.
            pub fn rows(&self) -> u64 {
                self.inner.rows
            }

            /// Writes the footer, syncs, and renames the file into place.
            /// Returns the number of rows written.
            pub fn finish(mut self) -> Result<u64, DataError> {
                self.inner.finish()
            }
        }
    };
}

writer!(
    /// Streaming writer of the ticks schema ([`schema::tick_schema`]).
    TickWriter, TickBatch, schema::tick_schema, [bid, ask, bid_size, ask_size, last, volume]
);
writer!(
    /// Streaming writer of the bars schema ([`schema::bar_schema`]).
    BarWriter, BarBatch, schema::bar_schema, [open, high, low, close, volume]
);

/// Writes one batch of ticks to `path` (convenience). Returns the rows written.
pub fn write_ticks(
    path: &Path,
    batch: &TickBatch,
    symbols: &SymbolTable,
) -> Result<u64, DataError> {
    let mut w = TickWriter::new(path)?;
    w.write(batch, symbols)?;
    w.finish()
}

/// Writes one batch of bars to `path` (convenience). Returns the rows written.
pub fn write_bars(path: &Path, batch: &BarBatch, symbols: &SymbolTable) -> Result<u64, DataError> {
    let mut w = BarWriter::new(path)?;
    w.write(batch, symbols)?;
    w.finish()
}
