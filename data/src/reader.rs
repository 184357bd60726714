//! [`MarketReader`]: streams ticks or bars out of one Parquet file or a
//! directory of them, validating every row.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use arrow_array::{RecordBatch, RecordBatchReader};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use sha2::{Digest, Sha256};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parquet::file::statistics::Statistics;

use crate::batch::Rows;
use crate::columns::{DecodeError, SymbolDecoder, decode_f64, decode_ts};
use crate::counted::Counted;
use crate::merge::Merge;
use crate::object::{self, Object, Ranged};
use crate::schema::{self, Layout, SYMBOL, TS};
use crate::validate::{Violation, check_bars, check_ticks};
use crate::{BarBatch, DataError, DataKind, SymbolTable, TickBatch};
use parquet::file::reader::ChunkReader;

/// A provenance record of one input file (for the journal's session-start record).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProvenance {
    /// The path as opened (lossily converted to UTF-8).
    pub path: String,
    /// File size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Rows, from the Parquet footer.
    pub rows: u64,
}

/// Options for [`MarketReader::open`].
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Rows per batch handed out (at most). Default 65536; 0 is taken as 1.
    pub batch_size: usize,
    /// Symbol for files without a `symbol` column. Without it such files are
    /// rejected.
    pub default_symbol: Option<String>,
    /// Only rows with times in this range (ns, end excluded): row groups
    /// whose `ts` statistics lie outside it are not read at all.
    pub time_range: Option<std::ops::Range<i64>>,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            batch_size: 65_536,
            default_symbol: None,
            time_range: None,
        }
    }
}

#[derive(Debug)]
struct InputFile {
    path: PathBuf,
    /// The object, when `path` is an `s3://` URL.
    object: Option<Object>,
    metadata: ArrowReaderMetadata,
    layout: Layout,
    provenance: FileProvenance,
}

#[derive(Debug)]
struct OpenFile {
    index: usize,
    reader: ParquetRecordBatchReader,
    /// Positions of the needed columns in the projected batches.
    layout: Layout,
    rows_read: u64,
}

/// Streaming reader of validated ticks or bars.
///
/// Batches come out in file order, then row order. Every row handed out has
/// passed the checks listed in the crate docs; the first bad row stops the
/// reader with a [`DataError`] naming file, row and column, and later calls
/// return [`DataError::Stopped`].
#[derive(Debug)]
pub struct MarketReader {
    files: Vec<InputFile>,
    kind: DataKind,
    options: ReaderOptions,
    symbols: SymbolTable,
    symbol_decoder: SymbolDecoder,
    current: Option<OpenFile>,
    next_file: usize,
    last_ts: Option<i64>,
    stopped: Option<PathBuf>,
    /// Bytes read from the Parquet files (footers and row groups read).
    bytes_read: Arc<AtomicU64>,
    /// A catalog query's readers, one per symbol, merged in time order
    /// (then `files` is empty and `symbols` holds the query's symbols).
    merge: Option<Box<Merge>>,
}

/// Lists `path` itself, or the `*.parquet` files of directory `path` (names
/// starting with `.` skipped) sorted by file name.
fn list_files(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    if object::is_url(path) {
        return object::list_parquet(path);
    }
    let meta = std::fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| DataError::io(path, e))? {
        let entry = entry.map_err(|e| DataError::io(path, e))?;
        let p = entry.path();
        let name = entry.file_name();
        let visible = !name.to_string_lossy().starts_with('.');
        if visible && p.extension().is_some_and(|e| e == "parquet") && p.is_file() {
            files.push(p);
        }
    }
    if files.is_empty() {
        return Err(DataError::EmptyDirectory {
            dir: path.to_path_buf(),
        });
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// The row groups of `input` whose `ts` statistics may hold times in
/// `range` (all of them without a range, or where statistics are missing
/// or of another type).
fn row_groups(input: &InputFile, range: Option<&std::ops::Range<i64>>) -> Vec<usize> {
    let meta = input.metadata.metadata();
    let all = 0..meta.num_row_groups();
    let (Some(range), Some((scale, _))) = (
        range,
        schema::ts_scale(input.metadata.schema().field(input.layout.ts).data_type()),
    ) else {
        return all.collect();
    };
    // The leaf column of `ts` (leaves and Arrow fields differ once a nested
    // column comes first).
    let Some(leaf) = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|c| c.path().parts() == [TS])
    else {
        return all.collect();
    };
    all.filter(|&g| {
        let stats = meta.row_group(g).column(leaf).statistics();
        let Some(Statistics::Int64(s)) = stats else {
            return true;
        };
        let (Some(&min), Some(&max)) = (s.min_opt(), s.max_opt()) else {
            return true;
        };
        let ns = |v: i64| v.saturating_mul(scale);
        ns(max) >= range.start && ns(min) < range.end
    })
    .collect()
}

/// Size and SHA-256 of a file's bytes.
pub(crate) fn hash_file(path: &Path) -> Result<(u64, String), DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(DataError::io(path, e)),
        };
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn decode_err(file: &Path, row0: u64, column: &str, e: DecodeError) -> DataError {
    match e {
        DecodeError::Value(i, problem) => DataError::Invalid {
            file: file.to_path_buf(),
            row: row0 + i as u64 + 1,
            column: column.to_owned(),
            problem,
        },
        DecodeError::Type(found) => DataError::ColumnType {
            file: file.to_path_buf(),
            column: column.to_owned(),
            expected: "the type of the file's first batch".to_owned(),
            found,
        },
    }
}

impl MarketReader {
    /// Opens a `.parquet` file, or a directory of them (all `*.parquet`
    /// files, sorted by file name, read in that order; timestamps must keep
    /// increasing across files). Detects ticks vs bars from the first file's
    /// columns; all files must agree. Hashes every file (SHA-256) and checks
    /// every file's schema here, so schema errors surface before any row is
    /// read.
    pub fn open(path: &Path, options: ReaderOptions) -> Result<Self, DataError> {
        Self::open_files(path, list_files(path)?, options)
    }

    /// Opens `files`, read in the order given, as [`MarketReader::open`]
    /// opens a directory's; `root` names the set in errors.
    pub fn open_files(
        root: &Path,
        list: Vec<PathBuf>,
        options: ReaderOptions,
    ) -> Result<Self, DataError> {
        let path = root;
        let bytes_read = Arc::new(AtomicU64::new(0));
        let mut files = Vec::new();
        let mut kind = None;
        let mut buckets = Vec::new();
        for path in list {
            let not_parquet = |source| DataError::NotParquet {
                file: path.clone(),
                source,
            };
            let (object, bytes, sha256, metadata) = if object::is_url(&path) {
                let object = object::find(&path, &mut buckets)?;
                let ranged = Ranged::new(object.clone(), bytes_read.clone());
                let metadata = ArrowReaderMetadata::load(&ranged, ArrowReaderOptions::new())
                    .map_err(not_parquet)?;
                let id = format!("etag:{}", object.etag.clone().unwrap_or_default());
                (Some(object.clone()), object.size, id, metadata)
            } else {
                let (bytes, sha256) = hash_file(&path)?;
                let file = File::open(&path).map_err(|e| DataError::io(&path, e))?;
                let file = Counted::new(file, bytes_read.clone());
                let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                    .map_err(not_parquet)?;
                (None, bytes, sha256, metadata)
            };
            let found = schema::detect_kind(metadata.schema(), &path)?;
            let kind = *kind.get_or_insert(found);
            if found != kind {
                return Err(DataError::KindMismatch {
                    file: path,
                    expected: kind,
                    found,
                });
            }
            let layout = schema::layout(
                metadata.schema(),
                kind,
                options.default_symbol.is_some(),
                &path,
            )?;
            let rows = u64::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
            let provenance = FileProvenance {
                path: path.to_string_lossy().into_owned(),
                bytes,
                sha256,
                rows,
            };
            files.push(InputFile {
                path,
                object,
                metadata,
                layout,
                provenance,
            });
        }
        let kind = kind.ok_or_else(|| DataError::EmptyDirectory {
            dir: path.to_path_buf(),
        })?;
        if files.iter().all(|f| f.provenance.rows == 0) {
            return Err(DataError::NoRows {
                path: path.to_path_buf(),
                files: files.into_iter().map(|f| f.path).collect(),
            });
        }
        Ok(Self {
            files,
            kind,
            options,
            symbols: SymbolTable::default(),
            symbol_decoder: SymbolDecoder::default(),
            current: None,
            next_file: 0,
            last_ts: None,
            stopped: None,
            bytes_read,
            merge: None,
        })
    }

    /// One reader per symbol merged in time order (equal times: in the
    /// order given); the symbols get ids in that order. For catalog
    /// queries.
    pub(crate) fn merged(
        readers: Vec<(String, MarketReader)>,
        options: ReaderOptions,
    ) -> Result<Self, DataError> {
        let kind = readers
            .first()
            .map(|(_, r)| r.kind())
            .unwrap_or(DataKind::Ticks);
        let mut symbols = SymbolTable::default();
        let mut parts = Vec::new();
        for (name, reader) in readers {
            if reader.kind() != kind {
                let file = reader
                    .provenance()
                    .first()
                    .map(|p| p.path.clone().into())
                    .unwrap_or_default();
                return Err(DataError::KindMismatch {
                    file,
                    expected: kind,
                    found: reader.kind(),
                });
            }
            let id = symbols.intern(&name);
            parts.push((reader, id, name));
        }
        Ok(Self {
            files: Vec::new(),
            kind,
            merge: Some(Box::new(Merge::new(parts, options.batch_size))),
            options,
            symbols,
            symbol_decoder: SymbolDecoder::default(),
            current: None,
            next_file: 0,
            last_ts: None,
            stopped: None,
            bytes_read: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Bytes read from the Parquet files so far: footers, and the column
    /// chunks of the row groups read (not those pruned by `time_range`).
    /// Hashing the files for [`MarketReader::provenance`] is not counted.
    pub fn bytes_read(&self) -> u64 {
        let own = self.bytes_read.load(Ordering::Relaxed);
        own + self
            .merge
            .as_ref()
            .map_or(0, |m| m.readers().map(MarketReader::bytes_read).sum())
    }

    /// Whether the data are ticks or bars.
    pub fn kind(&self) -> DataKind {
        self.kind
    }

    /// Symbols seen so far, in order of first appearance (grows as batches are read).
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// One record per input file, in reading order (a merge's: each
    /// symbol's files in turn).
    pub fn provenance(&self) -> Vec<FileProvenance> {
        let mut all: Vec<FileProvenance> =
            self.files.iter().map(|f| f.provenance.clone()).collect();
        if let Some(m) = &self.merge {
            all.extend(m.readers().flat_map(MarketReader::provenance));
        }
        all
    }

    /// Rows in all files, from the Parquet footers (before any time range).
    pub fn total_rows(&self) -> u64 {
        self.provenance().iter().map(|p| p.rows).sum()
    }

    /// Reads the next batch of ticks into `out` (cleared first, allocations
    /// reused). Returns `Ok(false)` at the end of the data.
    pub fn next_ticks(&mut self, out: &mut TickBatch) -> Result<bool, DataError> {
        self.next_rows(out, DataKind::Ticks, Self::fill_ticks, Merge::next_ticks)
    }

    /// Reads the next batch of bars into `out` (cleared first, allocations
    /// reused). Returns `Ok(false)` at the end of the data.
    pub fn next_bars(&mut self, out: &mut BarBatch) -> Result<bool, DataError> {
        self.next_rows(out, DataKind::Bars, Self::fill_bars, Merge::next_bars)
    }

    /// The next batch of either kind: from the merge, or from the files
    /// (batches wholly outside `time_range` skipped, the rest trimmed).
    fn next_rows<B: Rows>(
        &mut self,
        out: &mut B,
        kind: DataKind,
        fill: fn(&mut Self, &mut B) -> Result<bool, DataError>,
        merged: fn(&mut Merge, &mut B) -> Result<bool, DataError>,
    ) -> Result<bool, DataError> {
        if self.merge.is_some() {
            self.check_kind(kind)?;
            let result = self.merge.as_mut().map_or(Ok(false), |m| merged(m, out));
            return self.stop_on_error(result, || out.clear());
        }
        loop {
            out.clear();
            self.check_kind(kind)?;
            let result = fill(self, out);
            if !self.stop_on_error(result, || out.clear())? {
                return Ok(false);
            }
            if let Some(keep) = self.in_range(out.times()) {
                out.keep(keep);
            }
            if !out.is_empty() {
                return Ok(true);
            }
        }
    }

    /// The rows of a validated (time-ordered) batch that lie in
    /// `time_range`, if there is one.
    fn in_range(&self, ts: &[i64]) -> Option<std::ops::Range<usize>> {
        let range = self.options.time_range.as_ref()?;
        let start = ts.partition_point(|&t| t < range.start);
        let end = ts.partition_point(|&t| t < range.end);
        Some(start..end)
    }

    fn check_kind(&self, requested: DataKind) -> Result<(), DataError> {
        if let Some(file) = &self.stopped {
            return Err(DataError::Stopped { file: file.clone() });
        }
        if requested != self.kind {
            let file = self
                .files
                .first()
                .map(|f| f.path.clone())
                .unwrap_or_default();
            return Err(DataError::WrongKind {
                file,
                requested,
                found: self.kind,
            });
        }
        Ok(())
    }

    fn stop_on_error(
        &mut self,
        result: Result<bool, DataError>,
        clear: impl FnOnce(),
    ) -> Result<bool, DataError> {
        if let Err(e) = &result {
            self.stopped = Some(e.file().map(Path::to_path_buf).unwrap_or_default());
            self.current = None;
            clear();
        }
        result
    }

    /// The next non-empty record batch, opening files as needed.
    fn next_record_batch(&mut self) -> Result<Option<RecordBatch>, DataError> {
        loop {
            let current = match &mut self.current {
                Some(c) => c,
                None => {
                    if self.next_file >= self.files.len() {
                        return Ok(None);
                    }
                    let index = self.next_file;
                    self.next_file += 1;
                    self.current.insert(self.open_file(index)?)
                }
            };
            match current.reader.next() {
                Some(Ok(batch)) if batch.num_rows() == 0 => {}
                Some(Ok(batch)) => return Ok(Some(batch)),
                Some(Err(source)) => {
                    let file = self.files[current.index].path.clone();
                    return Err(DataError::Decode {
                        file,
                        row: current.rows_read + 1,
                        source,
                    });
                }
                None => self.current = None,
            }
        }
    }

    fn open_file(&self, index: usize) -> Result<OpenFile, DataError> {
        let input = &self.files[index];
        let path = &input.path;
        let reader = match &input.object {
            Some(object) => {
                self.build(input, Ranged::new(object.clone(), self.bytes_read.clone()))?
            }
            None => {
                let file = File::open(path).map_err(|e| DataError::io(path, e))?;
                self.build(input, Counted::new(file, self.bytes_read.clone()))?
            }
        };
        let projected = reader.schema();
        let has_default = self.options.default_symbol.is_some();
        let layout = schema::layout(&projected, self.kind, has_default, path)?;
        Ok(OpenFile {
            index,
            reader,
            layout,
            rows_read: 0,
        })
    }

    /// A record batch reader of `input`'s needed columns and row groups.
    fn build<T: ChunkReader + 'static>(
        &self,
        input: &InputFile,
        chunks: T,
    ) -> Result<ParquetRecordBatchReader, DataError> {
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(chunks, input.metadata.clone());
        let mask = ProjectionMask::roots(builder.parquet_schema(), input.layout.indices());
        let groups = row_groups(input, self.options.time_range.as_ref());
        builder
            .with_row_groups(groups)
            .with_projection(mask)
            .with_batch_size(self.options.batch_size.max(1))
            .build()
            .map_err(|source| DataError::NotParquet {
                file: input.path.clone(),
                source,
            })
    }

    /// Decodes `ts` and `symbol` of a batch; returns the file and first row.
    fn decode_keys(
        &mut self,
        batch: &RecordBatch,
        ts: &mut Vec<i64>,
        symbol: &mut Vec<u32>,
    ) -> Result<(PathBuf, u64, Layout), DataError> {
        let Some(current) = &self.current else {
            return Err(DataError::Stopped {
                file: PathBuf::new(),
            });
        };
        let (file, row0, layout) = (
            self.files[current.index].path.clone(),
            current.rows_read,
            current.layout.clone(),
        );
        decode_ts(batch.column(layout.ts).as_ref(), ts)
            .map_err(|e| decode_err(&file, row0, TS, e))?;
        match layout.symbol {
            Some(i) => self
                .symbol_decoder
                .decode(batch.column(i).as_ref(), &mut self.symbols, symbol)
                .map_err(|e| decode_err(&file, row0, SYMBOL, e))?,
            None => {
                let name = self.options.default_symbol.as_deref().unwrap_or_default();
                let id = self.symbols.intern(name);
                symbol.resize(batch.num_rows(), id);
            }
        }
        Ok((file, row0, layout))
    }

    fn finish_batch(
        &mut self,
        rows: usize,
        file: &Path,
        row0: u64,
        checked: Result<(), Violation>,
    ) -> Result<bool, DataError> {
        checked.map_err(|v| DataError::Invalid {
            file: file.to_path_buf(),
            row: row0 + v.index as u64 + 1,
            column: v.column.to_owned(),
            problem: v.problem,
        })?;
        if let Some(c) = &mut self.current {
            c.rows_read += rows as u64;
        }
        Ok(true)
    }

    fn fill_ticks(&mut self, out: &mut TickBatch) -> Result<bool, DataError> {
        let Some(batch) = self.next_record_batch()? else {
            return Ok(false);
        };
        let (file, row0, layout) = self.decode_keys(&batch, &mut out.ts, &mut out.symbol)?;
        let cols = [
            &mut out.bid,
            &mut out.ask,
            &mut out.bid_size,
            &mut out.ask_size,
            &mut out.last,
            &mut out.volume,
        ];
        for ((name, &i), col) in schema::TICK_VALUES.iter().zip(&layout.values).zip(cols) {
            decode_f64(batch.column(i).as_ref(), col)
                .map_err(|e| decode_err(&file, row0, name, e))?;
        }
        let checked = check_ticks(out, &mut self.last_ts);
        self.finish_batch(batch.num_rows(), &file, row0, checked)
    }

    fn fill_bars(&mut self, out: &mut BarBatch) -> Result<bool, DataError> {
        let Some(batch) = self.next_record_batch()? else {
            return Ok(false);
        };
        let (file, row0, layout) = self.decode_keys(&batch, &mut out.ts, &mut out.symbol)?;
        let cols = [
            &mut out.open,
            &mut out.high,
            &mut out.low,
            &mut out.close,
            &mut out.volume,
        ];
        for ((name, &i), col) in schema::BAR_VALUES.iter().zip(&layout.values).zip(cols) {
            decode_f64(batch.column(i).as_ref(), col)
                .map_err(|e| decode_err(&file, row0, name, e))?;
        }
        let checked = check_bars(out, &mut self.last_ts);
        self.finish_batch(batch.num_rows(), &file, row0, checked)
    }
}

/// Reads all ticks under `path` into one batch (convenience for small data and tests).
pub fn read_all_ticks(
    path: &Path,
    options: ReaderOptions,
) -> Result<(TickBatch, SymbolTable), DataError> {
    let mut reader = MarketReader::open(path, options)?;
    let mut all = TickBatch::default();
    let mut batch = TickBatch::default();
    while reader.next_ticks(&mut batch)? {
        all.extend_from(&batch);
    }
    Ok((all, reader.symbols.clone()))
}

/// Reads all bars under `path` into one batch (convenience for small data and tests).
pub fn read_all_bars(
    path: &Path,
    options: ReaderOptions,
) -> Result<(BarBatch, SymbolTable), DataError> {
    let mut reader = MarketReader::open(path, options)?;
    let mut all = BarBatch::default();
    let mut batch = BarBatch::default();
    while reader.next_bars(&mut batch)? {
        all.extend_from(&batch);
    }
    Ok((all, reader.symbols.clone()))
}
