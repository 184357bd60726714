//! Finding the native runtime libraries that `scripts/fetch-runtimes.sh`
//! puts in the repository's `.runtime/` folder, so nothing needs
//! `LD_LIBRARY_PATH` or a system install.

use std::path::{Path, PathBuf};

/// The `.runtime/` folder of the source tree this crate was built from.
pub fn source_runtime_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".runtime")
}

/// Candidate `.runtime/` folders: beside the executable or in a folder above
/// it (a binary under `target/release/` finds the repository's), then the
/// source tree's.
fn runtime_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.extend(exe_dir.ancestors().map(|d| d.join(".runtime")));
    }
    dirs.push(source_runtime_dir());
    dirs
}

/// The ONNX Runtime shared library: `$AXON_ONNXRUNTIME_LIB` or
/// `$ORT_DYLIB_PATH` if set, else `onnxruntime/libonnxruntime.so` in the
/// first `.runtime/` folder that has it. The error lists where it looked.
pub fn onnxruntime_library() -> Result<PathBuf, String> {
    for var in ["AXON_ONNXRUNTIME_LIB", "ORT_DYLIB_PATH"] {
        if let Some(p) = std::env::var_os(var) {
            let p = PathBuf::from(p);
            return if p.is_file() {
                Ok(p)
            } else {
                Err(format!("${var} names {}, which is not a file", p.display()))
            };
        }
    }
    let candidates: Vec<PathBuf> = runtime_dirs()
        .into_iter()
        .map(|d| d.join("onnxruntime").join("libonnxruntime.so"))
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "libonnxruntime.so not found (looked in {} and $AXON_ONNXRUNTIME_LIB)",
                candidates
                    .last()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        })
}

/// An installed PyTorch's `libtorch_cuda.so`: `$AXON_TORCH_CUDA_LIB`, else
/// the `torch/lib` folder of the `torch` package `python3` imports.
#[cfg(feature = "tch")]
pub fn torch_cuda_library() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("AXON_TORCH_CUDA_LIB") {
        return Ok(PathBuf::from(p));
    }
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
        ])
        .output()
        .map_err(|e| {
            format!("no CUDA in this LibTorch and python3 could not be run to find PyTorch's: {e}")
        })?;
    if !out.status.success() {
        return Err(format!(
            "no CUDA in this LibTorch and no PyTorch found to take it from (python3: {})",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let lib = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("libtorch_cuda.so");
    if lib.is_file() {
        Ok(lib)
    } else {
        Err(format!("{} not found (a CPU-only PyTorch?)", lib.display()))
    }
}

/// Loads a shared library with `RTLD_NOW | RTLD_GLOBAL` and keeps it loaded
/// for the life of the process, so its symbols serve libraries loaded
/// before it.
#[cfg(feature = "tch")]
#[allow(unsafe_code, reason = "loading a shared library runs its initialisers")]
pub fn load_global(path: &Path) -> Result<(), String> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: the library is PyTorch's own CUDA component, built for the
    // LibTorch version this process links (checked at build time); it is
    // never unloaded.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }
        .map_err(|e| format!("loading {}: {e}", path.display()))?;
    std::mem::forget(lib);
    Ok(())
}
