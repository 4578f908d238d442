def risky():
    raise ValueError("bad")

def recover():
    pass

try:
    risky()
except ValueError:
    recover()
