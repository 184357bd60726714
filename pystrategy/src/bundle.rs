//! A strategy's source bundle: its file and the Python modules of its
//! folder (the `.py` files beside it and the packages under it), as one
//! deterministic blob for the journal's artifact store. A replay runs the
//! bundle's copy, never the files on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::PyStrategyError;

/// The most source a bundle takes: a strategy folder this large is most
/// likely not a strategy folder (a project root, a virtualenv).
pub const MAX_BUNDLE_BYTES: usize = 16 << 20;

/// The strategy's sources, by path relative to its folder (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The strategy file.
    pub entry: String,
    /// Every module: the entry, the `.py` files beside it, and the
    /// packages (folders with an `__init__.py`) under it.
    pub files: BTreeMap<String, String>,
}

impl Bundle {
    /// Collects `file` and the modules of its folder.
    pub fn collect(file: &Path) -> Result<Self, PyStrategyError> {
        let io = |path: &Path, e: std::io::Error| PyStrategyError::Source {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let meta = std::fs::metadata(file).map_err(|e| io(file, e))?;
        if !meta.is_file() {
            return Err(PyStrategyError::Source {
                path: file.to_path_buf(),
                reason: "not a file".into(),
            });
        }
        let entry = file
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| n.ends_with(".py"))
            .ok_or_else(|| PyStrategyError::Source {
                path: file.to_path_buf(),
                reason: "expected a .py file".into(),
            })?
            .to_owned();
        let root = file.parent().unwrap_or(Path::new(""));
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let mut files = BTreeMap::new();
        let mut total = 0usize;
        collect_dir(root, "", &mut files, &mut total)?;
        if !files.contains_key(&entry) {
            // Collected from a listing: read the entry itself.
            let text = read_source(file, &mut total)?;
            files.insert(entry.clone(), text);
        }
        Ok(Self { entry, files })
    }

    /// The bundle's bytes (JSON, keys sorted: the same sources give the
    /// same bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a bundle is plain strings")
    }

    /// A bundle from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PyStrategyError> {
        serde_json::from_slice(bytes).map_err(|e| PyStrategyError::Bundle(e.to_string()))
    }

    /// SHA-256 (hex) of [`Bundle::to_bytes`].
    pub fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Writes the sources under `dir`.
    pub fn extract(&self, dir: &Path) -> Result<(), PyStrategyError> {
        for (name, text) in &self.files {
            if name.split('/').any(|c| c.is_empty() || c == "..") || name.starts_with('/') {
                return Err(PyStrategyError::Bundle(format!(
                    "unsafe module path {name:?}"
                )));
            }
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| PyStrategyError::Source {
                    path: parent.to_path_buf(),
                    reason: e.to_string(),
                })?;
            }
            std::fs::write(&path, text).map_err(|e| PyStrategyError::Source {
                path,
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

fn read_source(path: &Path, total: &mut usize) -> Result<String, PyStrategyError> {
    let bytes = std::fs::read(path).map_err(|e| PyStrategyError::Source {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    *total += bytes.len();
    if *total > MAX_BUNDLE_BYTES {
        return Err(PyStrategyError::Source {
            path: path.to_path_buf(),
            reason: format!(
                "the strategy's folder holds more than {} MiB of Python: keep the strategy in a folder of its own",
                MAX_BUNDLE_BYTES >> 20
            ),
        });
    }
    String::from_utf8(bytes).map_err(|e| PyStrategyError::Source {
        path: path.to_path_buf(),
        reason: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

/// The `.py` files of `dir` and, recursively, of its packages.
fn collect_dir(
    dir: &Path,
    prefix: &str,
    files: &mut BTreeMap<String, String>,
    total: &mut usize,
) -> Result<(), PyStrategyError> {
    let entries = std::fs::read_dir(dir).map_err(|e| PyStrategyError::Source {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        if path.is_dir() {
            if path.join("__init__.py").is_file() {
                collect_dir(&path, &format!("{prefix}{name}/"), files, total)?;
            }
        } else if name.ends_with(".py") {
            let text = read_source(&path, total)?;
            files.insert(format!("{prefix}{name}"), text);
        }
    }
    Ok(())
}
