//! Writes offasm's generated lexer and parser into compiler/src/front.

fn main() {
    for (rel, code) in [("raw_lexer.rs", offasm_generate::lexer()), ("grammar.rs", offasm_generate::parser())] {
        let path = offasm_generate::front_dir().join(rel);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old == code {
            println!("{}: unchanged", path.display());
        } else {
            std::fs::write(&path, &code).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            println!("{}: written", path.display());
        }
    }
}
