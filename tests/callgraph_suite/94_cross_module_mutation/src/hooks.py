HOOKS = []


def fire():
    for hook in HOOKS:
        hook()
