//! Model backends for the AXON engine.
//!
//! Three backends load the same kind of model (a classifier whose output is
//! Buy / Sell / Hold scores): ONNX Runtime through `ort` (feature `onnx`, on
//! by default; the runtime library is loaded at run time), LibTorch through
//! `tch` (feature `tch`) and pure-Rust `candle` (always built). On top of
//! them:
//! - [`MlModel`]: a backend behind the engine's `Model` port, fed by the
//!   engine's deterministic feature window;
//! - [`ModelRegistry`]: the engine's `ModelFactory`, resolving journaled
//!   swaps by SHA-256 from a journal's artifact store;
//! - [`ModelHotReloader`]: file watch, debounce, hash, load off the engine's
//!   thread, atomic swap, version broadcast.

mod backend;
mod bridge;
mod candle_mlp;
mod config;
mod error;
mod ml_model;
mod observe;
#[cfg(feature = "onnx")]
mod onnx;
mod registry;
mod reload;
pub mod runtime;
mod shared;
#[cfg(feature = "tch")]
mod torch;

pub use backend::{Backend, ModelInfo, load_backend, load_backend_bytes, sha256_hex};
pub use bridge::SlotFeed;
pub use candle_mlp::CandleBackend;
pub use config::{Device, InferenceBackend, ModelConfig, OptLevel};
pub use error::{InferenceError, Result};
pub use ml_model::MlModel;
pub use observe::{InferenceObserver, LatencySink};
#[cfg(feature = "onnx")]
pub use onnx::OnnxBackend;
pub use registry::{ModelRegistry, swap_config, swap_record};
pub use reload::{HotReloadConfig, ModelHotReloader, ReloadEvent, WatchHandle};
pub use shared::SharedModel;
#[cfg(feature = "tch")]
pub use torch::TchBackend;
