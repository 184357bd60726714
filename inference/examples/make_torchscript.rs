//! Writes the TorchScript (`.pt`) twins of the reference models in
//! data/models/: the same weights as the `.safetensors` files, traced
//! through LibTorch. Run after `scripts/make-models.py`:
//!
//!     cargo run -p axon-inference --features tch --example make_torchscript

use std::path::PathBuf;

use tch::nn::{self, Module};
use tch::{CModule, Device, Kind, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/models");
    for (name, shape, hidden) in [
        ("mlp_64x128", vec![1i64, 64, 128], 32),
        ("mlp_4", vec![1, 4], 16),
        ("mlp_16", vec![1, 16], 16),
    ] {
        let inputs: i64 = shape.iter().product();
        let mut vs = nn::VarStore::new(Device::Cpu);
        let layers = vs.root() / "layers";
        let net = nn::seq()
            .add_fn(|x| x.flatten(1, -1))
            .add(nn::linear(&layers / 0, inputs, hidden, Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(&layers / 1, hidden, 3, Default::default()))
            .add_fn(|x| x.softmax(-1, Kind::Float));
        vs.load(dir.join(format!("{name}.safetensors")))?;
        vs.freeze();
        let example = Tensor::zeros(shape.as_slice(), (Kind::Float, Device::Cpu));
        let module = CModule::create_by_tracing(name, "forward", &[example], &mut |xs| {
            vec![net.forward(&xs[0])]
        })?;
        let out = dir.join(format!("{name}.pt"));
        module.save(&out)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
