// With the `tch` feature, the binaries of the package this script builds
// (tests, examples, benches; for the root package, `axon`) carry an rpath
// to the LibTorch folder they link, so they run without LD_LIBRARY_PATH:
// `$LIBTORCH/lib` (set by .cargo/config.toml to .runtime/libtorch), or with
// LIBTORCH_USE_PYTORCH the `torch/lib` folder of the PyTorch python3 finds.
// The root package's build.rs includes this file.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    if std::env::var_os("CARGO_FEATURE_TCH").is_none() {
        return;
    }
    let lib = if std::env::var_os("LIBTORCH_USE_PYTORCH").is_some() {
        std::process::Command::new("python3")
            .args([
                "-c",
                "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    } else {
        std::env::var_os("LIBTORCH").map(|d| std::path::Path::new(&d).join("lib"))
    };
    if let Some(lib) = lib {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
