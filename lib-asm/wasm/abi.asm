# abi.asm — the contract between the interpreter (lib-asm/wasm) and its Rust
# driver (runtime/). runtime/build.rs reads every `const Name = integer` line
# of this file and gives Rust the same numbers (runtime/src/abi.rs checks the
# struct layouts against them at compile time), so this is the one place they
# are written. Only `const` lines and comments here.

# struct Ctx: the interpreter's state while it is not running, shared with
# Rust. Every field is 8 bytes. The asm loads the pinned registers from it on
# entry and stores pc/fp back on exit.
const Ctx_pc = 0                 # next internal instruction (on a trap: the trapping one)
const Ctx_fp = 8                 # frame base: slot 0 of the current function
const Ctx_memDesc = 16           # struct MemDesc of the running instance's memory
const Ctx_memSp = 24             # memory stack: next free entry (callers' MemDescs)
const Ctx_retSp = 32             # return stack: next free entry
const Ctx_retLimit = 40          # return stack: end (a call finding retSp here traps)
const Ctx_stackEnd = 48          # value stack: end (a frame reaching past it traps)
const Ctx_trap = 56              # trap kind, when the status is Status_Trap
const Ctx_arg0 = 64              # operands of a call-out (host call, memory.grow)
const Ctx_arg1 = 72
const Ctx_memLimit = 80          # memory stack: end
const Ctx_dispatches = 88        # dispatches so far (counted only in a COUNT_DISPATCHES build)

# struct MemDesc: where a linear memory is now (Rust updates it when the
# memory grows; the entry and the instance switches load vmMem/vmSize from it).
const Mem_base = 0
const Mem_size = 8

# One return-stack entry: the caller's resume pc and frame base.
const Ret_pc = 0
const Ret_fp = 8
const Ret_size = 16

# struct FuncInfo: what a call needs to know about its callee (Rust owns it,
# at a fixed address for the life of the instance). All sizes in bytes.
const Func_code = 0              # first internal instruction
const Func_frameBytes = 8        # params + locals + operand slots
const Func_localsStart = 16      # first non-parameter local (zeroed by the call)
const Func_localsBytes = 24      # bytes of non-parameter locals

# Why the assembly loop returned to Rust (the entry function's result).
const Status_Return = 0          # the entered function returned: results in its slots
const Status_Trap = 1            # Ctx_trap says which; Ctx_pc is the trapping instruction
const Status_HostCall = 2        # call the host function record at Ctx_arg0 with args at Ctx_fp; resume at Ctx_pc
const Status_MemoryGrow = 3      # grow memory Ctx_memDesc by Ctx_arg0 pages; result to the slot at address Ctx_arg1; resume
const Status_Translate = 4       # translate function Ctx_arg1 of the instance at Ctx_arg0 (its frame is set up); resume at its code

# Trap kinds (Ctx_trap).
const Trap_Unreachable = 1
const Trap_DivideByZero = 2
const Trap_IntegerOverflow = 3
const Trap_MemoryOutOfBounds = 4
const Trap_StackExhausted = 5
const Trap_UndefinedElement = 6
const Trap_UninitializedElement = 7
const Trap_IndirectCallTypeMismatch = 8
const Trap_InvalidConversion = 9

# One table element (struct TableEntry): the callee's FuncInfo (0: none) and
# the canonical id of its type.
const Elem_func = 0
const Elem_sig = 8
const Elem_size = 16
const Elem_shift = 4             # log2(Elem_size)

# The internal code: every instruction starts with the 8-byte address of its
# handler, followed by 32-bit fields (field k at byte 8 + 4k) and padded to a
# multiple of 8 bytes. 64-bit fields (branch targets, FuncInfo and global
# addresses, 64-bit constants) take two fields at an 8-byte-aligned offset.
const Insn_fields = 8
