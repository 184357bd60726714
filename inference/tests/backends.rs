//! The three backends load the same reference models and agree with each
//! other and with Python onnxruntime (outputs recorded by
//! scripts/make-models.py) within 1e-5.

mod common;

use axon_inference::{Device, InferenceBackend, InferenceError, ModelConfig, load_backend};
use common::{max_diff, models_dir, reference};

const TOL: f32 = 1e-5;
const MODELS: [&str; 3] = ["mlp_64x128", "mlp_4", "mlp_16"];

fn config(name: &str, backend: InferenceBackend) -> ModelConfig {
    let ext = match backend {
        InferenceBackend::Onnx => "onnx",
        InferenceBackend::Tch => "pt",
        InferenceBackend::Candle => "safetensors",
    };
    let mut c = ModelConfig::new(
        models_dir().join(format!("{name}.{ext}")),
        reference(name).input_shape,
    );
    c.backend = backend;
    c
}

fn check_against_reference(backend: InferenceBackend) {
    for name in MODELS {
        let model = load_backend(&config(name, backend))
            .unwrap_or_else(|e| panic!("{backend} {name}: {e}"));
        assert_eq!(model.info().output_dim, 3);
        for (i, case) in reference(name).cases.iter().enumerate() {
            let y = model.predict(&case.input).unwrap();
            let d = max_diff(&y, &case.onnxruntime);
            assert!(
                d <= TOL,
                "{backend} {name} case {i}: {y:?} vs onnxruntime {:?} (diff {d})",
                case.onnxruntime
            );
        }
    }
}

#[test]
fn candle_agrees_with_python_onnxruntime() {
    check_against_reference(InferenceBackend::Candle);
}

#[cfg(feature = "onnx")]
#[test]
fn ort_agrees_with_python_onnxruntime() {
    check_against_reference(InferenceBackend::Onnx);
}

#[cfg(feature = "tch")]
#[test]
fn tch_agrees_with_python_onnxruntime() {
    check_against_reference(InferenceBackend::Tch);
}

#[test]
fn candle_fp16_is_close_to_fp32() {
    let name = "mlp_4";
    let mut c = config(name, InferenceBackend::Candle);
    c.fp16 = true;
    let model = load_backend(&c).unwrap();
    assert!(model.info().fp16);
    for case in reference(name).cases {
        let y = model.predict(&case.input).unwrap();
        // Half precision keeps about 3 decimal digits.
        assert!(
            max_diff(&y, &case.onnxruntime) < 1e-2,
            "{y:?} vs {:?}",
            case.onnxruntime
        );
    }
}

#[test]
fn wrong_input_length_is_an_error_not_a_panic() {
    let model = load_backend(&config("mlp_4", InferenceBackend::Candle)).unwrap();
    match model.predict(&[1.0, 2.0, 3.0]) {
        Err(InferenceError::Shape {
            got: 3,
            expected: 4,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_config_shape_that_contradicts_the_model_is_refused() {
    let mut c = config("mlp_4", InferenceBackend::Candle);
    c.input_shape = vec![1, 5];
    let e = load_backend(&c).unwrap_err().to_string();
    assert!(e.contains("[1, 4]") && e.contains("[1, 5]"), "{e}");
    #[cfg(feature = "onnx")]
    {
        let mut c = config("mlp_4", InferenceBackend::Onnx);
        c.input_shape = vec![1, 5];
        let e = load_backend(&c).unwrap_err().to_string();
        assert!(e.contains("[1, 4]"), "{e}");
    }
}

#[test]
fn garbage_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    std::fs::write(&path, b"not a model").unwrap();
    let c = ModelConfig::new(&path, vec![1, 4]);
    let e = load_backend(&c).unwrap_err().to_string();
    assert!(
        e.contains("broken.safetensors") && e.contains("safetensors"),
        "{e}"
    );
    #[cfg(feature = "onnx")]
    {
        let path = dir.path().join("broken.onnx");
        std::fs::write(&path, b"not a model").unwrap();
        let e = load_backend(&ModelConfig::new(&path, vec![1, 4]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken.onnx"), "{e}");
    }
    let missing = ModelConfig::new(dir.path().join("missing.onnx"), vec![1, 4]);
    assert!(matches!(
        load_backend(&missing),
        Err(InferenceError::Io { .. })
    ));
}

#[test]
fn cuda_paths_run_where_there_is_a_gpu() {
    for backend in [
        InferenceBackend::Candle,
        InferenceBackend::Onnx,
        InferenceBackend::Tch,
    ] {
        if (cfg!(not(feature = "onnx")) && backend == InferenceBackend::Onnx)
            || (cfg!(not(feature = "tch")) && backend == InferenceBackend::Tch)
        {
            continue;
        }
        let mut c = config("mlp_4", backend);
        c.device = Device::Cuda(0);
        match load_backend(&c) {
            Ok(model) => {
                for case in reference("mlp_4").cases {
                    let y = model.predict(&case.input).unwrap();
                    assert!(max_diff(&y, &case.onnxruntime) <= TOL);
                }
            }
            Err(InferenceError::DeviceUnavailable { detail, .. }) => {
                eprintln!("skipping {backend} on CUDA: {detail}");
            }
            Err(e) => panic!("{backend} on CUDA: unexpected error {e}"),
        }
    }
}

#[test]
fn batches_give_what_single_predictions_give() {
    let cases = reference("mlp_4").cases;
    let inputs: Vec<f32> = cases.iter().flat_map(|c| c.input.clone()).collect();
    let mut backends = vec![InferenceBackend::Candle];
    if cfg!(feature = "onnx") {
        backends.push(InferenceBackend::Onnx);
    }
    for backend in backends {
        let model = load_backend(&config("mlp_4", backend)).unwrap();
        let mut out = Vec::new();
        model.predict_batch(&inputs, cases.len(), &mut out).unwrap();
        for (i, c) in cases.iter().enumerate() {
            let single = model.predict(&c.input).unwrap();
            assert!(
                max_diff(&out[i * 3..i * 3 + 3], &single) <= 1e-6,
                "{backend} row {i}"
            );
        }
        assert!(
            model
                .predict_batch(&inputs[1..], cases.len(), &mut out)
                .is_err()
        );
    }
}
