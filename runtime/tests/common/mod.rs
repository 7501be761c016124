//! Helpers shared by the integration tests (`mod common;` in each).

/// The binary module of a WebAssembly text module.
pub fn wat(text: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(text).expect("lex");
    let mut module: wast::Wat = wast::parser::parse(&buf).expect("parse");
    module.encode().expect("encode")
}
