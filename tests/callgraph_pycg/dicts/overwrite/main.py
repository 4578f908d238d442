def old():
    pass

def new():
    pass

d = {"a": old}
d["a"] = new
d["a"]()
