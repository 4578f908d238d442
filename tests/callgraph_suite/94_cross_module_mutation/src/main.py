import hooks


def on_save():
    pass


hooks.HOOKS.append(on_save)
