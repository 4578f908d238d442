def outer():
    def helper():
        pass

    def inner():
        helper()
    return inner

outer()()
