def deco(fn):
    def wrapper():
        return fn()
    return wrapper

@deco
def work():
    pass

work()
