//! The `wasmparser` path for function bodies, kept as the reference the
//! validator of `valid/mod.rs` is tested against (`tests/validate.rs`): the
//! operators go to `wasmparser`'s validator, and two checks of ours follow
//! it, the 1.0 `br_table` rule and the highest operand stack.

use wasmparser::{FuncValidator, FunctionBody, ValidatorResources, WasmFeatures};

use crate::module::{wasm_err, FrameShape, ValType};
use crate::Error;

/// Validates one function body, reading it once: the validator sees each
/// operator, and so do two checks of ours. WebAssembly 1.0 requires every
/// label of a `br_table` to have the same type, also in unreachable code;
/// later versions (and so `wasmparser`) only require each to match the
/// operands. With 1.0 blocks (at most one result, no parameters) the label
/// types are easy to follow. And the highest operand stack bounds the frame,
/// so a call can set it up before the function is translated.
pub(crate) fn check_body(
    func: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    params: u32,
    result: Option<ValType>,
) -> Result<FrameShape, Error> {
    let mut locals: u32 = 0;
    let mut locals_reader = body.get_locals_reader().map_err(wasm_err)?;
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, ty) = locals_reader.read().map_err(wasm_err)?;
        func.define_locals(offset, count, ty).map_err(wasm_err)?;
        locals = locals
            .checked_add(count)
            .ok_or_else(|| Error::Unsupported("more than 2^32 locals".into()))?;
    }
    // WebAssembly 1.0's encoding rules too (a memory index is one zero byte).
    let mut binary = body.get_binary_reader_for_operators().map_err(wasm_err)?;
    binary.set_features(WasmFeatures::WASM1);
    let mut check = BodyCheck {
        func,
        offset: 0,
        result,
        max_height: 0,
        top: Some(wasmparser::FrameKind::Block),
        failure: None,
    };
    while !binary.eof() {
        check.offset = binary.original_position();
        if let Err(e) = binary.visit_operator(&mut check).and_then(|r| r) {
            return Err(check.failure.unwrap_or_else(|| wasm_err(e)));
        }
    }
    if let Some(failure) = check.failure {
        return Err(failure);
    }
    binary.finish_expression(&check).map_err(wasm_err)?;
    let max_height = check.max_height;
    let max_slots = (params as u64 + locals as u64 + max_height as u64).max(1);
    Ok(FrameShape {
        locals,
        max_slots: u32::try_from(max_slots)
            .map_err(|_| Error::Unsupported("frame too large".into()))?,
    })
}

/// The visitor `check_body` reads a body with: every operator goes to the
/// validator (by its visitor, without building an `Operator`), then to the
/// stack measure and, for `br_table`, the label check. The block structure is
/// the validator's.
struct BodyCheck<'v> {
    func: &'v mut FuncValidator<ValidatorResources>,
    offset: u64,
    /// The function's result type (its body's label).
    result: Option<ValType>,
    max_height: u32,
    /// The innermost frame's kind, read back from the validator only after
    /// an operator that can change it: the reader asks for it before every
    /// operator, and the validator's lookup is not free.
    top: Option<wasmparser::FrameKind>,
    /// The first error found by our checks. The visitor goes on (its output
    /// is the validator's small error type, which keeps the hot path cheap)
    /// and `check_body` reports this error, which came first.
    failure: Option<Error>,
}

impl BodyCheck<'_> {
    /// The type a branch to the label `depth` levels out carries.
    fn label(&self, depth: u32) -> Result<Option<ValType>, Error> {
        use wasmparser::{BlockType, FrameKind};
        let frame = self
            .func
            .get_control_frame(depth as usize)
            .expect("validated: the depth names a label");
        Ok(match (frame.kind, frame.block_type) {
            (FrameKind::Loop, _) | (_, BlockType::Empty) => None,
            (_, BlockType::Type(t)) => Some(ValType::from_wasm(t)?),
            (_, BlockType::FuncType(_)) => self.result,
        })
    }

    fn refresh_top(&mut self) {
        self.top = self.func.get_control_frame(0).map(|f| f.kind);
    }

    /// Called after the validator accepted the `br_table`, so every depth is
    /// in range.
    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) {
        if self.failure.is_none() {
            self.failure = self.br_table_labels(targets).err();
        }
    }

    fn br_table_labels(&self, targets: &wasmparser::BrTable<'_>) -> Result<(), Error> {
        let want = self.label(targets.default())?;
        for t in targets.targets() {
            if self.label(t.map_err(wasm_err)?)? != want {
                return Err(Error::Invalid(
                    "type mismatch: br_table labels of different types".into(),
                ));
            }
        }
        Ok(())
    }
}

impl wasmparser::FrameStack for BodyCheck<'_> {
    fn current_frame(&self) -> Option<wasmparser::FrameKind> {
        self.top
    }
}

macro_rules! body_check_hook {
    ($self:ident BrTable $targets:ident) => {
        $self.br_table(&$targets)
    };
    ($self:ident Block $($arg:tt)*) => {
        $self.refresh_top()
    };
    ($self:ident Loop $($arg:tt)*) => {
        $self.refresh_top()
    };
    ($self:ident If $($arg:tt)*) => {
        $self.refresh_top()
    };
    ($self:ident Else $($arg:tt)*) => {
        $self.refresh_top()
    };
    ($self:ident End $($arg:tt)*) => {
        $self.refresh_top()
    };
    ($self:ident $($other:tt)*) => {
        ()
    };
}

macro_rules! body_check_visit {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.func
                    .visitor(self.offset)
                    .$visit($($($arg.clone()),*)?)?;
                self.max_height = self.max_height.max(self.func.operand_stack_height());
                body_check_hook!(self $op $($($arg)*)?);
                Ok(())
            }
        )*
    };
}

impl<'a> wasmparser::VisitOperator<'a> for BodyCheck<'_> {
    type Output = Result<(), wasmparser::BinaryReaderError>;
    wasmparser::for_each_visit_operator!(body_check_visit);
}
