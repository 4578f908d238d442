def f():
    pass

def gen():
    yield f

for fn in gen():
    fn()
