# A name at the start of a statement must be a macro call: `loadCell` is
# not a mnemonic, so this is a call missing its parentheses.
macro loadCell(reg, dst)
    loadq [reg], dst
end

loadCell t0, t1
