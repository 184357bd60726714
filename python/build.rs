// With the `tch` feature the extension module carries an rpath to
// LibTorch, as the other packages' binaries do.
include!("../inference/build.rs");
