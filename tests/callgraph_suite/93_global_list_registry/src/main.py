HOOKS = []


def register(hook):
    HOOKS.append(hook)


def on_start():
    pass


register(on_start)


def fire():
    for hook in HOOKS:
        hook()
