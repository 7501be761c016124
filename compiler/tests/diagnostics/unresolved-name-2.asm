# The unresolved name arrives through a parameter: the primary span is the
# argument at the call site.
macro setIt(v)
    move v, t0
end

setIt(notDefinedAnywhere)
