//! The candle backend: multilayer perceptrons stored as `.safetensors`.
//!
//! Format `axon-mlp-v1`: tensors `layers.{i}.weight` (`[out, in]`, as a
//! torch `Linear`) and `layers.{i}.bias`, applied in order with the
//! metadata's activation (`relu`) between layers and its output function
//! (`softmax` or `identity`) at the end. The input is flattened.
//! Metadata `input_shape` (`"1,64,128"`) declares the input shape.

use std::collections::HashMap;

use candle_core::{DType, Device as CDevice, Tensor};

use crate::backend::{Backend, ModelInfo, check_input, digest, read_model, resolve_shape};
use crate::config::{Device, InferenceBackend, ModelConfig};
use crate::error::{InferenceError, Result};

/// An MLP on candle.
#[derive(Debug)]
pub struct CandleBackend {
    info: ModelInfo,
    device: CDevice,
    dtype: DType,
    /// (weight `[out, in]`, bias `[out, 1]`) per layer: the input runs as a
    /// column, `W·x`, which candle's GEMM does faster than `x·Wᵀ` for one row.
    layers: Vec<(Tensor, Tensor)>,
    /// (weightᵀ `[in, out]`, bias `[1, out]`) per layer, for batches: rows
    /// times `Wᵀ` needs no transposes of the batch.
    layers_t: Vec<(Tensor, Tensor)>,
    softmax: bool,
}

impl CandleBackend {
    /// Loads the model file `config.path` names.
    pub fn load(config: &ModelConfig) -> Result<Self> {
        let (bytes, label) = read_model(config)?;
        Self::from_bytes(&bytes, config, &label)
    }

    /// Replaces this model with the one at `new_path` (same config
    /// otherwise); on error the current model stays.
    pub fn load_new(&mut self, config: &ModelConfig) -> Result<()> {
        *self = Self::load(config)?;
        Ok(())
    }

    /// Loads from the bytes of a `.safetensors` file.
    pub fn from_bytes(bytes: &[u8], config: &ModelConfig, label: &str) -> Result<Self> {
        let (softmax, declared) = read_metadata(bytes, label)?;
        let input_shape = resolve_shape(declared, config, label)?;
        let device = match config.device {
            Device::Cpu => CDevice::Cpu,
            Device::Cuda(n) => {
                CDevice::new_cuda(n).map_err(|e| InferenceError::DeviceUnavailable {
                    backend: "candle",
                    device: config.device.to_string(),
                    detail: e.to_string(),
                })?
            }
        };
        let dtype = if config.fp16 { DType::F16 } else { DType::F32 };
        let tensors = candle_core::safetensors::load_buffer(bytes, &device)
            .map_err(|e| InferenceError::bad(label, format!("reading tensors: {e}")))?;
        let width = input_shape.iter().product::<usize>();
        let (layers, layers_t, output_dim) = build_layers(&tensors, width, dtype, label)?;
        Ok(Self {
            info: ModelInfo {
                backend: InferenceBackend::Candle,
                input_shape,
                output_dim,
                sha256: digest(bytes),
                device: config.device.to_string(),
                fp16: config.fp16,
            },
            device,
            dtype,
            layers,
            layers_t,
            softmax,
        })
    }

    /// One input runs as a column, `W·x`; a batch as rows, `X·Wᵀ`.
    fn forward(&self, input: &[f32], batch: usize) -> candle_core::Result<Vec<f32>> {
        let width = input.len() / batch.max(1);
        let (shape, layers) = if batch == 1 {
            ((width, 1), &self.layers)
        } else {
            ((batch, width), &self.layers_t)
        };
        let mut x = Tensor::from_slice(input, shape, &self.device)?;
        if self.dtype != DType::F32 {
            x = x.to_dtype(self.dtype)?;
        }
        let last = layers.len() - 1;
        for (i, (w, b)) in layers.iter().enumerate() {
            x = if batch == 1 {
                w.matmul(&x)?
            } else {
                x.matmul(w)?
            };
            x = x.broadcast_add(b)?;
            if i != last {
                x = x.relu()?;
            }
        }
        let x = x.to_dtype(DType::F32)?;
        let mut y = x.flatten_all()?.to_vec1::<f32>()?;
        if self.softmax {
            // On the few output values, in f32 whatever the layers used.
            let outputs = y.len() / batch.max(1);
            for row in y.chunks_exact_mut(outputs.max(1)) {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                for v in row.iter_mut() {
                    *v = (*v - max).exp();
                    sum += *v;
                }
                for v in row.iter_mut() {
                    *v /= sum;
                }
            }
        }
        Ok(y)
    }
}

impl Backend for CandleBackend {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict_into(&self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        check_input(&self.info, input)?;
        let y = self
            .forward(input, 1)
            .map_err(|e| InferenceError::run("candle", e))?;
        out.clear();
        out.extend_from_slice(&y);
        Ok(())
    }

    fn predict_batch(&self, inputs: &[f32], batch: usize, out: &mut Vec<f32>) -> Result<()> {
        let n = self.info.input_len();
        if batch == 0 || inputs.len() != n * batch {
            return Err(InferenceError::Shape {
                got: inputs.len(),
                expected: n * batch,
                shape: self.info.input_shape.clone(),
            });
        }
        let y = self
            .forward(inputs, batch)
            .map_err(|e| InferenceError::run("candle", e))?;
        out.clear();
        out.extend_from_slice(&y);
        Ok(())
    }
}

/// A layer's weight and bias, in one of the two layouts [`CandleBackend`]
/// keeps.
type Layer = (Tensor, Tensor);

/// Checks the `axon-mlp-v1` metadata; returns whether the output is a
/// softmax, and the input shape it declares.
fn read_metadata(bytes: &[u8], label: &str) -> Result<(bool, Option<Vec<usize>>)> {
    let bad = |d: String| InferenceError::bad(label, d);
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let meta: HashMap<String, String> = header
        .metadata()
        .clone()
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    let get = |k: &str| meta.get(k).map(String::as_str);
    if get("format") != Some("axon-mlp-v1") {
        return Err(bad(format!(
            "metadata format is {:?}, expected \"axon-mlp-v1\"",
            get("format")
        )));
    }
    if let Some(a) = get("activation").filter(|a| *a != "relu") {
        return Err(bad(format!("activation {a:?} is not supported (relu)")));
    }
    let softmax = match get("output").unwrap_or("identity") {
        "softmax" => true,
        "identity" => false,
        o => {
            return Err(bad(format!(
                "output {o:?} is not supported (softmax, identity)"
            )));
        }
    };
    let declared = get("input_shape")
        .map(|s| {
            s.split(',')
                .map(|d| d.trim().parse::<usize>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| bad(format!("metadata input_shape {s:?} is not a list of sizes")))
        })
        .transpose()?;
    Ok((softmax, declared))
}

/// The layers `layers.0`, `layers.1`, … in both layouts, each checked to take
/// the previous one's output (the first, `width` inputs), and the output
/// width.
fn build_layers(
    tensors: &HashMap<String, Tensor>,
    mut width: usize,
    dtype: DType,
    label: &str,
) -> Result<(Vec<Layer>, Vec<Layer>, usize)> {
    let mut layers = Vec::new();
    let mut layers_t = Vec::new();
    for i in 0.. {
        let (Some(w), Some(b)) = (
            tensors.get(&format!("layers.{i}.weight")),
            tensors.get(&format!("layers.{i}.bias")),
        ) else {
            break;
        };
        let (layer, layer_t) = build_layer(i, w, b, width, dtype, label)?;
        // The weight is `[out, in]`: the next layer takes `out` inputs.
        width = layer.0.dims()[0];
        layers.push(layer);
        layers_t.push(layer_t);
    }
    if layers.is_empty() {
        return Err(InferenceError::bad(
            label,
            "no tensors named layers.0.weight / layers.0.bias".to_string(),
        ));
    }
    Ok((layers, layers_t, width))
}

/// Layer `i` in `dtype`, checked to take `width` inputs: (`W` `[out, in]`,
/// bias `[out, 1]`) and (`Wᵀ` `[in, out]`, bias `[1, out]`).
fn build_layer(
    i: usize,
    w: &Tensor,
    b: &Tensor,
    width: usize,
    dtype: DType,
    label: &str,
) -> Result<(Layer, Layer)> {
    let bad = |d: String| InferenceError::bad(label, d);
    let (out, inp) = w
        .dims2()
        .map_err(|_| bad(format!("layers.{i}.weight is not a matrix")))?;
    if inp != width || b.dims() != [out] {
        return Err(bad(format!(
            "layers.{i}: weight {:?} and bias {:?} do not take {width} inputs",
            w.dims(),
            b.dims()
        )));
    }
    let prep = |t: Tensor| -> candle_core::Result<Tensor> { t.to_dtype(dtype)?.contiguous() };
    let w = prep(w.clone()).map_err(|e| bad(e.to_string()))?;
    let b = prep(b.reshape((out, 1)).map_err(|e| bad(e.to_string()))?)
        .map_err(|e| bad(e.to_string()))?;
    let wt = w
        .t()
        .and_then(|t| t.contiguous())
        .map_err(|e| bad(e.to_string()))?;
    let bt = b.reshape((1, out)).map_err(|e| bad(e.to_string()))?;
    Ok(((w, b), (wt, bt)))
}
