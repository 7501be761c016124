# An argument that doubles at every level of a recursion.
macro grow(x)
    grow(x + x)
end
grow(1)
