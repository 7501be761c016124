# `Late` is declared after the first call (LANGUAGE.md §12.4).
macro useLater()
    move Late, t0
end
useLater()
const Late = 7
useLater()
