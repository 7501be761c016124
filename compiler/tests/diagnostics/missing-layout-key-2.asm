# A layout key formed by concatenation, missing from an empty table.
macro loadLength(kind, dst)
    loadi %kind%Header::length[t0], dst
end
loadLength(String, t1)
