include!("inference/build.rs");
