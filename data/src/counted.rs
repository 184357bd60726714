//! A Parquet file whose reads are counted, so a reader can say how many
//! bytes a query actually read (footers, the row groups kept, nothing
//! pruned).

use std::fs::File;
use std::io::{BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

/// `file`, adding every byte read to `counter`.
#[derive(Debug)]
pub(crate) struct Counted {
    file: File,
    counter: Arc<AtomicU64>,
}

impl Counted {
    pub(crate) fn new(file: File, counter: Arc<AtomicU64>) -> Self {
        Self { file, counter }
    }
}

impl Length for Counted {
    fn len(&self) -> u64 {
        self.file.len()
    }
}

impl ChunkReader for Counted {
    type T = CountedRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<CountedRead> {
        Ok(CountedRead {
            inner: self.file.get_read(start)?,
            counter: self.counter.clone(),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self.file.get_bytes(start, length)?;
        self.counter
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }
}

/// A reader from [`Counted::get_read`].
pub(crate) struct CountedRead {
    inner: BufReader<File>,
    counter: Arc<AtomicU64>,
}

impl Read for CountedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
