# target: x86_64-unknown-linux-gnu
if X86_64
    emit "movq %rax, %rbx
end
