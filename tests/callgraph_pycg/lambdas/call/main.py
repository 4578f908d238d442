f = lambda: print("x")
f()
