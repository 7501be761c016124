//! Cross-target checks (the pass between validation and lowering): code that
//! is correct on one target and wrong on another is reported per target.
//! (Stub: filled in by the checker work of issue 9.)

use crate::diag::Diagnostics;
use crate::target::Target;
use crate::valid::Program;

/// The diagnostic codes of this pass (the group `hazards`). All are errors by
/// default and can be re-levelled with `--warn`/`--allow`/`--deny`.
pub const HAZARD_CODES: &[&str] = &[
    "alias-clobber",
    "call-clobber",
    "misaligned-call",
    "missing-shadow-space",
    "callee-saved-clobbered",
    "unbalanced-stack",
];

/// Checks the validated program of `target` and pushes one diagnostic per finding.
pub fn check(_program: &Program, _target: &Target, _diags: &mut Diagnostics) {}
