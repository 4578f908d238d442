REGISTRY = []


def register(func):
    REGISTRY.append(func)
    return func


@register
def plugin():
    pass


def main():
    plugin()
