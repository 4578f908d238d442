parts = "a b".split()
joined = ",".join(parts)
