def target():
    pass

alias = target
alias()
