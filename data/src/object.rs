//! Data in S3-compatible object storage: `s3://bucket/key` wherever a path
//! is taken. Credentials, region and endpoint come from the usual
//! environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
//! `AWS_ENDPOINT_URL` for a compatible server, `AWS_ALLOW_HTTP=true` for a
//! plain-HTTP one), read by the `object_store` crate.
//!
//! A Parquet object is read by ranges: its footer, then only the column
//! chunks of the row groups a query keeps, so a week of a year's catalog
//! downloads a week. An object is identified by its ETag (the journal's
//! data record says `etag:...` where a local file has its SHA-256): hashing
//! its bytes would mean downloading all of them.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use parquet::file::reader::{ChunkReader, Length};

use crate::DataError;

/// `s3://`.
const SCHEME: &str = "s3://";

/// Whether `path` is an `s3://` URL (object storage) rather than a file.
pub fn is_url(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.starts_with(SCHEME))
}

/// (bucket, key) of an `s3://bucket/key` URL.
fn split(path: &Path) -> Option<(String, String)> {
    let rest = path.to_str()?.strip_prefix(SCHEME)?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_owned(), key.trim_end_matches('/').to_owned()))
}

fn error(url: &Path, what: &str, e: impl std::fmt::Display) -> DataError {
    DataError::Import {
        file: url.to_path_buf(),
        reason: format!("{what}: {e}"),
    }
}

/// A bucket and the runtime its requests run on.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    name: String,
    store: Arc<AmazonS3>,
    runtime: Arc<tokio::runtime::Runtime>,
}

/// One object.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    bucket: Bucket,
    key: Key,
    pub size: u64,
    pub etag: Option<String>,
}

impl Bucket {
    /// The bucket of `url`, and the key it names.
    pub(crate) fn open(url: &Path) -> Result<(Self, String), DataError> {
        let (name, key) = split(url)
            .ok_or_else(|| error(url, "not an object URL", "expected s3://bucket/key"))?;
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&name)
            .build()
            .map_err(|e| error(url, "object storage", e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error(url, "object storage runtime", e))?;
        Ok((
            Self {
                name,
                store: Arc::new(store),
                runtime: Arc::new(runtime),
            },
            key,
        ))
    }

    pub(crate) fn url(&self, key: &str) -> PathBuf {
        PathBuf::from(format!("{SCHEME}{}/{key}", self.name))
    }

    /// The object at `key`; `None` when there is none.
    pub(crate) fn head(&self, key: &str) -> Result<Option<Object>, DataError> {
        let k = Key::from(key);
        match self.runtime.block_on(self.store.head(&k)) {
            Ok(meta) => Ok(Some(Object {
                bucket: self.clone(),
                key: k,
                size: meta.size,
                etag: meta.e_tag,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(error(&self.url(key), "object storage", e)),
        }
    }

    /// Every object under `prefix` (a folder), sorted by key.
    pub(crate) fn list(&self, prefix: &str) -> Result<Vec<Object>, DataError> {
        let p = Key::from(prefix);
        let listed: Vec<_> = self
            .runtime
            .block_on(self.store.list(Some(&p)).try_collect())
            .map_err(|e| error(&self.url(prefix), "object storage", e))?;
        let mut out: Vec<Object> = listed
            .into_iter()
            .map(|meta| Object {
                bucket: self.clone(),
                key: meta.location,
                size: meta.size,
                etag: meta.e_tag,
            })
            .collect();
        out.sort_by(|a, b| a.key.as_ref().cmp(b.key.as_ref()));
        Ok(out)
    }

    /// Uploads the local file `from` to `key` (one request; a partition is
    /// one day of one symbol).
    pub(crate) fn put_file(&self, key: &str, from: &Path) -> Result<(), DataError> {
        let bytes = std::fs::read(from).map_err(|e| DataError::io(from, e))?;
        self.runtime
            .block_on(self.store.put(&Key::from(key), Bytes::from(bytes).into()))
            .map_err(|e| error(&self.url(key), "upload", e))?;
        Ok(())
    }
}

impl Object {
    pub(crate) fn key(&self) -> &str {
        self.key.as_ref()
    }

    pub(crate) fn url(&self) -> PathBuf {
        self.bucket.url(self.key.as_ref())
    }

    fn get(&self, range: Range<u64>) -> Result<Bytes, DataError> {
        self.bucket
            .runtime
            .block_on(self.bucket.store.get_range(&self.key, range))
            .map_err(|e| error(&self.url(), "range read", e))
    }
}

/// An object read by ranges for Parquet, every byte counted.
#[derive(Debug)]
pub(crate) struct Ranged {
    object: Object,
    counter: Arc<AtomicU64>,
}

impl Ranged {
    pub(crate) fn new(object: Object, counter: Arc<AtomicU64>) -> Self {
        Self { object, counter }
    }

    fn fetch(&self, range: Range<u64>) -> parquet::errors::Result<Bytes> {
        let bytes = self
            .object
            .get(range)
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
        self.counter
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }
}

impl Length for Ranged {
    fn len(&self) -> u64 {
        self.object.size
    }
}

/// Reads from an offset in windows of this many bytes.
const WINDOW: u64 = 1 << 20;

impl ChunkReader for Ranged {
    type T = RangedRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<RangedRead> {
        Ok(RangedRead {
            source: Ranged::new(self.object.clone(), self.counter.clone()),
            pos: start,
            buf: Bytes::new(),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.fetch(start..start + length as u64)
    }
}

/// A reader from [`Ranged::get_read`]: fetches a window at a time.
pub(crate) struct RangedRead {
    source: Ranged,
    pos: u64,
    buf: Bytes,
}

impl Read for RangedRead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.buf.is_empty() {
            let end = (self.pos + WINDOW).min(self.source.object.size);
            if self.pos >= end {
                return Ok(0);
            }
            self.buf = self
                .source
                .fetch(self.pos..end)
                .map_err(std::io::Error::other)?;
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf = self.buf.slice(n..);
        self.pos += n as u64;
        Ok(n)
    }
}

/// The bucket of `url` and the key it names, the bucket's client reused
/// from `buckets` (or opened and kept there: each holds a runtime and a
/// connection pool).
pub(crate) fn bucket(url: &Path, buckets: &mut Vec<Bucket>) -> Result<(Bucket, String), DataError> {
    let (name, key) =
        split(url).ok_or_else(|| error(url, "not an object URL", "expected s3://bucket/key"))?;
    if let Some(b) = buckets.iter().find(|b| b.name == name) {
        return Ok((b.clone(), key));
    }
    let (b, key) = Bucket::open(url)?;
    buckets.push(b.clone());
    Ok((b, key))
}

/// The object at `url` (see [`bucket`]).
pub(crate) fn find(url: &Path, buckets: &mut Vec<Bucket>) -> Result<Object, DataError> {
    let (bucket, key) = self::bucket(url, buckets)?;
    bucket.head(&key)?.ok_or_else(|| {
        DataError::io(
            url,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such object"),
        )
    })
}

/// `url` itself when it names a `.parquet` object, else the `.parquet`
/// objects under it (a folder), sorted by key.
pub(crate) fn list_parquet(url: &Path) -> Result<Vec<PathBuf>, DataError> {
    let (bucket, key) = Bucket::open(url)?;
    if key.ends_with(".parquet") {
        return Ok(vec![url.to_path_buf()]);
    }
    let files: Vec<PathBuf> = bucket
        .list(&key)?
        .into_iter()
        .filter(|o| {
            let name = o.key().rsplit('/').next().unwrap_or_default();
            name.ends_with(".parquet") && !name.starts_with('.')
        })
        .map(|o| o.url())
        .collect();
    if files.is_empty() {
        return Err(DataError::EmptyDirectory {
            dir: url.to_path_buf(),
        });
    }
    Ok(files)
}
