# target: aarch64-apple-darwin
# `error` in an unsupported branch, reached inside a macro expansion.
macro loadConstantPool(dst)
    if X86_64 or X86_64_WIN
        leap _constants, dst
    else
        error
    end
end

macro prologue()
    loadConstantPool(t5)
end

prologue()
