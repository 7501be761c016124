//! Compiles src/hello.asm for Cargo's target with offasm, assembles it and
//! links it into this crate as the static library `hello_asm`.

fn main() {
    offasm::build::Build::new()
        .file("src/hello.asm")
        .include("../../lib-asm") // prelude.asm: frames, callee-saves, C calls
        .debug_info(true) // .file/.loc: debuggers show hello.asm lines
        .compile("hello_asm");
}
