REG = []

def register(fn):
    REG.append(fn)
    return fn

@register
def handler():
    pass

handler()
