# A stray `@` (copied from AT&T syntax) is not part of the dialect.
macro loadTag(dst)
    loadq 8[cfr], dst
    andq @0xffff, dst
end
loadTag(t0)
