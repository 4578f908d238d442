def repeat(n):
    def deco(fn):
        def wrapper():
            fn()
        return wrapper
    return deco

@repeat(2)
def work():
    pass

work()
