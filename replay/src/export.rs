//! `journal export`: one Parquet row per record, readable by pyarrow/pandas.
//! Columns: seq (u64), time (timestamp ns UTC), kind (u16), kind_name,
//! version (u16), payload_len (u32), event (the decoded event as JSON).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    StringBuilder, TimestampNanosecondBuilder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use axon_engine::Event;
use axon_engine::event::kind;
use axon_journal::JournalReader;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::ReplayError;

const BATCH: usize = 64 * 1024;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("seq", DataType::UInt64, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        ),
        Field::new("kind", DataType::UInt16, false),
        Field::new("kind_name", DataType::Utf8, false),
        Field::new("version", DataType::UInt16, false),
        Field::new("payload_len", DataType::UInt32, false),
        Field::new("event", DataType::Utf8, false),
    ]))
}

#[derive(Default)]
struct Builders {
    seq: UInt64Builder,
    time: TimestampNanosecondBuilder,
    kind: UInt16Builder,
    kind_name: StringBuilder,
    version: UInt16Builder,
    payload_len: UInt32Builder,
    event: StringBuilder,
    rows: usize,
}

impl Builders {
    fn finish(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, arrow_schema::ArrowError> {
        self.rows = 0;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.seq.finish()),
            Arc::new(self.time.finish().with_timezone("UTC")),
            Arc::new(self.kind.finish()),
            Arc::new(self.kind_name.finish()),
            Arc::new(self.version.finish()),
            Arc::new(self.payload_len.finish()),
            Arc::new(self.event.finish()),
        ];
        RecordBatch::try_new(schema.clone(), cols)
    }
}

/// Exports a journal to Parquet; returns the number of rows.
pub fn export_parquet(
    dir: &Path,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, ReplayError> {
    let reader = JournalReader::open(dir)?;
    let total = reader.manifest().closed.as_ref().map_or(0, |c| c.next_seq);
    let mut cursor = reader.cursor(0, true)?;
    let export_err = |reason: String| ReplayError::Export {
        path: out.to_path_buf(),
        reason,
    };
    let file = File::create(out).map_err(|e| export_err(e.to_string()))?;
    let schema = schema();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
        .map_err(|e| export_err(e.to_string()))?;
    let mut b = Builders::default();
    let mut rows = 0u64;
    while let Some(rec) = cursor.next()? {
        b.seq.append_value(rec.seq);
        b.time.append_value(rec.time_ns);
        b.kind.append_value(rec.kind);
        b.kind_name.append_value(kind::name(rec.kind));
        b.version.append_value(rec.version);
        b.payload_len.append_value(rec.payload.len() as u32);
        match Event::decode(rec.kind, rec.version, rec.payload) {
            Ok(ev) => b.event.append_value(ev.to_json().to_string()),
            Err(e) => b
                .event
                .append_value(serde_json::json!({ "undecodable": e.to_string() }).to_string()),
        }
        b.rows += 1;
        rows += 1;
        if b.rows == BATCH {
            let batch = b.finish(&schema).map_err(|e| export_err(e.to_string()))?;
            writer
                .write(&batch)
                .map_err(|e| export_err(e.to_string()))?;
            progress(rows, total);
        }
    }
    if b.rows > 0 {
        let batch = b.finish(&schema).map_err(|e| export_err(e.to_string()))?;
        writer
            .write(&batch)
            .map_err(|e| export_err(e.to_string()))?;
    }
    writer.close().map_err(|e| export_err(e.to_string()))?;
    progress(rows, total);
    Ok(rows)
}
