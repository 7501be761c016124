# The include is in a branch that is not selected, but includes are always read.
if ARM64
    include LowLevelInterpreterArm64Helpers
end
include? OptionalHelpers
    move 0, t0
