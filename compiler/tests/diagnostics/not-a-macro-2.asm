# The argument is a misspelled macro name: it names nothing, so it is passed
# as a symbolic name, and calling the parameter fails.
macro slowPathHandler()
    call _slow_path
end
macro callSlowPath(slowPath)
    slowPath()
end

callSlowPath(slowPathHandlr)
